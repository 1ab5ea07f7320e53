from django.apps import AppConfig


class ImrKbConfig(AppConfig):
    """The project package as an app: its deployment checks (imr_kb/checks.py)."""

    name = "imr_kb"
    verbose_name = "IMR Knowledge Base"

    def ready(self):
        from imr_kb import checks  # noqa: F401  (registers the checks)
