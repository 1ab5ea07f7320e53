from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Invitations and roles"
    default_auto_field = "django.db.models.BigAutoField"
