"""The profile (e-mail, alert preferences, API token), inviting people and accepting an
invitation. Sign-in, sign-up, e-mail verification and password reset are allauth's views
(accounts/urls.py includes them)."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from accounts import invitations
from accounts.forms import InvitationForm
from accounts.models import Invitation
from accounts.roles import role_label, role_of
from accounts.tokens import create_token, revoke_token, token_of
from alerts.preferences import AlertPreferenceForm, preference_for, save_preference

INVITATIONS_PER_PAGE = 50


def _profile(request, *, new_key: str | None = None, alert_form=None, status: int = 200):
    user = request.user
    pending_email = (
        EmailAddress.objects.filter(user=user, verified=False).exclude(email__iexact=user.email).order_by("-pk").first()
    )
    response = render(
        request,
        "accounts/profile.html",
        {
            "role": role_label(role_of(user)),
            "pending_email": pending_email,
            "alert_form": alert_form or AlertPreferenceForm(instance=preference_for(user)),
            "token": token_of(user),
            "new_key": new_key,
            "saved_searches": user.saved_searches.count(),
            "can_invite": user.has_perm("accounts.add_invitation"),
        },
        status=status,
    )
    if new_key:
        add_never_cache_headers(response)  # the key is shown once: no copy in any cache
    return response


@login_required
def profile(request):
    return _profile(request)


@login_required
@require_POST
def alert_preferences(request):
    form = AlertPreferenceForm(request.POST, instance=preference_for(request.user))
    if not form.is_valid():
        return _profile(request, alert_form=form, status=400)
    save_preference(request.user, form.cleaned_data["enabled"], form.cleaned_data["frequency"])
    messages.success(request, "Alert preferences saved.")
    return redirect("/accounts/profile/#alerts")


@login_required
@require_POST
def api_token(request):
    if request.POST.get("action") == "revoke":
        if revoke_token(request.user):
            messages.success(request, "API token revoked: requests with it are refused from now on.")
        return redirect("/accounts/profile/#token")
    return _profile(request, new_key=create_token(request.user))


@require_http_methods(["GET", "POST"])
@permission_required("accounts.add_invitation", raise_exception=True)
def invitation_list(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation, _ = invitations.invite(
            form.cleaned_data["email"], form.cleaned_data["role"], invited_by=request.user, request=request
        )
        messages.success(request, f"Invitation sent to {invitation.email} as {invitation.get_role_display().lower()}.")
        return redirect("/accounts/invitations/")
    page = Paginator(Invitation.objects.select_related("invited_by", "accepted_by"), INVITATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/invitations.html",
        {"form": form, "page": page, "invitation_days": settings.ACCOUNTS_INVITATION_DAYS},
        status=400 if form.errors else 200,
    )


@require_POST
@permission_required("accounts.change_invitation", raise_exception=True)
def revoke_invitation(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk)
    invitations.revoke(invitation)
    messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("/accounts/invitations/")


def accept(request, key: str):
    """The link in an invitation: remember it, then allauth's sign-up with the address filled in
    (and counted as verified: the invitation reached it)."""
    if request.user.is_authenticated:
        return render(
            request,
            "accounts/invitation_error.html",
            {"message": f"You are signed in as {request.user.get_username()}. Sign out, then open the link again."},
            status=409,
        )
    try:
        invitation = invitations.find(key)
    except invitations.InvitationError as exc:
        return render(request, "accounts/invitation_error.html", {"message": str(exc)}, status=410)
    request.session[invitations.SESSION_KEY] = key
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("/accounts/signup/?" + urlencode({"email": invitation.email}))
