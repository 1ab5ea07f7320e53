"""Saved searches: save one from the search page, list them with what is new, delete, pause,
and the signed unsubscribe link from the e-mails (no login needed)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from alerts.forms import InvalidSearch, canonical_query, clean_name, default_name, parse_saved_query
from alerts.models import AlertDelivery, AlertPreference, SavedSearch
from alerts.preferences import preference_for
from alerts.send import new_count, saved_search_from_token
from search.backends import get_backend
from search.backends.base import SearchBackendError
from search.health import UNAVAILABLE, require_healthy

log = logging.getLogger(__name__)
FREQUENCY_TEXT = {
    AlertPreference.Frequency.HOURLY: "every hour",
    AlertPreference.Frequency.DAILY: "every hour and e-mailed at most once a day",
    AlertPreference.Frequency.WEEKLY: "every hour and e-mailed at most once a week",
}


@require_POST
def save_search(request):
    query = request.POST.get("query", "")
    if not request.user.is_authenticated:
        # Back to the search after signing in (a POST cannot be replayed through the login).
        return redirect(settings.LOGIN_URL + "?" + urlencode({"next": "/search/" + (f"?{query}" if query else "")}))
    try:
        params = parse_saved_query(query)
    except InvalidSearch as exc:
        return render(request, "alerts/error.html", {"message": f"This search cannot be saved: {exc}"}, status=400)
    query = canonical_query(params)
    name = clean_name(request.POST.get("name", "")) or default_name(params)
    saved, created = SavedSearch.objects.get_or_create(user=request.user, query=query, defaults={"name": name})
    if not created:
        # Saving it again renames it and turns its alerts back on, from now.
        SavedSearch.objects.filter(pk=saved.pk).update(
            name=name,
            active=True,
            unsubscribed_at=None,
            **({} if saved.active else {"last_alerted_at": timezone.now()}),
        )
    return redirect(f"/alerts/?saved={saved.pk}")


@login_required
def saved_searches(request):
    last_sent = AlertDelivery.objects.filter(saved_search=OuterRef("pk"), status=AlertDelivery.Status.SENT).order_by(
        "-sent_at", "-pk"
    )
    rows = list(request.user.saved_searches.annotate(last_decisions=Subquery(last_sent.values("decisions")[:1])))
    error = None
    if rows:
        try:
            backend = get_backend()
            require_healthy(backend, ["determination"])
            for saved in rows:
                saved.new = new_count(saved, backend)
        except SearchBackendError:
            log.exception("saved searches: search backend failed")
            error = UNAVAILABLE
    highlighted = request.GET.get("saved", "")
    preference = preference_for(request.user)
    return render(
        request,
        "alerts/saved_searches.html",
        {
            "rows": rows,
            "error": error,
            "highlighted": int(highlighted) if highlighted.isdigit() else None,
            "no_email": not request.user.email,
            "alerts_off": not preference.enabled,
            "frequency_text": FREQUENCY_TEXT[preference.frequency],
        },
    )


def _own(request, pk: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=pk, user=request.user)


@login_required
@require_POST
def delete_saved_search(request, pk: int):
    _own(request, pk).delete()
    return redirect("/alerts/")


@login_required
@require_POST
def set_active(request, pk: int):
    saved = _own(request, pk)
    active = request.POST.get("active") == "1"
    if active and not saved.active:
        # Resumed alerts start from now (not a backlog of everything since the pause).
        SavedSearch.objects.filter(pk=saved.pk).update(
            active=True, unsubscribed_at=None, last_alerted_at=timezone.now()
        )
    elif not active and saved.active:
        SavedSearch.objects.filter(pk=saved.pk).update(active=False, unsubscribed_at=timezone.now())
    return redirect("/alerts/")


# The link in the e-mails: GET shows what it stops and a button; POST stops it (also the
# one-click POST of RFC 8058 mail clients, which carry no session or CSRF cookie: the signed
# token is the authority, so CSRF protection is off for this view only).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        saved = saved_search_from_token(token)
    except signing.BadSignature:
        return render(
            request,
            "alerts/error.html",
            {"message": "This unsubscribe link is not valid (it may have been cut short or altered)."},
            status=400,
        )
    if saved is None:
        raise Http404("That saved search was deleted.")
    done = False
    if request.method == "POST":
        SavedSearch.objects.filter(pk=saved.pk, active=True).update(active=False, unsubscribed_at=timezone.now())
        done = True
    return render(request, "alerts/unsubscribe.html", {"saved": saved, "done": done or not saved.active})
