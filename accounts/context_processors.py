"""What every page may show about accounts: whether anyone may sign up (the header's link, the
sign-in page's hint)."""

from django.conf import settings


def accounts(request):
    return {"signup_open": settings.ACCOUNTS_OPEN_SIGNUP}
