"""Settings for the IMR knowledge base. Everything deployment-specific comes from the environment.

The production environment (what `check --deploy` is clean with) is documented in README
"Deploy" and deploy/production.env.example.
"""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from imr_kb.dburl import parse_database_url

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
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Security (prod) ----------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
# The key used when DJANGO_SECRET_KEY is unset: fine for tests and management commands, refused
# by every WSGI server when DEBUG is off (imr_kb/wsgi.py) and an error in `check --deploy`
# (imr_kb/checks.py). The "django-insecure-" prefix also makes Django's own W009 fire.
DEVELOPMENT_SECRET_KEY = "django-insecure-local-development-key-set-DJANGO_SECRET_KEY-for-deployments"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Behind an HTTPS proxy: the origins forms are posted from (https://kb.example.org), or the admin
# login fails CSRF's origin check.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# "HTTP_X_FORWARDED_PROTO,https": the header the proxy sets and its value for HTTPS requests.
_proxy_ssl_header = env_list("DJANGO_SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ValueError("DJANGO_SECURE_PROXY_SSL_HEADER: expected HEADER,VALUE (e.g. HTTP_X_FORWARDED_PROTO,https)")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
# DJANGO_HTTPS=1 (the site is served over HTTPS) turns on everything below; each is overridable.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
# Health checks come over plain HTTP from inside the deployment (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The header's "preload" token only permits submitting the domain to the browsers' list.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp). Templates load CSS from static/css and have no inline
# styles or scripts, so everything is 'self'; the API docs views widen it for themselves only
# (imr_kb/api_docs.py). DJANGO_CSP: "enforce" (default), "report-only" or "off".
CSP_MODE = os.environ.get("DJANGO_CSP", "enforce").strip().lower() or "enforce"
if CSP_MODE not in ("enforce", "report-only", "off"):
    raise ValueError(f"DJANGO_CSP={CSP_MODE!r}: expected enforce, report-only or off")
_csp = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if os.environ.get("DJANGO_CSP_REPORT_URI", "").strip():
    _csp["DIRECTIVES"]["report-uri"] = [os.environ["DJANGO_CSP_REPORT_URI"].strip()]
if CSP_MODE == "enforce":
    CONTENT_SECURITY_POLICY = _csp
elif CSP_MODE == "report-only":
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp

# Admin login throttling (django-axes): a username+address pair is locked out after
# DJANGO_LOGIN_FAILURE_LIMIT failures for DJANGO_LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies the client address is in X-Forwarded-For (the proxies set it).
if env_int("DJANGO_PROXY_COUNT", 0):
    AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# The sign-in form (django-allauth) takes a username or an e-mail address; axes counts failures
# under whichever was typed (accounts.throttle).
AXES_USERNAME_CALLABLE = "accounts.throttle.login_name"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# --- end Security (prod) ------------------------------------------------------------------------

INSTALLED_APPS = [
    # WhiteNoise serves static files under runserver too (same files and headers as production).
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "allauth",
    "allauth.account",
    "imr_kb",
    # The project's apps, lowest first: an app imports only those below it (docs/architecture.md).
    "cases",
    "procedures",
    "guidelines",
    "search",
    "analytics",
    "precedents",
    "exports",
    "alerts",
    "accounts",
    "web",
    "pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
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
                "accounts.context_processors.accounts",
            ],
        },
    },
]

# --- Database (prod) ----------------------------------------------------------------------------
# DATABASE_URL (README "PostgreSQL"); DATABASE_CONN_MAX_AGE keeps connections open across
# requests (seconds; 0 closes each after its request), checked before reuse.
DATABASES = {
    "default": parse_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'imr_kb.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# --- end Database (prod) ------------------------------------------------------------------------
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- SQLite under concurrency (ingest issue) ----------------------------------------------------
# A Celery worker has several processes and two `ingest` runs may overlap. WAL lets readers go on
# while one writer writes; IMMEDIATE takes the write lock when a transaction begins (so two
# writers queue up at BEGIN instead of failing at their first write); the busy timeout is how
# long one waits for the lock before "database is locked", which ingest retries.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "30")),
        }
    )

# --- Letter files (ingest issue) ---------------------------------------------------------------
# The original of every letter (PDF or text), in Django's default storage, named by SHA-256 (see
# cases.models.original_name). Never served as static media: a view streams it.
MEDIA_ROOT = Path(os.environ.get("IMR_MEDIA_DIR", VAR_DIR / "media"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = False
USE_TZ = True

# --- Static files (prod) ------------------------------------------------------------------------
# Our own CSS, the admin's and the API docs' assets (drf-spectacular-sidecar): served locally by
# WhiteNoise from STATIC_ROOT (`collectstatic`, run by scripts/serve.sh), nothing from a CDN.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
except OSError:
    pass  # a read-only image collected its files at build time
# Compressed (gzip) copies, no manifest: pages render before `collectstatic` has run (tests,
# management commands), at the price of short cache lifetimes instead of hashed names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = env_int("DJANGO_STATIC_MAX_AGE", 3600)
# --- end Static files (prod) --------------------------------------------------------------------

# --- Search -----------------------------------------------------------------------------------
# The engines by name, each the dotted path of its class (search.backends); SEARCH_BACKEND names
# the one in use: "embedded" (tantivy, an index directory on disk) or "elasticsearch".
SEARCH_BACKENDS = {
    "embedded": "search.backends.embedded.EmbeddedBackend",
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchBackend",
}
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
# The periodic index-queue sweep (CELERY_BEAT_SCHEDULE, "Celery beat" below) also applies the
# guideline sections' summaries, which one-letter ingests leave to it rather than re-index a
# section per letter.

# --- Data -------------------------------------------------------------------------------------
# The real letters beside the checkout (see README): used by the demo setup and the tests.
SHARED_DATA_DIR = Path(os.environ.get("IMR_SHARED_DATA", BASE_DIR.parent / "shared" / "data"))

# --- API (prod) ---------------------------------------------------------------------------------
# Reads are public; writes need a token (`Authorization: Token <key>`, tokens managed in the
# admin) or an admin session. Token authentication comes first so an anonymous write gets 401
# with a WWW-Authenticate header, not 403.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "imr_kb.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IMR Knowledge Base API",
    "DESCRIPTION": "California workers' compensation IMR determinations, guideline sections and search.",
    "VERSION": "0.1.0",
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# --- end API (prod) -----------------------------------------------------------------------------

# Errors (500s, engine failures) go to the console with their traceback, DEBUG or not.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Accounts: sign-in, sign-up, e-mail and roles (docs/accounts.md) ----------------------------
# django-allauth's flows under /accounts/: sign-in (by username or e-mail, throttled by
# django-axes like the admin's), sign-up by invitation (accounts.invitations) or open
# (IMR_OPEN_SIGNUP=1), e-mail verification, password reset; the profile at /accounts/profile/.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/alerts/"
LOGOUT_REDIRECT_URL = "/"
# Anyone may create an account (as a reader); off: only by an invitation a staff member sends.
ACCOUNTS_OPEN_SIGNUP = env_bool("IMR_OPEN_SIGNUP", False)
# An invitation link is good for this many days.
ACCOUNTS_INVITATION_DAYS = env_int("IMR_INVITATION_DAYS", 14)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# A new account signs in once its address is verified (the link mailed at sign-up; an accepted
# invitation is the verification). A change of address takes effect when the new one is verified,
# so alerts only ever go to an address its owner confirmed (or an administrator entered).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IMR KB] "
# A reset asked for an address with no account: the same answer on the page, and no e-mail to a
# stranger's address.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed sign-ins are django-axes' to count (one lockout rule for the admin and the site); the
# other limits (sign-ups, reset mails per address) are allauth's, kept in the cache.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Printed to the console unless a mail server is configured: EMAIL_HOST set means SMTP.
# EMAIL_BACKEND overrides both (the browser test uses the file-based backend, EMAIL_FILE_PATH).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
if os.environ.get("EMAIL_FILE_PATH", "").strip():
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"].strip()
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "IMR Knowledge Base <alerts@localhost>"
# The site's public address: e-mails carry absolute links (letters, the search, unsubscribe).
SITE_URL = os.environ.get("IMR_SITE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
# An alert's window ends this many seconds before the run, so a letter whose ingest transaction
# is still open (its created_at is stamped before it commits) is not passed over.
ALERTS_SETTLE_SECONDS = env_int("IMR_ALERTS_SETTLE_SECONDS", 120)
# A delivery left "sending" this long belonged to a run that died: the window is claimed again.
ALERTS_CLAIM_TIMEOUT_SECONDS = env_int("IMR_ALERTS_CLAIM_TIMEOUT_SECONDS", 1800)
# Decisions listed in one e-mail (the count in the subject is all of them).
ALERTS_MAX_DECISIONS = env_int("IMR_ALERTS_MAX_DECISIONS", 500)

# --- Celery beat (prod) -------------------------------------------------------------------------
# The index queue is applied by a task sent after each commit; if that message is lost (broker
# restart, worker killed), the rows wait. Beat applies whatever is still queued every few minutes.
CELERY_BEAT_SCHEDULE = {
    "apply-index-queue": {
        "task": "search.tasks.apply_index_queue",
        "schedule": float(env_int("IMR_INDEX_QUEUE_SWEEP_SECONDS", 300)),
    },
    # Saved-search alerts (alerts.send): hourly by default.
    "send-alerts": {
        "task": "alerts.tasks.send_alerts",
        "schedule": float(env_int("IMR_ALERTS_EVERY_SECONDS", 3600)),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# --- end Celery beat (prod) ---------------------------------------------------------------------
