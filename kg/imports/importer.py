"""``kg import``: stream an ACLED or UCDP GED file into its own named graph.

Rows are read, checked and mapped into N-Quads chunks while threads bulk-load
them into a staging store, which replaces the live one atomically at the end
(see ``stores.py``). Re-importing the same file with the same options against
the same curated names changes nothing: the content hash says so before any work.
"""

from __future__ import annotations

import hashlib
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, cache
from .. import namespaces as ns
from ..errors import DataError, Problem, UsageError
from ..loading import ChunkLoader
from ..names import NameIndex, normalise
from . import stores
from .layouts import RowError, detect, required, row_reader
from .mapping import Mapper, curated_index, names_fingerprint
from .progress import Progress
from .rows import CsvStream

KINDS = {"acled": ("ACLED export", "ACLED"), "ucdp": ("UCDP Georeferenced Event Dataset", "UCDP")}
_A = {"acled": "an", "ucdp": "a"}  # "an ACLED file", "a UCDP file"
CHUNK_ROWS = 5_000  # rows per bulk load (about 60,000 quads): small batches sort and encode fastest
FIRST_CHUNK_ROWS = 1_000  # the first chunks are smaller (then doubled), so that loading starts at once
MAX_PROBLEMS = 50  # problems kept for the report; all are counted
MAPPING_VERSION = "8"  # bump when the mapping changes, so that re-imports are not skipped


class StrictAbort(DataError):
    """--strict and a bad row: nothing was imported."""

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.args = (f"{problem}\n(--strict: the import stopped at the first bad row; the store is unchanged)",)


@dataclass
class Counters:
    """What the mapping saw: rows read, events made, rows skipped or filtered out."""

    rows: int = 0
    events: int = 0
    skipped: int = 0
    filtered: int = 0
    problems: list[str] = field(default_factory=list)


def import_file(
    kind: str,
    path: str | Path,
    *,
    strict: bool = False,
    countries: list[str] | None = None,
    data_dir: Path | None = None,
    progress: bool | None = None,
    wait: bool = True,
) -> dict:
    """Import an ACLED export (``kind="acled"``) or a UCDP GED file (``"ucdp"``) and
    return the import report: counts, skipped rows with their lines, new actors.

    ``countries`` keeps only rows of those countries; ``strict`` aborts at the
    first bad row; ``progress`` forces the progress bar on or off (default: on
    when stderr is a terminal); ``wait`` False fails at once if another kg
    process is writing the store, instead of waiting for it.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown data set '{kind}'; expected one of: {', '.join(KINDS)}")
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no file {path}")
    started = time.monotonic()
    stream = CsvStream(path)
    try:
        _check_layout(kind, stream)
        with stores.import_lock(f"kg import {kind}", wait=wait):
            live = cache.open_store(data_dir)
            names = curated_index(NameIndex.load(live))
            wanted = [normalise(c) for c in countries or []]
            digest = content_hash(path, kind, strict, wanted, names)
            previous = _stored(live, kind)
            if previous.get("hash") == digest:
                return {
                    "dataset": kind, "file": str(path), "unchanged": True, "events": previous.get("rows"),
                    "skipped": previous.get("skipped"), "statements": None, "new_actors": [],
                    "problems": [], "problem_count": 0, "filtered": None, "rows": None,
                    "seconds": round(time.monotonic() - started, 2), "rows_per_second": None,
                }
            graph = ns.dataset_graph(kind)
            # a data set the live store lacks: start from a checkpoint of it (no copy);
            # else from an empty store, into which the other graphs are copied
            replaces = graph in live.graphs()
            stop = _StopOnSignal()  # from here on, Ctrl-C or SIGTERM removes the staging store
            try:
                with stores.Staging(None if replaces else live.store) as stage:

                    def closing(counters: Counters, mapper: Mapper) -> bytes:
                        """The summaries, new actors and the data set's description, once every row is read."""
                        if counters.events == 0 and counters.skipped:
                            raise DataError([
                                Problem(stream.name, 0, None, "no row could be imported; the first problems:"),
                                *(Problem(stream.name, 0, None, p) for p in counters.problems[:5])])
                        label, publisher = KINDS[kind]
                        meta = {
                            "label": label, "publisher": publisher, "file": path.name, "hash": digest,
                            "events": counters.events, "skipped": counters.skipped,
                            "imported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        }
                        meta["imported"] = meta["imported"][:-2] + ":" + meta["imported"][-2:]
                        return mapper.closing(meta).encode()

                    counters, mapper = _load(stream, Mapper(kind, names), stage, strict, set(wanted), progress, kind,
                                             stop, closing)
                    if replaces:
                        stores.copy_graphs(live, stage.store, {graph})
                    del live
                    stop.defer()  # the switch is one rename: let it finish
                    stage.commit()
            finally:
                stop.restore()
    finally:
        stream.close()
    seconds = time.monotonic() - started
    return {
        "dataset": kind, "file": str(path), "unchanged": False,
        "rows": counters.rows, "events": counters.events, "skipped": counters.skipped,
        "filtered": counters.filtered, "statements": len(mapper.summaries), "places": len(mapper.places),
        "new_actors": mapper.report_actors(),
        "problems": counters.problems, "problem_count": counters.skipped,
        "seconds": round(seconds, 2), "rows_per_second": round(counters.rows / seconds) if seconds else None,
        "period": [mapper.first.isoformat(), mapper.last.isoformat()] if mapper.first else None,
    }


def _check_layout(kind: str, stream: CsvStream) -> None:
    """Refuse a file of the other kind, or one without the columns the mapping needs."""
    header = stream.header
    found = detect(header)
    label = KINDS[kind][1]
    if found and found != kind:
        raise DataError([Problem(stream.name, 1, None,
                                 f"this looks like {_A[found]} {KINDS[found][1]} file, not {label}; "
                                 f"use: kg import {found} {stream.path}")])
    missing = [c for c in required(kind) if c not in header]
    if missing:
        what = f"not {_A[kind]} {label} file" if found is None else f"not a complete {label} file"
        raise DataError([Problem(stream.name, 1, None,
                                 f"{what}: the header lacks the required column{'s' if len(missing) > 1 else ''} "
                                 + ", ".join(missing))])


def content_hash(path: Path, kind: str, strict: bool, countries: list[str], names: NameIndex) -> str:
    """SHA-256 of the file, the options, the mapping and the curated names."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    options = f"{kind}|{strict}|{','.join(sorted(countries))}|{MAPPING_VERSION}|{__version__}|"
    digest.update(options.encode())
    digest.update(names_fingerprint(names).encode())
    return digest.hexdigest()


def _stored(store, kind: str) -> dict:
    rows = store.select(
        f"SELECT ?hash ?rows ?skipped WHERE {{ GRAPH <{ns.dataset_graph(kind)}> {{ "
        f"<{ns.DATASET}{kind}> <{ns.SKG}contentHash> ?hash . "
        f"OPTIONAL {{ <{ns.DATASET}{kind}> <{ns.SKG}rowCount> ?rows }} "
        f"OPTIONAL {{ <{ns.DATASET}{kind}> <{ns.SKG}skippedRows> ?skipped }} }} }}"
    )
    return rows[0] if rows else {}


def _load(stream, mapper, stage, strict, countries, progress, kind, stop, closing) -> tuple[Counters, Mapper]:
    """Read, check and map every row here, in chunks of N-Quads that threads
    bulk-load meanwhile (``kg.loading``); then load what ``closing(counters, mapper)``
    returns (the summaries and the data set's description).

    pyoxigraph releases the GIL while it loads, so the mapping (Python, in this
    thread), the loads and RocksDB's compaction keep both cores busy without a
    second process: a forked reader sending its chunks through a pipe was 12 %
    slower at 100k rows and 0.09 s slower at 10k (bench/README.md). The queue
    holds one chunk per loader, so memory stays flat. A bad row under --strict,
    Ctrl-C or SIGTERM (``stop``) raises here; the loaders are then abandoned and
    the caller removes the staging store.
    """
    reader = row_reader(kind, stream.header)
    counters = Counters()
    bar = Progress(f"importing {kind}", stream.size, enabled=progress)
    loaders = ChunkLoader(lambda: stage.store).start()  # stage.store: see stores.Staging
    try:
        parts: list[str] = []
        limit = FIRST_CHUNK_ROWS
        for row in stream:
            counters.rows += 1
            problem = row.problem
            if problem is None:
                if countries and normalise(reader.country(row.cells)) not in countries:
                    counters.filtered += 1
                    continue
                try:
                    parts.append(mapper.event(reader.read(row.cells)))
                    counters.events += 1
                except RowError as e:
                    problem = Problem(stream.name, row.line, e.column, e.message)
            if problem is not None:
                if strict:
                    raise StrictAbort(problem)
                counters.skipped += 1
                if len(counters.problems) < MAX_PROBLEMS:
                    counters.problems.append(str(problem))
                continue
            if len(parts) >= limit:
                loaders.put("".join(parts).encode())  # waits while every loader is busy
                parts = []
                limit = min(2 * limit, CHUNK_ROWS)
                stop.check()
                bar.update(counters.rows, stream.bytes_read)
        if parts:
            loaders.put("".join(parts).encode())
        loaders.put(closing(counters, mapper))  # alongside the last chunks
        loaders.finish()
        bar.update(counters.rows, stream.size, force=True)
        return counters, mapper
    finally:
        loaders.abandon()  # after an error or a signal: no thread may touch the staging store any more
        bar.finish()


class _StopOnSignal:
    """Ctrl-C (SIGINT) or SIGTERM during the load: stop cleanly, so that the staging
    store is removed and the live one stays as it was.

    The handler raises KeyboardInterrupt and also records the signal, because a
    KeyboardInterrupt raised while pyoxigraph is loading may not come back out of
    it; ``check()`` after each chunk raises it then. A signal the caller chose to
    ignore (a background job's SIGINT) stays ignored.
    """

    def __init__(self) -> None:
        import threading

        self.seen: list[int] = []
        self.previous: dict[int, object] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self.previous[signum] = signal.signal(signum, self._handle)

    deferred = False

    def _handle(self, signum, frame) -> None:
        self.seen.append(signum)
        if not self.deferred:
            raise KeyboardInterrupt

    def defer(self) -> None:
        """From now on only record signals (the import is about to complete)."""
        self.deferred = True

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
