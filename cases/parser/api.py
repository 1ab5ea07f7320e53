"""Entry points of the parser: parse_text, parse_file, extract_text.

parse_text normalises the text, picks the layout (layouts.choose) and reads the letter with its
declarations (read.read_letter).
"""

from __future__ import annotations

from pathlib import Path

from . import layouts
from .layouts import LetterText
from .pdf import ExtractionError, extract_bytes, extract_text
from .read import read_letter
from .result import ParsedLetter

__all__ = ["ExtractionError", "extract_bytes", "extract_text", "parse_file", "parse_text"]


def parse_text(text: str, source_name: str = "") -> ParsedLetter:
    """Parse the text of one IMR letter. Never raises on bad input: problems go to `errors`."""
    letter = ParsedLetter()
    prefix = f"{source_name}: " if source_name else ""
    try:
        _parse(text, letter)
    except Exception as exc:  # noqa: BLE001 (a parser bug must not take a batch down; report it plainly)
        letter.errors.append(f"internal parser error: {type(exc).__name__}: {exc}")
    if prefix:
        letter.errors = [prefix + e for e in letter.errors]
        letter.warnings = [prefix + w for w in letter.warnings]
    return letter


def _parse(raw: str, letter: ParsedLetter) -> None:
    if not isinstance(raw, str):
        letter.errors.append(f"expected text, got {type(raw).__name__}")
        return
    text = LetterText.of(raw)
    letter.text = "\n".join(text.lines)
    if not text.lines:
        letter.errors.append("empty text: nothing to parse")
        return
    if text.text[:2000].count("\ufffd") > 20:
        letter.errors.append("text looks like binary data (many undecodable characters)")
        return
    if not layouts.is_letter(text):
        letter.errors.append("not an IMR determination letter (no IMR headings or guideline/rationale labels found)")
        return
    read_letter(layouts.choose(text), text, letter)


def parse_file(path: str | Path) -> ParsedLetter:
    """Extract and parse one file; extraction problems come back as errors, never exceptions."""
    name = str(path)
    try:
        text = extract_text(path)
    except ExtractionError as exc:
        letter = ParsedLetter()
        letter.errors.append(str(exc))
        return letter
    except Exception as exc:  # noqa: BLE001 (unexpected library failure on a hostile file)
        letter = ParsedLetter()
        letter.errors.append(f"{name}: could not extract text ({type(exc).__name__}: {exc})")
        return letter
    return parse_text(text, source_name=Path(path).name)
