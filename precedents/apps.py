from django.apps import AppConfig


class PrecedentsConfig(AppConfig):
    """Precedents: the precedent finder."""

    name = "precedents"
    verbose_name = "Precedents"
    default_auto_field = "django.db.models.BigAutoField"
