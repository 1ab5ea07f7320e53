"""Procedure taxonomy for IMR disputed items: pure Python, no Django import.

The taxonomy itself is data (procedures/data/procedures.yaml); this package loads it and offers
    classify(request_text) -> Classification(procedure, category, body_region, laterality)
    expand_query(text) -> Expansion(phrases, procedures)
    taxonomy_version() -> SHA-256 of the data file (stored on classified items)
"""

from .classify import classify  # noqa: F401
from .expand import expand_query  # noqa: F401
from .loader import DEFAULT_PATH, default_taxonomy, load_taxonomy, taxonomy_version  # noqa: F401
from .model import Classification, Expansion, Taxonomy  # noqa: F401
