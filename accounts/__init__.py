"""Accounts a team runs itself: roles (readers, clerks, administrators), invitations, the
profile (e-mail, alert preferences, the user's own API token). Sign-in, sign-up, e-mail
verification and password reset are django-allauth's flows; this app configures them
(adapter.py, forms.py) and adds what allauth does not have. docs/accounts.md."""
