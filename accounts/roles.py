"""The three roles, as Django groups and permissions (docs/accounts.md):

- reader: searches, saves searches and gets alerts, reads the API, has an API token;
- clerk: a reader who may upload letters (POST /api/letters/, the permission
  `cases.add_ingestjob`) and correct records in the admin (letters, decisions, citations, the
  citation review queue), but not delete letters nor manage accounts;
- administrator: everything, including accounts and invitations (a superuser).

A user's role is their group; `assign_role` keeps the group, is_staff (the admin is open to
clerks and administrators) and is_superuser in step. The groups and the clerks' permissions are
created by the migration accounts/0002 through `sync_groups`.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

READER, CLERK, ADMINISTRATOR = "reader", "clerk", "administrator"
ROLES = (READER, CLERK, ADMINISTRATOR)
ROLE_CHOICES = [(READER, "Reader"), (CLERK, "Clerk"), (ADMINISTRATOR, "Administrator")]
GROUPS = {READER: "Readers", CLERK: "Clerks", ADMINISTRATOR: "Administrators"}
# What lets a user upload letters through the write API (pipeline/api.py).
UPLOAD_PERMISSION = "cases.add_ingestjob"
# (app label, codename): what a clerk may do in the admin and the write API.
CLERK_PERMISSIONS = [
    ("cases", "view_determination"),
    ("cases", "change_determination"),
    ("cases", "view_disputeditem"),
    ("cases", "add_disputeditem"),
    ("cases", "change_disputeditem"),
    ("cases", "delete_disputeditem"),
    ("cases", "view_guidelinecitation"),
    ("cases", "add_guidelinecitation"),
    ("cases", "change_guidelinecitation"),
    ("cases", "delete_guidelinecitation"),
    ("cases", "view_determinationrevision"),
    ("cases", "view_ingestjob"),
    ("cases", "add_ingestjob"),
    ("cases", "view_ingestjobfile"),
    ("guidelines", "view_citationlink"),
    ("guidelines", "change_citationlink"),
    ("guidelines", "view_manualresolution"),
    ("guidelines", "add_manualresolution"),
    ("guidelines", "change_manualresolution"),
    ("guidelines", "view_guidelinedocument"),
    ("guidelines", "view_guidelinesection"),
    ("guidelines", "view_quotedpassage"),
]


def sync_groups(group_model, permission_model) -> None:
    """Create the three groups; give the clerks exactly their permissions and the administrators
    every permission there is (they are superusers too: permissions added later are theirs)."""
    groups = {role: group_model.objects.get_or_create(name=name)[0] for role, name in GROUPS.items()}
    wanted = [
        permission_model.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in CLERK_PERMISSIONS
    ]
    groups[CLERK].permissions.set(wanted)
    groups[ADMINISTRATOR].permissions.set(permission_model.objects.all())
    groups[READER].permissions.clear()


def assign_role(user, role: str) -> None:
    """Make `user` a reader, clerk or administrator (group, is_staff, is_superuser)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    user.groups.remove(*Group.objects.filter(name__in=GROUPS.values()))
    group = Group.objects.filter(name=GROUPS[role]).first()
    if group is None:  # the groups were deleted (or a test flushed the database): make them again
        sync_groups(Group, Permission)
        group = Group.objects.get(name=GROUPS[role])
    user.groups.add(group)
    user.is_staff = role in (CLERK, ADMINISTRATOR)
    user.is_superuser = role == ADMINISTRATOR
    user.save(update_fields=["is_staff", "is_superuser"])


def role_of(user) -> str:
    if user.is_superuser:
        return ADMINISTRATOR
    names = {g.name for g in user.groups.all()}
    if GROUPS[CLERK] in names:
        return CLERK
    return READER


def role_label(role: str) -> str:
    return dict(ROLE_CHOICES)[role]
