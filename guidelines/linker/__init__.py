"""Pure-Python citation linker: no Django import (the guidelines app imports it, never the reverse).

from guidelines.linker import Linker, default_linker, extract_quotes
result = default_linker().link(kind="MTUS", document="Low Back Complaints", year=2004,
                               sections=["Special Studies"])
"""

from functools import lru_cache

from .catalog import CatalogError, load_alias_tables, load_catalog_file, parse_catalog, section_anchor  # noqa: F401
from .normalize import norm, slugify  # noqa: F401
from .quotes import extract_quotes  # noqa: F401
from .resolve import Linker, LinkResult, resolution_key  # noqa: F401


@lru_cache(maxsize=1)
def default_linker() -> Linker:
    """A linker over the catalog and alias files shipped in guidelines/data."""
    return Linker(load_catalog_file(), load_alias_tables())
