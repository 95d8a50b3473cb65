"""Bulk loading N-Quads into an Oxigraph store in chunks, on several threads.

One ``Store.bulk_load`` of a big file cuts it into batches of about a million
quads and adds each batch as new files that overlap all the others, so every
lookup then searches each of them until the whole store is compacted
(``Store.optimize()``, on one core): at 1M statements (10.4M quads), 48 s of
loading and 21 s of compaction. Loaded as chunks of about 60,000 quads by
three threads, the same quads take 33 s, RocksDB compacts in the background
meanwhile, and the closing flush waits for it to catch up: 53-56 s in all,
with the queries as fast as after a full compaction, and 420-440 MB instead
of 1.8 GB (bench/README.md). ``kg import`` loads its chunks the same way.

pyoxigraph releases the GIL while it loads, so threads suffice: the caller's
thread can read or map the next chunk meanwhile.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import DataError, Problem

LOADERS = 3  # loads at once: with one, a core idled about half the time
CHUNK_BYTES = 11 << 20  # about 60,000 quads of our N-Quads: small batches sort fastest
COMPACT_BELOW = 3_000_000  # lines (quads): smaller loads are compacted whole afterwards (load_nquads)


@dataclass(frozen=True)
class Chunk:
    data: bytes
    file: str | None = None  # where the text comes from, for error messages
    first_line: int = 1


class ChunkLoader:
    """``threads`` threads bulk-loading N-Quads chunks into ``store()``.

    ``store`` is called at each load rather than the store kept, so that the
    caller can drop its store (and RocksDB close it) once the loaders are done.
    The queue holds one waiting chunk per thread, so memory stays flat. A
    load's error is raised in the caller's thread by the next ``put`` or by
    ``finish``; after it, the remaining chunks are skipped.
    """

    def __init__(self, store: Callable, threads: int = LOADERS):
        self.store = store
        self.chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=threads)
        self.errors: list[BaseException] = []
        self.stopping = False
        self.ends_sent = 0
        self.threads = [threading.Thread(target=self._run, name=f"kg-load-{i}", daemon=True)
                        for i in range(threads)]

    def start(self) -> ChunkLoader:
        for thread in self.threads:
            thread.start()
        return self

    def _run(self) -> None:
        import pyoxigraph as ox

        while True:
            chunk = self.chunks.get()
            if chunk is None:
                return
            if self.stopping or self.errors:
                continue  # drain: the load is failing
            try:
                # lenient: no IRI validation; our writers build every IRI from
                # checked ids and slugs, and escape every literal
                self.store().bulk_load(chunk.data, format=ox.RdfFormat.N_QUADS, lenient=True)
            except SyntaxError as e:
                self.errors.append(_located(e, chunk) if chunk.file else e)
            except BaseException as e:  # raised again in the caller's thread
                self.errors.append(e)

    def put(self, data: bytes, file: str | None = None, first_line: int = 1) -> None:
        """Queue a chunk of whole N-Quads lines; waits while every thread is busy."""
        if self.errors:
            raise self.errors[0]
        self.chunks.put(Chunk(data, file, first_line))

    def _join(self) -> None:
        # one end marker per started thread in all: each thread ends at the first
        # it takes (sending one per thread still alive raced with threads ending
        # meanwhile, and left one waiting forever)
        started = sum(thread.ident is not None for thread in self.threads)
        while self.ends_sent < started:
            self.chunks.put(None)
            self.ends_sent += 1
        for thread in self.threads:
            if thread.ident is not None:
                thread.join()

    def finish(self) -> None:
        """Wait until everything queued is loaded."""
        self._join()
        if self.errors:
            raise self.errors[0]

    def abandon(self) -> None:
        """Skip what is still queued and wait for the loads under way."""
        self.stopping = True
        self._join()


def _located(error: SyntaxError, chunk: Chunk) -> DataError:
    """pyoxigraph's parse error, with the line counted from the start of the file."""
    line = chunk.first_line + (error.lineno or 1) - 1
    message = error.msg.split(": ", 1)[-1] if error.msg.startswith("Parser error") else error.msg
    column = f" at column {error.offset}" if error.offset else ""
    return DataError([Problem(chunk.file, line, None, f"not valid N-Quads{column}: {message}")])


@dataclass(frozen=True)
class Loaded:
    """What ``load_nquads`` did: lines read, seconds loading (the flush included),
    seconds compacting (None when it did not)."""

    lines: int
    loading_s: float
    compacting_s: float | None


def load_nquads(store, path: str | Path, *, compact: bool | None = None, chunk_bytes: int = CHUNK_BYTES,
                threads: int = LOADERS) -> Loaded:
    """Load an N-Quads file into an on-disk ``store`` in chunks, flush it, and
    compact it whole (``Store.optimize()``) if ``compact``.

    The flush waits while RocksDB's own compaction catches up with a big load.
    After a smaller one it does not, and the queries stay 3 to 7 times slower
    until a full compaction, which costs little at that size (100k statements:
    about 2 s). So by default (``compact=None``) a load of fewer than
    ``COMPACT_BELOW`` lines is compacted, a bigger one is not: at 1M statements
    the compaction took another 2-5 s and changed no query's time.
    """
    path = Path(path)
    started = time.perf_counter()
    loader = ChunkLoader(lambda: store, threads).start()
    line = 1
    try:
        with open(path, "rb") as f:
            while lines := f.readlines(chunk_bytes):
                loader.put(b"".join(lines), path.name, line)
                line += len(lines)
        loader.finish()
    finally:
        loader.abandon()
    store.flush()
    loaded = time.perf_counter()
    if not (compact or (compact is None and line - 1 < COMPACT_BELOW)):
        return Loaded(line - 1, loaded - started, None)
    store.optimize()
    return Loaded(line - 1, loaded - started, time.perf_counter() - loaded)
