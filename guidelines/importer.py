"""Import a guideline document's official text (PDF, HTML or plain text) into its catalog sections.

    report = import_document(document, "/path/to/mtus-chronic-pain.pdf")

PDF pages come from pypdfium2 (page N of the file is page N unless "Page N" lines say otherwise);
HTML is read with the standard library's html.parser (block elements end lines, <h1>-<h6> are
headings); text files are split on form feeds and "Page N" lines. The split itself is pure
(guidelines.linker.textsplit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
from django.db import transaction
from django.utils import timezone

from guidelines.linker.textsplit import split_sections
from guidelines.models import GuidelineDocument


class ImportFailed(Exception):
    """The file cannot be read as a guideline document; the message names the file and why."""


@dataclass
class ImportReport:
    document: GuidelineDocument
    path: str
    kind: str
    pages: int = 0
    filled: list = field(default_factory=list)  # section labels given text
    missing: list = field(default_factory=list)  # catalog sections with no heading in the file
    unplaced: list = field(default_factory=list)  # (page, line) headings matching no section
    changed_sections: list = field(default_factory=list)  # ids given text (the index must follow)


_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "dt",
    "dd",
    "title",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: set[str] = set()
        self._heading: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag in _HEADINGS:
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in _HEADINGS and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if text:
                self.headings.add(text)
            self._heading = None
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        # Inside a block, runs of whitespace are one space (HTML rendering rules).
        self.parts.append(re.sub(r"\s+", " ", data))


def html_text(markup: str) -> tuple[str, set]:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(lines), parser.headings


def read_pages(path: Path) -> tuple[str, list, set | None]:
    """(kind, [(page, text)], heading hints)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ImportFailed(f"{path}: empty file")
    if b"%PDF-" in data[:1024]:
        try:
            pdf = pdfium.PdfDocument(data)
            pages = []
            for n in range(len(pdf)):
                page = pdf[n]
                textpage = page.get_textpage()
                pages.append((n + 1, textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")))
                textpage.close()
                page.close()
            pdf.close()
        except Exception as exc:  # noqa: BLE001 - any PDF library failure is this file's problem
            raise ImportFailed(f"{path}: cannot read the PDF ({type(exc).__name__}: {exc})") from exc
        if not any(text.strip() for _, text in pages):
            raise ImportFailed(f"{path}: the PDF has no text layer (a scanned image?)")
        return "pdf", pages, None
    if b"\x00" in data[:4096]:
        raise ImportFailed(f"{path}: binary file, not PDF, HTML or text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    head = text[:2048].lower()
    if path.suffix.lower() in (".html", ".htm") or "<html" in head or "<!doctype html" in head:
        body, headings = html_text(text)
        return "html", [(None, body)], headings
    pages = [(None, chunk) for chunk in text.split("\f")]
    return "text", pages, None


def find_document(name: str) -> GuidelineDocument:
    doc = GuidelineDocument.objects.filter(slug=name).first()
    if doc:
        return doc
    matches = list(GuidelineDocument.objects.filter(title__iexact=name.strip()))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ImportFailed(f"{name!r} names several documents; use a slug: " + ", ".join(d.slug for d in matches))
    raise ImportFailed(
        f"no guideline document with slug or title {name!r} (see /guidelines/ or load_guideline_catalog)"
    )


def import_document(document: GuidelineDocument, path, dry_run: bool = False) -> ImportReport:
    path = Path(path)
    kind, pages, hints = read_pages(path)
    sections = list(document.sections.order_by("order"))
    catalog = [
        {"anchor": s.anchor, "number": s.number, "title": s.title, "aliases": list(s.aliases or [])} for s in sections
    ]
    result = split_sections(pages, catalog, heading_hints=hints)
    report = ImportReport(
        document=document, path=str(path), kind=kind, pages=result.pages_seen, unplaced=result.unplaced
    )
    with transaction.atomic():
        for section in sections:
            found = result.sections.get(section.anchor)
            if found is None:
                report.missing.append(section.label)
                continue
            report.filled.append(section.label)
            if dry_run:
                continue
            section.text = found.text
            if found.page_start is not None:
                section.page_start, section.page_end = found.page_start, found.page_end
            section.save(update_fields=["text", "page_start", "page_end"])
        if not dry_run and report.filled:
            document.text_source = path.name
            document.imported_at = timezone.now()
            document.save(update_fields=["text_source", "imported_at"])
            report.changed_sections = [s.pk for s in sections if s.anchor in result.sections]
    return report
