from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    """Procedures: the procedure taxonomy and the classifier of disputed items."""

    name = "procedures"
    verbose_name = "Procedures"
    default_auto_field = "django.db.models.BigAutoField"
