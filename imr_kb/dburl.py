"""Turn a DATABASE_URL into a Django DATABASES entry (sqlite:///path, postgres://...).

Kept tiny and local rather than adding a dependency for two URL schemes.

    sqlite:///relative/path.db     -> relative to the working directory
    sqlite:////absolute/path.db    -> /absolute/path.db
    sqlite:// or sqlite:///:memory: -> in-memory database
    postgres://user:pass@host:5432/dbname?sslmode=require
    postgres://user@%2Frun%2Fpostgresql/dbname   (percent-encoded unix socket directory)
    postgres:///dbname?host=/run/postgresql&port=5433
"""
from urllib.parse import parse_qs, unquote, urlparse

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def parse_database_url(url: str) -> dict:
    if not url or not url.strip():
        raise ValueError("DATABASE_URL is empty (use sqlite:///path or postgres://user@host/db)")
    url = url.strip()
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs/path.db -> "/abs/path.db"
        path = url[len("sqlite://"):].split("?", 1)[0]
        if path.startswith("/"):
            path = path[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(path) or ":memory:"}
    if scheme in POSTGRES_SCHEMES:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        # A host or port given as a query parameter (libpq style) is the connection's host/port.
        host = options.pop("host", "")
        port = options.pop("port", "")
        userinfo, _, hostport = parsed.netloc.rpartition("@")
        # parsed.hostname lower-cases and keeps %-escapes; a unix socket directory needs neither.
        netloc_host = hostport
        if hostport.startswith("["):  # IPv6 literal: [::1]:5432
            netloc_host = hostport[1:hostport.index("]")]
        elif ":" in hostport:
            netloc_host = hostport.rsplit(":", 1)[0]
        try:
            netloc_port = parsed.port
        except ValueError as exc:
            raise ValueError(f"DATABASE_URL: bad port in {_redacted(url)!r}") from exc
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ValueError(f"DATABASE_URL: no database name in {_redacted(url)!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": unquote(netloc_host) or host,
            "PORT": str(netloc_port or port or ""),
            "OPTIONS": options,
        }
    raise ValueError(
        f"DATABASE_URL: unsupported scheme {scheme!r} in {_redacted(url)!r} "
        "(use sqlite:///path or postgres://user:password@host:port/dbname)"
    )


def _redacted(url: str) -> str:
    """The URL with its password replaced, for error messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url
