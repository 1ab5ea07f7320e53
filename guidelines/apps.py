from django.apps import AppConfig


class GuidelinesConfig(AppConfig):
    name = "guidelines"
    verbose_name = "Guidelines"

    def ready(self):
        from cases.signals import determination_written

        from .receivers import link_written_determination

        determination_written.connect(link_written_determination, dispatch_uid="guidelines.link_citations")
