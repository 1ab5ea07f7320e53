"""Sending alerts: for each active saved search, e-mail the decisions of letters stored since its
cursor, then move the cursor. `manage.py send_alerts` and the Celery beat task
(alerts.tasks.send_alerts) call send_alerts(); so do the tests.

    summary = send_alerts()        # Summary(checked=.., sent=.., decisions=.., ...)

One run, in order:
1. The window's end (`watermark`): now minus ALERTS_SETTLE_SECONDS (an ingest transaction
   stamps its letters' created_at before it commits; a letter not yet visible must not fall
   behind a cursor), and before the oldest letter still waiting in the index queue (committed
   but not yet searchable). Letters stored after it wait for the next run.
2. Per saved search of a user whose alerts are on (alerts.preferences; off: not looked at) and
   due by the user's frequency (daily or weekly: not before a day or a week since its last
   e-mail; the window keeps growing meanwhile): count its decisions stored in (cursor, end] with
   the search engine (the saved query string parsed as /search/ parses it, plus
   SearchQuery.ingested_after/_until). None: the cursor moves to the end, no e-mail.
3. Claim the window: an AlertDelivery row "sending" for (saved search, cursor); the database
   allows one live delivery per window (a unique constraint), so a concurrent run that claims
   the same window fails to insert and skips it. A claim left "sending" longer than
   ALERTS_CLAIM_TIMEOUT_SECONDS (its run died) is marked failed and the window claimed again.
4. Page through every matching decision, e-mail them (subject: the search's name and the count;
   body: case number, request, decision and the letter's absolute URL for each; a signed
   unsubscribe link), then in one transaction mark the delivery sent and move the cursor (only
   if it is still where the claim found it).
   A failed send marks the delivery failed and leaves the cursor: the next run sends the window
   again. (A run killed between the send and the commit sends it again too: exactly once
   except across a crash at that instant, where it is at least once.)
No transaction is held while the engine is searched or the mail server is talked to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.http import QueryDict
from django.utils import timezone

from alerts.models import AlertDelivery, SavedSearch
from alerts.preferences import waiting_for_frequency
from cases.models import Determination
from search.backends import get_backend
from search.backends.base import SearchQuery
from search.health import require_healthy
from search.models import IndexQueue
from search.params import parse_search_params
from search.payload import determination_url

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "alerts.unsubscribe"
PAGE_LETTERS = 100  # letters per engine call while collecting a window's decisions
MILLISECOND = timedelta(milliseconds=1)


@dataclass
class Summary:
    checked: int = 0  # active saved searches looked at
    sent: int = 0  # e-mails sent
    decisions: int = 0  # decisions in them
    nothing_new: int = 0
    taken: int = 0  # windows another run had claimed
    failed: int = 0
    no_address: int = 0  # the user has no e-mail address
    not_due: int = 0  # the user's frequency (daily, weekly) says not yet
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"saved searches checked: {self.checked}, e-mails sent: {self.sent} ({self.decisions} decisions), "
            f"nothing new: {self.nothing_new}, taken by another run: {self.taken}, failed: {self.failed}, "
            f"no e-mail address: {self.no_address}, not due yet (daily/weekly): {self.not_due}"
        )


@dataclass
class Decision:
    case_number: str
    order: int
    request: str
    decision: str
    url: str


# --- what a saved search selects ------------------------------------------------------------------


def saved_params(query: str):
    """The saved query string parsed exactly as the search page parses its URL."""
    return parse_search_params(QueryDict(query))


def window_query(saved: SavedSearch, after: datetime | None, until: datetime | None = None) -> SearchQuery:
    """The engine query for the saved search's decisions of letters stored in (after, until]."""
    query = saved_params(saved.query).to_query()
    return replace(
        query, ingested_after=after, ingested_until=until, sort="-date", page=1, page_size=PAGE_LETTERS, facets=[]
    )


def new_count(saved: SavedSearch, backend) -> int:
    """Decisions of letters stored since the cursor, searchable now (the saved-searches page)."""
    return backend.count(window_query(saved, saved.last_alerted_at))


def watermark(now: datetime) -> datetime:
    """The end of this run's windows (see the module docstring, step 1)."""
    end = now - timedelta(seconds=settings.ALERTS_SETTLE_SECONDS)
    waiting = IndexQueue.objects.filter(kind=IndexQueue.Kind.DETERMINATION).values("object_id")
    oldest = Determination.objects.filter(pk__in=waiting).aggregate(first=Min("created_at"))["first"]
    if oldest is not None:
        end = min(end, oldest - MILLISECOND)
    return end


def collect(backend, query: SearchQuery) -> list[Decision]:
    """Every matching decision, paging through the engine's letters (newest decision date first,
    each letter's matching decisions in letter order)."""
    out: list[Decision] = []
    page = 1
    while True:
        result = backend.search(replace(query, page=page))
        for hit in result.hits:
            for d in hit.decisions:
                if d.matched:
                    source = d.source
                    out.append(
                        Decision(
                            case_number=source.get("case_number") or "",
                            order=d.order + 1,
                            request=" ".join((source.get("request") or "").split()),
                            decision=source.get("decision") or "",
                            url=absolute(determination_url(source.get("case_number"), hit.id)),
                        )
                    )
        if len(result.hits) < query.page_size:
            return out
        page += 1


# --- the e-mail ---------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(saved: SavedSearch) -> str:
    return signing.dumps({"id": saved.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(saved: SavedSearch) -> str:
    return absolute(f"/alerts/unsubscribe/{unsubscribe_token(saved)}/")


def saved_search_from_token(token: str) -> SavedSearch | None:
    """The saved search a token names; raises signing.BadSignature when it was tampered with."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return SavedSearch.objects.filter(pk=data.get("id")).first()


def subject_of(saved: SavedSearch, count: int) -> str:
    noun = "decision" if count == 1 else "decisions"
    return f"[IMR KB] {count} new {noun}: {saved.name}"


def message(saved: SavedSearch, decisions: list[Decision], total: int, since: datetime) -> EmailMessage:
    listed = decisions[: settings.ALERTS_MAX_DECISIONS]
    noun = "decision" if total == 1 else "decisions"
    lines = [
        f"Your saved search \u201c{saved.name}\u201d has {total} new {noun} in letters stored since "
        f"{timezone.localtime(since):%Y-%m-%d %H:%M %Z}.",
        "",
    ]
    for n, d in enumerate(listed, 1):
        lines += [
            f"{n}. {d.case_number or 'Letter'} (decision {d.order}): {d.decision or 'no outcome'}",
            f"   {d.request}",
            f"   {d.url}",
            "",
        ]
    if total > len(listed):
        lines += [f"\u2026 and {total - len(listed)} more.", ""]
    unsubscribe = unsubscribe_url(saved)
    lines += [
        f"The search: {absolute(saved.search_url)}",
        f"Your saved searches: {absolute('/alerts/')}",
        f"Stop these alerts: {unsubscribe}",
    ]
    return EmailMessage(
        subject=subject_of(saved, total),
        body="\n".join(lines),
        to=[saved.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


# --- one run ------------------------------------------------------------------------------------


def claim(saved: SavedSearch, start: datetime, end: datetime, now: datetime) -> AlertDelivery | None:
    """The delivery row for the window starting at `start`, or None when another run has it."""
    stale = now - timedelta(seconds=settings.ALERTS_CLAIM_TIMEOUT_SECONDS)
    AlertDelivery.objects.filter(
        saved_search=saved, window_start=start, status=AlertDelivery.Status.SENDING, created_at__lt=stale
    ).update(status=AlertDelivery.Status.FAILED, error="abandoned: its run stopped before sending")
    try:
        with transaction.atomic():
            return AlertDelivery.objects.create(
                saved_search=saved, window_start=start, window_end=end, recipient=saved.user.email, created_at=now
            )
    except IntegrityError:
        return None


def alert_one(saved: SavedSearch, end: datetime, now: datetime, backend, summary: Summary) -> None:
    start = saved.last_alerted_at
    query = window_query(saved, start, end)
    total = backend.count(query)
    if not total:
        SavedSearch.objects.filter(pk=saved.pk, last_alerted_at=start).update(last_alerted_at=end)
        summary.nothing_new += 1
        return
    if not saved.user.email:
        summary.no_address += 1  # the cursor stays: the page shows the new decisions
        return
    delivery = claim(saved, start, end, now)
    if delivery is None:
        summary.taken += 1
        return
    try:
        decisions = collect(backend, query)
        email = message(saved, decisions, total, start)
        email.send()
    except Exception as exc:  # noqa: BLE001 - any failure (engine, mail server) leaves the cursor
        log.exception("alert for saved search %s not sent", saved.pk)
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            status=AlertDelivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        summary.failed += 1
        summary.errors.append(f"{saved.name}: {type(exc).__name__}: {exc}")
        return
    sent_at = timezone.now()
    with transaction.atomic():
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            status=AlertDelivery.Status.SENT, decisions=total, subject=email.subject, sent_at=sent_at
        )
        SavedSearch.objects.filter(pk=saved.pk, last_alerted_at=start).update(last_alerted_at=end, last_sent_at=sent_at)
    summary.sent += 1
    summary.decisions += total


def send_alerts(now: datetime | None = None, backend=None) -> Summary:
    """E-mail every active saved search's new decisions (see the module docstring). Raises
    SearchBackendError when the index is unavailable (no cursor moves)."""
    now = now or timezone.now()
    backend = backend or get_backend()
    require_healthy(backend, ["determination"])
    end = watermark(now)
    summary = Summary()
    # A list, not an iterator: each alert updates the rows the query selects (SQLite gives no
    # isolation between a cursor and writes on the same connection). Users who turned their
    # alerts off in their profile are not looked at; their cursors wait.
    due = list(
        SavedSearch.objects.filter(active=True, last_alerted_at__lt=end)
        .exclude(user__alert_preference__enabled=False)
        .select_related("user", "user__alert_preference")
        .order_by("pk")
    )
    for saved in due:
        summary.checked += 1
        if waiting_for_frequency(saved, now):
            summary.not_due += 1
            continue
        alert_one(saved, end, now, backend, summary)
    return summary
