from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Procedure taxonomy on determination_written (fills the item fields the index reads),
        # and the index queue receivers (same transaction as the change; see search.sync).
        from . import classify, sync

        classify.connect()
        sync.connect()
