"""Accounts in the admin (administrators only: clerks have no permission on these): users with
their role, and invitations (sent from /accounts/invitations/, where the e-mail goes out)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from accounts.models import Invitation
from accounts.roles import ADMINISTRATOR, CLERK, READER, assign_role, role_label, role_of


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "role", "state", "invited_by", "created_at", "expires_at", "accepted_by")
    list_filter = ("role",)
    search_fields = ("email",)
    readonly_fields = ("email", "role", "invited_by", "created_at", "accepted_at", "accepted_by")
    fields = ("email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at")

    def has_add_permission(self, request):
        return False  # an invitation is an e-mail: /accounts/invitations/ sends it


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login", "date_joined")
    list_filter = ("groups", "is_active")
    actions = ["make_reader", "make_clerk", "make_administrator"]

    @admin.display(description="role")
    def role(self, obj):
        return role_label(role_of(obj))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def _assign(self, request, queryset, role):
        for user in queryset:
            assign_role(user, role)
        self.message_user(request, f"{queryset.count()} account(s) made {role_label(role).lower()}.", messages.SUCCESS)

    @admin.action(description="Make the selected accounts readers", permissions=["change"])
    def make_reader(self, request, queryset):
        self._assign(request, queryset, READER)

    @admin.action(description="Make the selected accounts clerks", permissions=["change"])
    def make_clerk(self, request, queryset):
        self._assign(request, queryset, CLERK)

    @admin.action(description="Make the selected accounts administrators", permissions=["change"])
    def make_administrator(self, request, queryset):
        self._assign(request, queryset, ADMINISTRATOR)
