"""WSGI entry point (gunicorn: scripts/serve.sh). Refuses to serve on an insecure secret key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imr_kb.settings")
application = get_wsgi_application()

from imr_kb.checks import refuse_insecure_secret_key  # noqa: E402  (needs the apps loaded)

refuse_insecure_secret_key()
