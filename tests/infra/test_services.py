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


def _listening(port: int) -> set[str]:
    """The local addresses of the sockets listening on this TCP port (/proc/net/tcp and tcp6)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state = fields[1], fields[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if len(address) == 8:  # IPv4, little-endian hex
                    addresses.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    addresses.add(address)
    return addresses


def test_servers_listen_on_loopback_only(redis_url, postgres_url):
    """Each server accepts connections on 127.0.0.1, and every socket it listens on is bound to
    127.0.0.1 (none to 0.0.0.0, ::, or another interface)."""
    for url in (redis_url, postgres_url):
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        assert _listening(port) == {"127.0.0.1"}, f"{url}: listening on {_listening(port)}"
