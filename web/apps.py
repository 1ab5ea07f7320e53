from django.apps import AppConfig


class WebConfig(AppConfig):
    """Pages: the letter pages, the search page and the letters API."""

    name = "web"
    verbose_name = "Pages"
    default_auto_field = "django.db.models.BigAutoField"
