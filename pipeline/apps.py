from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """Pipeline: the ingest pipeline, ingest jobs, uploads and every write of derived data."""

    name = "pipeline"
    verbose_name = "Pipeline"
    default_auto_field = "django.db.models.BigAutoField"
