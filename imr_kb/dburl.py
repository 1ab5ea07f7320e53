"""Turn a DATABASE_URL into a Django DATABASES entry (sqlite:///path, postgres://...).

Kept tiny and local rather than adding a dependency for two URL schemes.
"""
from urllib.parse import parse_qs, unquote, urlparse


def parse_database_url(url: str) -> dict:
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs/path.db -> "/abs/path.db"
        path = url[len("sqlite://"):]
        if path.startswith("/"):
            path = path[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(path) or ":memory:"}
    if scheme in ("postgres", "postgresql", "pgsql"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:/// or postgres://)")
