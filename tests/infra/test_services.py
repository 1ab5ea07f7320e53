"""The service fixtures start real servers that answer."""

import socket

import pytest

from tests.support.services import create_postgres_database

pytestmark = pytest.mark.services


def test_redis_answers(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    assert client.ping() is True
    client.set("imr-kb:probe", "ok")
    assert client.get("imr-kb:probe") == b"ok"
    assert client.config_get("save") == {"save": ""}


def test_postgres_answers_and_creates_databases(postgres_url):
    import psycopg

    url = create_postgres_database(postgres_url)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
    assert int(version) >= 150000
    assert listen == "127.0.0.1"


def test_servers_listen_on_loopback_only(redis_url, postgres_url):
    for url in (redis_url, postgres_url):
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
