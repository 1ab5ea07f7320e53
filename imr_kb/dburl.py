"""DATABASE_URL -> a Django DATABASES entry: dj-database-url, held to the forms the README documents.

    sqlite:///relative/path.db      -> relative to the working directory
    sqlite:////absolute/path.db     -> /absolute/path.db
    sqlite:// or sqlite:///:memory: -> in-memory database
    postgres://user:pass@host:5432/dbname?sslmode=require   (query parameters: connection options)
    postgres://user@%2Frun%2Fpostgresql/dbname   (percent-encoded unix socket directory)
    postgres:///dbname?host=/run/postgresql&port=5433   (libpq-style host and port parameters)

dj-database-url parses; this adds what it leaves out: only SQLite and PostgreSQL (the backends
the project is tested on), libpq's host/port query parameters, a socket directory's case, a
missing database name and a bad port as clear errors that never show the password.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import dj_database_url

SCHEMES = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres", "pgsql": "postgres"}


def parse_database_url(url: str, conn_max_age: int = 0) -> dict:
    if not url or not url.strip():
        raise ValueError("DATABASE_URL is empty (use sqlite:///path or postgres://user@host/db)")
    url = url.strip()
    parts = urlsplit(url)
    kind = SCHEMES.get(parts.scheme.lower())
    if kind is None:
        raise ValueError(
            f"DATABASE_URL: unsupported scheme {parts.scheme.lower()!r} in {_redacted(url)!r} "
            "(use sqlite:///path or postgres://user:password@host:port/dbname)"
        )
    # dj-database-url looks schemes up as written; urlsplit lower-cases them.
    url = parts._replace(scheme=parts.scheme.lower()).geturl() if parts.scheme != parts.scheme.lower() else url
    if kind == "sqlite":
        config = dj_database_url.parse(url)
        return {"ENGINE": config["ENGINE"], "NAME": config.get("NAME") or ":memory:"}
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0)
    except ValueError as exc:
        raise ValueError(f"DATABASE_URL: bad port in {_redacted(url)!r}") from exc
    if not config.get("NAME"):
        raise ValueError(f"DATABASE_URL: no database name in {_redacted(url)!r}")
    # Options as written (dj-database-url turns "5" into 5 and "true" into True).
    options = {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in config.pop("OPTIONS", {}).items()
    }
    # libpq's host/port parameters (a socket directory has no place in the netloc otherwise).
    query_host, query_port = options.pop("host", ""), options.pop("port", "")
    # dj-database-url lower-cases the host; a socket directory keeps its case.
    netloc_host = parts.netloc.rpartition("@")[2]
    host = unquote(netloc_host) if "%" in netloc_host else config.get("HOST", "")
    config.update(HOST=host or query_host, PORT=str(config.get("PORT") or query_port or ""), OPTIONS=options)
    return config


def _redacted(url: str) -> str:
    """The URL with its password replaced, for error messages."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    return url.replace(f":{password}@", ":***@", 1) if password else url
