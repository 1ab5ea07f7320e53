"""The corpus the search benchmarks share: the 150 real letters ingested into a throwaway SQLite
database (guideline catalog loaded), and synthetic letters recombined from their decisions."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LETTERS = REPO.parent / "shared" / "data" / "dwc-imr" / "txt"


def setup_django(work: Path) -> None:
    os.environ["IMR_VAR_DIR"] = str(work)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(work / "index")
    os.environ["DJANGO_SETTINGS_MODULE"] = "imr_kb.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


def base_letters(letters: Path) -> list[dict]:
    """Letter documents for the real letters, built through ingest + search.documents."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_guideline_catalog", stdout=open(os.devnull, "w"))
    from pipeline.ingest import ingest_paths
    from search.documents import determination_documents

    ingest_paths([letters])
    return list(determination_documents())


def synthesize(base: list[dict], n: int, seed: int = 7):
    """n letters recombined from the real ones (decisions, summaries, reviewers, dates)."""
    rng = random.Random(seed)
    decisions = [d for letter in base for d in letter["decisions"]]
    shells = [letter["decisions"][0] for letter in base]
    dated = [s for s in shells if s["decision_date"]]
    letter_keys = (
        "case_number",
        "decision_date",
        "decision_year",
        "decision_month",
        "ingested_at",
        "date_assigned",
        "days_to_decision",
        "priority",
        "specialty",
        "licensure",
        "patient_age",
        "patient_sex",
        "summary",
    )
    next_id = 1
    for i in range(n):
        shell = rng.choice(shells)
        when = date.fromisoformat(rng.choice(dated)["decision_date"]) + timedelta(days=rng.randint(-730, 730))
        letter = {k: shell[k] for k in letter_keys}
        letter.update(
            case_number=f"CM{when.year % 100:02d}-{i + 1:07d}",
            decision_date=when.isoformat(),
            decision_year=str(when.year),
            decision_month=when.strftime("%Y-%m"),
            letter_id=i + 1,
        )
        chosen = rng.sample(decisions, rng.choice((1, 1, 2, 2, 3, 4)))
        out = []
        for k, d in enumerate(chosen):
            out.append({**d, **letter, "id": next_id, "order": k, "first": k == 0, "n_decisions": len(chosen)})
            next_id += 1
        yield {"id": i + 1, "decisions": out}


def grow_database(letters: int, seed: int = 11, batch: int = 500) -> int:
    """Add synthetic letters to the database until it holds `letters` parsed letters: each a
    copy of a real one (its fields and raw text) with a new case number and a decision date
    shifted by up to +/- 2 years, holding 1-4 decisions copied from different real letters with
    their citations, citation links (document and sections) and quoted passages. For benchmarks
    that read the database (exports), where synthesize() only makes index documents.
    Returns the number of letters added."""
    from django.db import transaction

    from cases.models import Determination, DisputedItem, GuidelineCitation
    from guidelines.models import CitationLink, QuotedPassage

    real = list(Determination.objects.exclude(parse_status="failed").exclude(source_name__startswith="bench-"))
    have = Determination.objects.exclude(parse_status="failed").count()
    if have >= letters:
        return 0
    items = list(
        DisputedItem.objects.filter(determination__in=real).prefetch_related(
            "quoted_passages", "citations__link__sections"
        )
    )
    dated = [d for d in real if d.decision_date]
    rng = random.Random(seed + have)
    added = 0
    while have + added < letters:
        n = min(batch, letters - have - added)
        with transaction.atomic():
            dets = []
            for _ in range(n):
                shell = rng.choice(real)
                when = rng.choice(dated).decision_date + timedelta(days=rng.randint(-730, 730))
                number = have + added + len(dets) + 1
                det = Determination(
                    **{
                        f.attname: getattr(shell, f.attname)
                        for f in Determination._meta.concrete_fields
                        if f.attname not in ("id", "created_at", "updated_at")
                    }
                )
                det.case_number = f"CM{when.year % 100:02d}-9{number:07d}"
                det.sha256 = f"bench-{seed}-{number:058d}"
                det.source_name = f"bench-{number}.txt"
                det.decision_date = when
                if shell.date_assigned and shell.decision_date:
                    det.date_assigned = when - (shell.decision_date - shell.date_assigned)
                dets.append(det)
            Determination.objects.bulk_create(dets)
            chosen = [(det, rng.sample(items, rng.choice((1, 1, 2, 2, 3, 4)))) for det in dets]
            rows = [
                DisputedItem(
                    **{
                        f.attname: getattr(src, f.attname)
                        for f in DisputedItem._meta.concrete_fields
                        if f.attname not in ("id", "determination_id", "order")
                    },
                    determination=det,
                    order=k,
                )
                for det, sources in chosen
                for k, src in enumerate(sources)
            ]
            DisputedItem.objects.bulk_create(rows)
            sources = [src for _, picked in chosen for src in picked]
            citations, passages, origin = [], [], []
            for row, src in zip(rows, sources):
                for c in src.citations.all():
                    citations.append(
                        GuidelineCitation(
                            **{
                                f.attname: getattr(c, f.attname)
                                for f in GuidelineCitation._meta.concrete_fields
                                if f.attname not in ("id", "item_id")
                            },
                            item=row,
                        )
                    )
                    origin.append(c)
                for q in src.quoted_passages.all():
                    passages.append(
                        QuotedPassage(
                            item=row, document_id=q.document_id, section_id=q.section_id, text=q.text, order=q.order
                        )
                    )
            GuidelineCitation.objects.bulk_create(citations)
            QuotedPassage.objects.bulk_create(passages)
            links, link_sections = [], []
            for new, old in zip(citations, origin):
                link = getattr(old, "link", None)
                if link is not None:
                    links.append(
                        CitationLink(
                            citation=new,
                            document_id=link.document_id,
                            method=link.method,
                            confidence=link.confidence,
                            needs_review=link.needs_review,
                        )
                    )
                    link_sections.append([s.pk for s in link.sections.all()])
            CitationLink.objects.bulk_create(links)
            through = CitationLink.sections.through
            through.objects.bulk_create(
                [
                    through(citationlink_id=link.pk, guidelinesection_id=s)
                    for link, ids in zip(links, link_sections)
                    for s in ids
                ]
            )
        added += n
    return added


def percentiles(times: list[float]) -> tuple[float, float]:
    """(p50, p95) of the timings."""
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]


def indexed_corpora(work: Path, base: list[dict], sizes: list[int], backends: list[str]):
    """For each size, each backend in turn holds a synthesized corpus of that many letters:
    yields (backend name, size, backend, seconds it took to index). osmem-server stands in for
    Elasticsearch (started here when asked for); each index is dropped after its turn."""
    from django.conf import settings

    from search.backends import get_backend, reset_backend

    server = None
    if "elasticsearch" in backends:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        settings.ELASTICSEARCH_URL = server.url
    try:
        for size in sizes:
            for name in backends:
                settings.SEARCH_BACKEND = name
                settings.SEARCH_INDEX_DIR = work / f"index-{name}-{size}"
                settings.ELASTICSEARCH_INDEX_PREFIX = f"bench{size}"
                reset_backend()
                backend = get_backend()
                started = time.perf_counter()
                backend.rebuild("determination", synthesize(base, size))
                backend.refresh()
                yield name, size, backend, time.perf_counter() - started
                if name == "elasticsearch":
                    backend.drop()
                reset_backend()
                shutil.rmtree(work / f"index-{name}-{size}", ignore_errors=True)
    finally:
        if server:
            server.close()
