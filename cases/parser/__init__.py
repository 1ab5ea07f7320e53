"""Pure-Python IMR letter parser: text or PDF in, a typed ParsedLetter out.

No Django import anywhere in this package: the Django apps import it, never the reverse.
Public API:
    parse_text(text, source_name="") -> ParsedLetter   (never raises; problems go to .errors)
    parse_file(path) -> ParsedLetter          (PDF or text; extraction errors become result errors)
    extract_text(path) -> str                 (PDF via pypdfium2, or decoded text; raises ExtractionError)
    extract_bytes(data, name, suffix) -> str  (the same from a file's bytes, as ingest reads them)

Modules, in the order a letter goes through them:
    pdf.py        file -> text (magic bytes, size limit, encryption, truncation, text layer)
    clean.py      newlines, control characters, page residue, line joining, paragraphs
    hyphens.py    line-wrap hyphen repair ("Electro-"/"diagnostic" vs "non-"/"certified")
    layouts/      one module per letter layout (dwc2016.py, dwc2013.py): its detection score and
                  where each field lives; the registry picks the highest-scoring layout
    read.py       the reading steps below, run with the chosen layout's declarations
    header.py     case number, dates, priority from the layout's header labels (row or column order)
    dates.py      11/18/2016, 11-18-16 -> date
    reviewer.py   licensure and specialty lists in the layout's credential styles (labelled, sentence)
    summary.py    clinical summary, patient age and sex
    items.py      "<request>: Upheld|Overturned" blocks, partly authorised requests, rationale
    citations.py  guideline paragraphs -> MTUS / NON_MTUS / NONE citations, sections, pages
    api.py        the entry points: normalise, choose the layout, read
Adding a letter layout: docs/letter-layouts.md.
Data files (alias and title tables) live in data/, see data/README.md.
"""

from .api import ExtractionError, extract_bytes, extract_text, parse_file, parse_text  # noqa: F401
from .result import Citation, Item, ParsedLetter, Patient, Reviewer  # noqa: F401
