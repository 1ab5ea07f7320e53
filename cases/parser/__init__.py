"""Pure-Python IMR letter parser: text or PDF in, a typed ParsedLetter out.

No Django import anywhere in this package: the Django apps import it, never the reverse.
Public API:
    parse_text(text, source_name="") -> ParsedLetter
    parse_file(path) -> ParsedLetter          (PDF or text; extraction errors become result errors)
    extract_text(path) -> str                 (PDF text extraction, raises ExtractionError)
"""
from .result import Citation, Item, ParsedLetter, Patient, Reviewer  # noqa: F401
from .api import ExtractionError, extract_text, parse_file, parse_text  # noqa: F401
