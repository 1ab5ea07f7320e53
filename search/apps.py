from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Index queue receivers (same transaction as the change; see search.sync).
        from . import sync

        sync.connect()
