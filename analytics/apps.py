from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Analytics: outcome analytics of any search and the dashboard."""

    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"
