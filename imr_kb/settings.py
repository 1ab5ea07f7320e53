"""Settings for the IMR knowledge base. Everything deployment-specific comes from the environment."""
import os
from pathlib import Path

from .dburl import parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state (SQLite file, embedded search index) lives here unless configured otherwise.
VAR_DIR = Path(os.environ.get("IMR_VAR_DIR", BASE_DIR / "var"))
# A fresh checkout has no var/: SQLite cannot create its file in a missing directory.
try:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError:
    pass  # read-only deployments configure DATABASE_URL and SEARCH_INDEX_DIR elsewhere


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    # A fixed key is only acceptable for local development; production must set one.
    SECRET_KEY = "insecure-local-development-key-set-DJANGO_SECRET_KEY"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "cases",
    "guidelines",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "imr_kb.urls"
WSGI_APPLICATION = "imr_kb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'imr_kb.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- SQLite under concurrency (ingest issue) ----------------------------------------------------
# A Celery worker has several processes and two `ingest` runs may overlap. WAL lets readers go on
# while one writer writes; IMMEDIATE takes the write lock when a transaction begins (so two
# writers queue up at BEGIN instead of failing at their first write); the busy timeout is how
# long one waits for the lock before "database is locked", which ingest retries.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "30")),
    })

# --- Letter files (ingest issue) ---------------------------------------------------------------
# The original of every letter (PDF or text), in Django's default storage, named by SHA-256 (see
# cases.models.original_name). Never served as static media: a view streams it.
MEDIA_ROOT = Path(os.environ.get("IMR_MEDIA_DIR", VAR_DIR / "media"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Our own CSS (and any vendored assets): served locally, nothing loads from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Search -----------------------------------------------------------------------------------
# "embedded" (tantivy, an index directory on disk) or "elasticsearch".
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "embedded")
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", VAR_DIR / "search-index"))
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "imr")

# --- Celery -----------------------------------------------------------------------------------
# With no broker configured, tasks run eagerly in-process so the product works with no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager apply_async still opens a producer; with no URL kombu falls back to amqp://localhost
    # and logs "No hostname was supplied". The in-memory transport (with a host, or kombu
    # logs the same) never touches the network.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# --- Celery redelivery (ingest issue) ---
# A task a worker took but never acknowledged (the worker was killed) goes back to the queue
# after this many seconds (Redis' default is an hour). Longer than any one task: an ingest chunk
# takes seconds.
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# `celery beat`: apply whatever the index queue still holds (rows a dead worker left, and the
# guideline sections' summaries, which one-letter ingests leave to this instead of re-indexing a
# section per letter).
CELERY_BEAT_SCHEDULE = {
    "index-queue-catch-up": {"task": "search.tasks.apply_index_queue",
                             "schedule": float(os.environ.get("INDEX_CATCH_UP_SECONDS", "300"))},
}

# --- Data -------------------------------------------------------------------------------------
# The real letters beside the checkout (see README): used by the demo setup and the tests.
SHARED_DATA_DIR = Path(os.environ.get("IMR_SHARED_DATA", BASE_DIR.parent / "shared" / "data"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IMR Knowledge Base API",
    "DESCRIPTION": "California workers' compensation IMR determinations, guideline sections and search.",
    "VERSION": "0.1.0",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
