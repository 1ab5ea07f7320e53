"""Entry points of the parser. Placeholder bodies are replaced by the parser implementation."""
from __future__ import annotations

from pathlib import Path

from .result import ParsedLetter


class ExtractionError(Exception):
    """A file could not be turned into text (not a PDF, encrypted, truncated, ...)."""


def extract_text(path: str | Path) -> str:
    raise NotImplementedError


def parse_text(text: str, source_name: str = "") -> ParsedLetter:
    raise NotImplementedError


def parse_file(path: str | Path) -> ParsedLetter:
    raise NotImplementedError
