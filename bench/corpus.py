"""The corpus the search benchmarks share: the 150 real letters ingested into a throwaway SQLite
database (guideline catalog loaded), and synthetic letters recombined from their decisions."""
from __future__ import annotations

import os
import random
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
    from cases.ingest import ingest_paths
    from search.documents import determination_documents

    ingest_paths([letters])
    return list(determination_documents())


def synthesize(base: list[dict], n: int, seed: int = 7):
    """n letters recombined from the real ones (decisions, summaries, reviewers, dates)."""
    rng = random.Random(seed)
    decisions = [d for letter in base for d in letter["decisions"]]
    shells = [letter["decisions"][0] for letter in base]
    dated = [s for s in shells if s["decision_date"]]
    letter_keys = ("case_number", "decision_date", "decision_year", "decision_month", "ingested_at", "date_assigned",
                   "days_to_decision", "priority",
                   "specialty", "licensure", "patient_age", "patient_sex", "summary")
    next_id = 1
    for i in range(n):
        shell = rng.choice(shells)
        when = date.fromisoformat(rng.choice(dated)["decision_date"]) + timedelta(days=rng.randint(-730, 730))
        letter = {k: shell[k] for k in letter_keys}
        letter.update(case_number=f"CM{when.year % 100:02d}-{i + 1:07d}", decision_date=when.isoformat(),
                      decision_year=str(when.year), decision_month=when.strftime("%Y-%m"), letter_id=i + 1)
        chosen = rng.sample(decisions, rng.choice((1, 1, 2, 2, 3, 4)))
        out = []
        for k, d in enumerate(chosen):
            out.append({**d, **letter, "id": next_id, "order": k, "first": k == 0, "n_decisions": len(chosen)})
            next_id += 1
        yield {"id": i + 1, "decisions": out}
