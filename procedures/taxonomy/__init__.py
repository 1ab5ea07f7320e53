"""Procedure taxonomy for IMR disputed items: pure Python, no Django import.

The taxonomy itself is data (procedures/data/: procedures.yaml, the drug lexicon drugs.yaml, the
section map sections.yaml and the DWC's request categories); this package loads it and offers
    classify(request, cited=..., rules=...) -> Classification(procedure, category, dwc,
        body_region, laterality, confidence, signal, evidence, signals)
    expand_query(text) -> Expansion(phrases, procedures, ...)
    taxonomy_version() -> SHA-256 of the data files (stored on classified items)
"""

from .classify import Rules, classify  # noqa: F401
from .expand import expand_query  # noqa: F401
from .loader import DEFAULT_PATH, default_taxonomy, load_taxonomy, taxonomy_version  # noqa: F401
from .model import SIGNALS, Classification, Expansion, Signal, Taxonomy  # noqa: F401
from .sections import Cited  # noqa: F401
