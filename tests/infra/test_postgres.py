"""The product on a real PostgreSQL: migrate and ingest real letters through manage.py in a
subprocess (DATABASE_URL=postgres://...), then check what was stored straight from the database."""

import pytest

from tests.support import FIXTURE_LETTERS
from tests.support.processes import manage, project_env, run_python
from tests.support.services import create_postgres_database

pytestmark = pytest.mark.services

LETTERS = sorted(FIXTURE_LETTERS.glob("*.txt"))


def _counts(database_url: str) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:

        def one(sql):
            return conn.execute(sql).fetchone()[0]

        return {
            "determinations": one("SELECT count(*) FROM cases_determination"),
            "with_case_number": one("SELECT count(*) FROM cases_determination WHERE case_number IS NOT NULL"),
            "failed": one("SELECT count(*) FROM cases_determination WHERE parse_status = 'failed'"),
            "items": one("SELECT count(*) FROM cases_disputeditem"),
            "citations": one("SELECT count(*) FROM cases_guidelinecitation"),
        }


@pytest.fixture
def postgres_env(postgres_url, tmp_path):
    database_url = create_postgres_database(postgres_url)
    env = project_env(tmp_path, database_url=database_url)
    manage(env, "migrate", "--noinput")
    return env, database_url


def test_migrations_apply_on_postgres(postgres_env):
    env, database_url = postgres_env
    import psycopg

    with psycopg.connect(database_url) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"cases_determination", "cases_disputeditem", "cases_guidelinecitation", "django_migrations"} <= tables
    # Nothing left unmigrated: a model change without its migration would show up here.
    manage(env, "makemigrations", "--check", "--dry-run")


def test_ingest_real_letters_into_postgres(postgres_env):
    env, database_url = postgres_env
    assert len(LETTERS) >= 3, f"expected the text fixtures in {FIXTURE_LETTERS}"

    first = manage(env, "ingest", *map(str, LETTERS))
    counts = _counts(database_url)
    assert counts["determinations"] == len(LETTERS), first.stdout
    # The seed letter (older layout) carries no case number; the 2016-17 letters do. Several NULL
    # case numbers must not collide on PostgreSQL's unique index.
    assert counts["with_case_number"] == len(LETTERS) - 1, first.stdout
    assert counts["failed"] == 0, first.stdout
    assert counts["items"] >= len(LETTERS), counts
    assert counts["citations"] > 0, counts

    # Idempotent on PostgreSQL too: the same files again change nothing.
    second = manage(env, "ingest", *map(str, LETTERS))
    assert _counts(database_url) == counts, second.stdout
    assert "unchanged" in second.stdout


def test_ingested_text_round_trips_through_postgres(postgres_env):
    """The raw letter text is kept verbatim (no encoding or whitespace damage on the way)."""
    env, database_url = postgres_env
    letter = next(p for p in LETTERS if p.name.startswith("CM"))
    manage(env, "ingest", str(letter))
    import psycopg

    with psycopg.connect(database_url) as conn:
        raw_text, sha256 = conn.execute(
            "SELECT raw_text, sha256 FROM cases_determination WHERE case_number = %s", (letter.stem,)
        ).fetchone()
    import hashlib

    assert sha256 == hashlib.sha256(letter.read_bytes()).hexdigest()
    assert raw_text.split() == letter.read_text(encoding="utf-8").split()


def test_whole_demo_and_pages_on_postgres(postgres_env, dwc_pdf_dir):
    """setup_demo (catalog, the 150 DWC PDFs + seed letter, citation links, search index) on
    PostgreSQL, then the main pages through Django's test client, all in a subprocess."""
    env, database_url = postgres_env
    env = {**env, "IMR_SHARED_DATA": str(dwc_pdf_dir.parent.parent)}
    out = manage(env, "setup_demo", "--strict", timeout=900)
    expected = len(list(dwc_pdf_dir.glob("*.pdf"))) + 1
    counts = _counts(database_url)
    assert counts["determinations"] == expected, out.stdout[-3000:]
    assert counts["failed"] == 0

    pages = run_python(
        env,
        (
            "from django.test import Client\n"
            "from django.contrib.auth import get_user_model\n"
            "from cases.models import Determination\n"
            "c = Client()\n"
            "c.force_login(get_user_model().objects.get(username='admin'))\n"
            "det = Determination.objects.exclude(case_number=None).first()\n"
            "urls = ['/', f'/determinations/{det.case_number}/', '/search/?q=MBB', '/search/?q=lumbar+MRI',\n"
            "        '/api/search/?q=MBB', '/api/determinations/', '/admin/', '/admin/cases/determination/',\n"
            "        f'/admin/cases/determination/{det.pk}/change/', '/guidelines/', '/api/guidelines/',\n"
            "        '/search/?q=MBB&target=sections']\n"
            "for url in urls:\n"
            "    print(url, c.get(url).status_code)\n"
        ),
        timeout=300,
    )
    statuses = dict(line.rsplit(" ", 1) for line in pages.stdout.strip().splitlines())
    bad = {url: code for url, code in statuses.items() if code != "200"}
    assert statuses and not bad, f"non-200 pages on PostgreSQL: {bad}\n{pages.stderr[-3000:]}"
