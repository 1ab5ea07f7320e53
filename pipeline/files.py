"""Finding and reading letter files: folders expanded, every problem a reported line.

    found = expand_paths(["/data/letters/", "one.pdf"])   # found.files, found.problems
    letter = read_letter(path)                           # bytes (bounded), sha256, size

No Django here: ingest's worker processes and the Celery tasks use it as they are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from cases.parser.pdf import MAX_BYTES

# Folders are expanded to these; a file named explicitly is ingested whatever its suffix.
LETTER_SUFFIXES = (".pdf", ".txt")


@dataclass
class PathProblem:
    """A path that cannot be ingested, with why (a missing path, a broken or looping symlink,
    an unreadable folder). Files that exist but cannot be read are found by read_letter."""

    path: Path
    message: str
    is_letter: bool = False  # a letter's name (a broken symlink x.pdf): kept as a failed record


@dataclass
class FoundFiles:
    files: list[Path] = field(default_factory=list)
    problems: list[PathProblem] = field(default_factory=list)


def _symlink_problem(path: Path) -> str | None:
    """Why a symlink cannot be followed, or None when it can."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return f"broken symlink (its target {os.readlink(path)} does not exist)"
    except OSError as exc:  # ELOOP: a -> b -> a
        return f"symlink loop ({exc.strerror or exc})"
    return None


def _walk(folder: Path, found: FoundFiles, seen_dirs: set) -> None:
    try:
        st = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.problems.append(PathProblem(folder, f"cannot read folder: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen_dirs:
        found.problems.append(PathProblem(folder, "symlink loop (the folder is already being read)"))
        return
    seen_dirs.add(key)
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            problem = _symlink_problem(path)
            if problem is not None:
                if path.suffix.lower() in LETTER_SUFFIXES:
                    found.problems.append(PathProblem(path, problem, is_letter=True))
                continue
        if entry.is_dir():
            _walk(path, found, seen_dirs)
        elif path.suffix.lower() in LETTER_SUFFIXES:
            found.files.append(path)


def expand_paths(paths: Iterable[str | Path]) -> FoundFiles:
    """Files to ingest (folders searched recursively for *.pdf and *.txt, in name order; a file
    named explicitly kept whatever its suffix; each file once) and the problems met on the way."""
    found = FoundFiles()
    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and (problem := _symlink_problem(path)) is not None:
            found.problems.append(PathProblem(path, problem, is_letter=True))
        elif path.is_dir():
            _walk(path, found, set())
        elif path.exists():
            found.files.append(path)
        else:
            found.problems.append(PathProblem(path, "no such file or folder"))
    unique, seen = [], set()
    for path in found.files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    found.files = unique
    return found


@dataclass
class LetterBytes:
    """A file as read: its bytes (None when over the size limit), sha256 of all of it, size."""

    data: bytes | None
    sha256: str
    size: int


class UnreadableFile(Exception):
    """The file exists but cannot be read; the message says why."""


def read_letter(path: Path) -> LetterBytes:
    """Read a letter file. Memory stays bounded: at most MAX_BYTES + 1 bytes are held; the rest of
    a huge file is only hashed, in chunks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_BYTES + 1)
            digest.update(head)
            size = len(head)
            if size <= MAX_BYTES:
                return LetterBytes(head, digest.hexdigest(), size)
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except IsADirectoryError:
        raise UnreadableFile("is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    return LetterBytes(None, digest.hexdigest(), size)


def read_upload(name: str) -> LetterBytes:
    """An uploaded file, from Django's default storage (pipeline.jobs saves uploads there)."""
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnreadableFile(f"cannot read the uploaded file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        return LetterBytes(None, "", default_storage.size(name))
    return LetterBytes(data, hashlib.sha256(data).hexdigest(), len(data))


def too_large_message(size: int) -> str:
    return f"file too large ({size / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB)"
