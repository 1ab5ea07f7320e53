from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Exports: every decision a search counts as CSV or JSON lines."""

    name = "exports"
    verbose_name = "Exports"
    default_auto_field = "django.db.models.BigAutoField"
