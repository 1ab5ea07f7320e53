"""Two `manage.py send_alerts` processes at once over the same saved searches, on SQLite and on
PostgreSQL: every saved search gets its alert exactly once (the e-mails are counted in the
file-based backend's files; the deliveries straight from the database)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.support import FIXTURE_LETTERS, REPO_DIR
from tests.support.processes import manage, project_env, run_python
from tests.support.services import create_postgres_database

pytestmark = pytest.mark.services

SEARCHES = 80
TIMEOUT = 240
# Queries whose decisions the ORM counts without the search code: everything, or one outcome.
QUERIES = {"": {}, "decision=Upheld": {"decision": "Upheld"}, "decision=Overturned": {"decision": "Overturned"}}
SUMMARY = re.compile(
    r"checked: (\d+), e-mails sent: (\d+) \((\d+) decisions\), nothing new: (\d+), "
    r"taken by another run: (\d+), failed: (\d+)"
)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'imr_kb.sqlite3'}"
    return create_postgres_database(request.getfixturevalue("postgres_url"))


def test_two_runs_at_once_send_each_alert_once(database_url, tmp_path):
    mail_dir = tmp_path / "mail"
    env = project_env(
        tmp_path,
        database_url=database_url,
        IMR_ALERTS_SETTLE_SECONDS="0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    manage(env, "migrate", "--noinput")
    manage(env, "ingest", *map(str, sorted(FIXTURE_LETTERS.glob("*.txt"))))
    setup = run_python(
        env,
        f"""
from datetime import datetime, timezone
from django.contrib.auth.models import User
from alerts.models import SavedSearch
from cases.models import Determination, DisputedItem
queries = {list(QUERIES)!r}
filters = {list(QUERIES.values())!r}
items = DisputedItem.objects.exclude(determination__parse_status=Determination.ParseStatus.FAILED)
for i in range({SEARCHES}):
    user = User.objects.create_user(f"user{{i}}", email=f"user{{i}}@example.org")
    SavedSearch.objects.create(user=user, name=f"alert-{{i}}", query=queries[i % len(queries)],
                               last_alerted_at=datetime(2000, 1, 1, tzinfo=timezone.utc))
print([items.filter(**f).count() for f in filters])
""",
    )
    expected_counts = dict(zip(QUERIES, eval(setup.stdout.strip().splitlines()[-1])))
    assert all(expected_counts.values()), expected_counts

    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_alerts"],
            cwd=REPO_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=TIMEOUT) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, f"send_alerts exited {run.returncode}\n{out[-2000:]}\n{err[-3000:]}"
    summaries = [tuple(map(int, SUMMARY.search(out).groups())) for out, _ in outputs]
    assert sum(s[1] for s in summaries) == SEARCHES and sum(s[5] for s in summaries) == 0, summaries
    print(f"two runs: {summaries} (checked, sent, decisions, nothing new, taken, failed)")

    text = "\n".join(path.read_text() for path in mail_dir.glob("*.log"))
    subjects = re.findall(r"^Subject: \[IMR KB\] (\d+) new decisions?: (alert-\d+)$", text, re.M)
    by_name = Counter(name for _, name in subjects)
    assert len(by_name) == SEARCHES and set(by_name.values()) == {1}, by_name.most_common(3)
    for count, name in subjects:
        query = list(QUERIES)[int(name.split("-")[1]) % len(QUERIES)]
        assert int(count) == expected_counts[query], (name, query, count)

    check = run_python(
        env,
        """
from django.db.models import Count
from alerts.models import AlertDelivery, SavedSearch
sent = AlertDelivery.objects.filter(status="sent")
print(sent.count(), sent.values("saved_search").distinct().count(), AlertDelivery.objects.exclude(status="sent").count(),
      SavedSearch.objects.filter(last_sent_at__isnull=True).count())
""",
    )
    assert check.stdout.split() == [str(SEARCHES), str(SEARCHES), "0", "0"]
    again = manage(env, "send_alerts")
    assert "e-mails sent: 0" in again.stdout
