"""send_alerts over N saved searches on the 150 real letters (embedded engine, SQLite).

    .venv/bin/python bench/alerts.py [--sizes 100,1000] [--runs 3] [--letters ../shared/data/dwc-imr/txt]

The letters are ingested into a throwaway database and index. N users each save one search
(a procedure query of the list below, in turn). Two cases, each run --runs times, medians:
  every decision new   the cursors before the letters: each search e-mails all its decisions
                       (count, page through them, build and "send" the e-mail: Django's
                       in-memory backend, so no mail server is timed), the delivery recorded
  nothing new          the hourly common case: one count per search, the cursor moved
  daily, not due       every user chose daily alerts (accounts profile) and was e-mailed an hour
                       ago: each search is passed over on its preference, no engine call
The load average is printed (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import DEFAULT_LETTERS, base_letters, setup_django  # noqa: E402

QUERIES = [
    "q=lumbar+MRI",
    "q=MBB",
    "q=Norco",
    "q=physical+therapy",
    "q=TENS+unit",
    "q=acupuncture",
    "q=EMG%2FNCS",
    "q=tramadol",
    "q=opioids",
    "q=chiropractic",
    "q=radiculopathy",
    "decision=Overturned",
]
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    os.environ.update(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", IMR_ALERTS_SETTLE_SECONDS="0")
    try:
        setup_django(work)
        base_letters(args.letters)
        from django.contrib.auth.models import User
        from django.core import mail
        from django.core.management import call_command
        from django.utils import timezone as dj_timezone

        from alerts.models import AlertDelivery, AlertPreference, SavedSearch
        from alerts.send import send_alerts

        call_command("search_index", "--rebuild", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
        print(f"load average {os.getloadavg()[0]:.2f}; {len(QUERIES)} queries in turn; {args.runs} runs, medians")
        print(f"{'searches':>8} {'case':<20} {'e-mails':>7} {'decisions':>9} {'median s':>9} {'ms/search':>9}")
        have = 0
        for n in [int(s) for s in args.sizes.split(",")]:
            users = User.objects.bulk_create(
                [User(username=f"u{i}", email=f"u{i}@example.org") for i in range(have, n)]
            )
            SavedSearch.objects.bulk_create(
                [
                    SavedSearch(user=u, name=f"search {u.pk}", query=QUERIES[i % len(QUERIES)])
                    for i, u in enumerate(users, have)
                ]
            )
            have = n
            for case in ("every decision new", "nothing new", "daily, not due"):
                times, summary = [], None
                if case == "daily, not due":
                    AlertPreference.objects.bulk_create(
                        [
                            AlertPreference(user_id=pk, frequency="daily")
                            for pk in User.objects.values_list("pk", flat=True)
                        ],
                        ignore_conflicts=True,
                    )
                for _ in range(args.runs):
                    if case == "every decision new":
                        AlertDelivery.objects.all().delete()
                        SavedSearch.objects.update(last_alerted_at=LONG_AGO)
                    if case == "daily, not due":
                        SavedSearch.objects.update(
                            last_alerted_at=LONG_AGO, last_sent_at=dj_timezone.now() - timedelta(hours=1)
                        )
                    mail.outbox = []
                    started = time.perf_counter()
                    summary = send_alerts()
                    times.append(time.perf_counter() - started)
                median = statistics.median(times)
                print(
                    f"{n:>8} {case:<20} {summary.sent:>7} {summary.decisions:>9} {median:>9.2f} {1000 * median / n:>9.1f}"
                )
                if case == "daily, not due":
                    AlertPreference.objects.all().delete()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
