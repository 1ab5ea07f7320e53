"""File -> text. PDFs through pypdfium2 (chosen by bench/pdf_extract.py), text files decoded.

    extract_bytes(data, name, suffix)   the bytes of a letter file -> its text (what ingest calls)
    extract_text(path)                  the same from a path (reads at most MAX_BYTES)

Every failure is an ExtractionError naming the file and the problem. The size limit and the PDF
and file-type checks live here only: ingest reads the bytes and calls extract_bytes.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

# Real letters are 50-400 KB; anything past this is not a letter, and reading it whole could
# exhaust a worker's memory.
MAX_BYTES = 20 * 1024 * 1024
# A PDF whose extracted text is shorter than this has no usable text layer (scanned image).
MIN_TEXT_CHARS = 20


class ExtractionError(Exception):
    """A file could not be turned into text (not a PDF, encrypted, truncated, ...)."""


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ExtractionError(f"{path}: file not found") from None
    except OSError as exc:
        raise ExtractionError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if path.is_dir():
        raise ExtractionError(f"{path}: is a directory, not a file")
    if size == 0:
        raise ExtractionError(f"{path}: empty file")
    if size > MAX_BYTES:
        raise ExtractionError(f"{path}: file too large ({size} bytes; limit {MAX_BYTES})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path}: cannot read file ({exc.strerror or exc})") from None


def is_pdf(data: bytes) -> bool:
    # The PDF spec allows up to 1024 bytes of junk before the header.
    return b"%PDF-" in data[:1024]


# File signatures worth naming when a file is not a letter at all.
MAGIC_NAMES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old-format Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
)


def describe_magic(data: bytes) -> str | None:
    start = data[:64].lstrip().lower()
    for magic, label in MAGIC_NAMES:
        if start.startswith(magic.lower()):
            return label
    return None


def pdf_to_text(data: bytes, name: str) -> str:
    if b"%%EOF" not in data[-2048:]:
        raise ExtractionError(f"{name}: truncated or corrupt PDF (no end-of-file marker)")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ExtractionError(f"{name}: encrypted PDF (password required)") from None
        raise ExtractionError(f"{name}: truncated or corrupt PDF ({message})") from None
    try:
        pages = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            try:
                pages.append(textpage.get_text_range())
            finally:
                textpage.close()
                page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"{name}: corrupt PDF page ({exc})") from None
    finally:
        doc.close()
    # pdfium ends lines with CRLF and marks a hyphen that ends a line as U+FFFE glued to the
    # next line; give the stored raw text plain newlines and a visible hyphen instead.
    text = "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n")
    if len("".join(text.split())) < MIN_TEXT_CHARS:
        raise ExtractionError(f"{name}: PDF has no text layer (scanned image?); OCR is not supported")
    return text


def bytes_to_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8 (BOM allowed), else Windows-1252, else latin-1; UTF-16 with a
    BOM is accepted; binary data is rejected."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ExtractionError(f"{name}: invalid UTF-16 text") from None
    if b"\x00" in data[:65536]:
        raise ExtractionError(f"{name}: binary file (contains NUL bytes); expected a PDF or a text file")
    sample = data[:65536]
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if control > max(8, len(sample) // 100):
        raise ExtractionError(f"{name}: binary file (too many control characters); expected a PDF or a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Word-exported letters: curly quotes and dashes in 0x80-0x9f
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        # latin-1 decodes anything; C1 control characters mean it was not really text
        c1 = sum(1 for ch in text[:65536] if 0x80 <= ord(ch) < 0xA0)
        if c1 > max(8, len(sample) // 50):
            raise ExtractionError(f"{name}: not a PDF and not readable text (unknown encoding or binary)") from None
    if not text.strip():
        raise ExtractionError(f"{name}: file contains only whitespace")
    return text


def extract_bytes(data: bytes, name: str, suffix: str = "") -> str:
    """The text of a letter file's bytes. suffix (".pdf", ".txt") only sharpens the message when a
    file is not what its name says."""
    if not data:
        raise ExtractionError(f"{name}: empty file")
    if is_pdf(data):
        return pdf_to_text(data, name)
    magic = describe_magic(data)
    if suffix.lower() == ".pdf":
        raise ExtractionError(
            f"{name}: not a PDF (the file is {magic})" if magic else f"{name}: not a PDF (no %PDF- header)"
        )
    if magic:
        raise ExtractionError(f"{name}: not a letter: the file is {magic}")
    return bytes_to_text(data, name)


def extract_text(path: str | Path) -> str:
    path = Path(path)
    return extract_bytes(read_bytes(path), str(path), path.suffix)
