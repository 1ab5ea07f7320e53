"""One tantivy index on disk behind a symlink, with a single writer across processes.

Layout under the index root (settings.SEARCH_INDEX_DIR):
    decisions -> decisions.<stamp>/   (symlink; a rebuild writes a new directory and swaps
    sections  -> sections.<stamp>/     the link with an atomic rename)
    .write.lock                        (serialises writers across processes)

tantivy quirks handled here (measured): only one IndexWriter per index at a time (we take a file
lock and retry while tantivy's own lock is busy); `searcher.search(q, 0)` panics with a
PanicException that is not an Exception subclass (callers keep limits >= 1, and calls go through
`call` to turn BaseException into SearchBackendError).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

import tantivy

from ..base import IndexMissing, SearchBackendError

WRITER_HEAP = 200_000_000
SMALL_WRITER_HEAP = 30_000_000
REBUILD_BATCH = 5000


def call(fn, *args, **kwargs):
    """Call into tantivy; a Rust panic arrives as BaseException, re-raise it as an Exception."""
    try:
        return fn(*args, **kwargs)
    except Exception:
        raise
    except BaseException as exc:  # pyo3 PanicException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise SearchBackendError(f"tantivy panicked: {exc}") from exc


@contextmanager
def file_lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".write.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Store:
    """`add(writer, doc)` writes one input document (it may add several tantivy documents);
    `key` is the integer field whose term identifies an input document for replacement."""

    def __init__(
        self,
        root: Path,
        name: str,
        schema_fn: Callable[[], tantivy.Schema],
        add: Callable[[tantivy.IndexWriter, dict], None],
        key: str,
    ):
        self.root, self.name, self.add_fn, self.key = root, name, add, key
        self.schema = schema_fn()
        self._index = None
        self._target = None
        self._open_lock = threading.Lock()

    @property
    def link(self) -> Path:
        return self.root / self.name

    def _new_dir(self) -> Path:
        path = self.root / f"{self.name}.{time.strftime('%Y%m%d%H%M%S')}.{os.getpid()}.{time.monotonic_ns() % 10**9}"
        path.mkdir(parents=True)
        return path

    def _swap_link(self, target: Path) -> None:
        tmp = self.root / f".{self.name}.link.{os.getpid()}.{time.monotonic_ns()}"
        os.symlink(target.name, tmp)
        os.replace(tmp, self.link)

    def generation(self) -> str | None:
        """The directory behind the link: a rebuild or a re-creation makes a new one."""
        return os.path.basename(os.path.realpath(self.link)) if self.link.exists() else None

    def create(self) -> str:
        """An empty index behind the link, unless there is one already."""
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root):
            if not self.link.exists():
                target = self._new_dir()
                tantivy.Index(self.schema, path=str(target), reuse=False)
                self._swap_link(target)
        return self.generation()

    def index(self) -> tantivy.Index:
        with self._open_lock:
            if not self.link.exists():
                self._index, self._target = None, None
                raise IndexMissing(
                    f"there is no {self.name} index at {self.link} (run `manage.py search_index --catch-up`)"
                )
            target = os.path.realpath(self.link)
            if self._index is None or target != self._target:
                try:
                    self._index = call(tantivy.Index, self.schema, path=target, reuse=True)
                except ValueError as exc:
                    if "schema" in str(exc).lower():
                        raise SearchBackendError(
                            f"the search index at {target} was built with another schema (an older version); "
                            "run `manage.py search_index --rebuild`"
                        ) from exc
                    raise SearchBackendError(f"cannot open the search index at {target}: {exc}") from exc
                self._target = target
            return self._index

    def searcher(self) -> tantivy.Searcher:
        return self.index().searcher()

    def reload(self) -> None:
        if self.link.exists():  # nothing to make visible in an index that is not there
            self.index().reload()

    def write(self, fn, index: tantivy.Index | None = None, bulk: bool = False) -> None:
        """Run fn(writer) with the single writer, commit, and make it visible. Sync updates are a
        few letters: a small single-threaded writer; rebuilds get the big multi-threaded one."""
        index = index or self.index()
        heap, threads = (WRITER_HEAP, 0) if bulk else (SMALL_WRITER_HEAP, 1)
        with file_lock(self.root):
            writer = None
            for attempt in range(50):
                try:
                    writer = index.writer(heap, threads)
                    break
                except ValueError as exc:  # LockBusy: another writer (this or a dying process)
                    if "lock" not in str(exc).lower() or attempt == 49:
                        raise SearchBackendError(f"cannot open the {self.name} index writer: {exc}") from exc
                    time.sleep(0.1)
            try:
                call(fn, writer)
                call(writer.commit)
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
        index.reload()

    def put(
        self, docs: Iterable[dict], index: tantivy.Index | None = None, replace: bool = True, bulk: bool = False
    ) -> int:
        """Write input documents, replacing earlier versions (same key) unless replace=False."""
        n = 0

        def run(writer):
            nonlocal n
            for doc in docs:
                if replace:
                    writer.delete_documents_by_term(self.key, int(doc["id"]))
                self.add_fn(writer, doc)
                n += 1

        self.write(run, index, bulk=bulk)
        return n

    def delete(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        if ids:
            self.write(lambda writer: [writer.delete_documents_by_term(self.key, i) for i in ids])

    def clear(self) -> None:
        if self.link.exists():
            self.write(lambda writer: writer.delete_all_documents())

    def rebuild(self, docs: Iterable[dict], progress=None) -> int:
        """Index docs into a fresh directory, then swap the symlink (readers never see a gap)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._new_dir()
        index = tantivy.Index(self.schema, path=str(target), reuse=False)
        total = 0
        batch: list[dict] = []

        def flush():
            nonlocal total
            total += self.put(batch, index=index, replace=False, bulk=True)
            if progress:
                progress(total)
            batch.clear()

        for doc in docs:
            batch.append(doc)
            if len(batch) >= REBUILD_BATCH:
                flush()
        flush()
        old = os.path.realpath(self.link) if self.link.is_symlink() else None
        with file_lock(self.root):
            self._swap_link(target)
        with self._open_lock:
            self._index, self._target = None, None
        if old and os.path.realpath(old) != str(target):
            # Readers that still have the old index open keep their mmaps (POSIX unlink semantics).
            shutil.rmtree(old, ignore_errors=True)
        return total
