import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imr_kb.settings")

app = Celery("imr_kb")
# Settings prefixed CELERY_ in imr_kb/settings.py configure the app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
