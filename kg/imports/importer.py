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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.ask.records import ColumnTexts
from kg.errors import DataError, Problem, UsageError
from kg.graph import namespaces as ns
from kg.imports import additions, revisions
from kg.imports.event_dates import FutureDate
from kg.imports.layouts import LAYOUTS, Layout, fit, is_tag_row, missing, row_reader
from kg.imports.mapping import SOURCE_RECORD, Mapper, curated_index, names_fingerprint
from kg.imports.names import RULES_FILE, NameRules, StateFacts, read_aliases, write_unresolved
from kg.imports.progress import Progress
from kg.imports.rows import CsvStream, RowError
from kg.store import actor_table, cache
from kg.store import staging as stores
from kg.store.loading import ChunkLoader
from kg.store.names import NameIndex, normalise
from kg.terminal import file_name
from kg.version import __version__

KINDS = {"acled": ("ACLED export", "ACLED"), "ucdp": ("UCDP Georeferenced Event Dataset", "UCDP")}
_A = {"acled": "an", "ucdp": "a"}  # "an ACLED file", "a UCDP file"
CHUNK_ROWS = 5_000  # rows per bulk load (about 60,000 quads): small batches sort and encode fastest
BIG_ADDITION = 2 << 20  # bytes of files (about 4,000 rows) from which an addition reads whole columns early
FIRST_CHUNK_ROWS = 1_000  # the first chunks are smaller (then doubled), so that loading starts at once
MAX_PROBLEMS = 50  # problems kept for the report; all are counted
MAPPING_VERSION = "11"  # bump when the mapping changes, so that re-imports are not skipped


class StrictAbort(DataError):
    """--strict and a bad row: nothing was imported."""

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.args = (f"{problem}\n(--strict: the import stopped at the first bad row; the store is unchanged)",)


@dataclass
class Counters:
    """What the mapping saw in one file: rows read, events made, rows skipped, filtered out or met twice."""

    rows: int = 0
    events: int = 0
    skipped: int = 0  # rows lost: a stray quote's cell holds many (Row.lost)
    problem_count: int = 0
    filtered: int = 0
    duplicates: int = 0
    older: int = 0  # rows left for a newer row of their id (kg.imports.revisions)
    problems: list[str] = field(default_factory=list)


@dataclass
class Source:
    """One file of an import: its stream, layout and, once read, its counts."""

    path: Path
    stream: CsvStream
    layout: Layout
    digest: str = ""
    sha256: str = ""  # of the file's bytes, as sha256sum gives it
    counters: Counters = field(default_factory=Counters)
    mentions: tuple[int, ...] = (0, 0, 0, 0)
    first: object = None
    last: object = None
    iri: str = ""
    future: int = 0  # rows refused for a date after today (UTC): the file is read again next time


def _stored_hash(src: Source) -> str:
    """The hash kept for a file: its content hash, marked when rows were refused for a future
    date -- then it never equals the next import's hash, and that import reads the file again
    (picking up the rows whose day has come) instead of calling it unchanged."""
    return f"{src.digest}+{src.future}-future-rows" if src.future else src.digest


def import_file(kind: str, path: str | Path, **options) -> dict:
    """Import one file; see `import_files`. The report of a single file keeps its flat shape."""
    return import_files(kind, [path], **options)


def import_files(
    kind: str,
    paths: list[str | Path],
    *,
    strict: bool = False,
    countries: list[str] | None = None,
    data_dir: Path | None = None,
    progress: bool | None = None,
    replace: bool = False,
    unresolved: Path | None = None,
    wait: bool = True,
) -> dict:
    """Import ACLED exports (``kind="acled"``) or UCDP GED files (``"ucdp"``) into one data set
    and return the import report: counts, skipped rows with their lines, new actors,
    the names no rule placed and the share of actor mentions placed.

    The files are added to what the data set already holds: an event is known by
    its row id (ACLED's event_id_cnty, GED's id), and a row imported now replaces
    the earlier import's row of the same id; a file imported again under the same
    name replaces its earlier version. An id met twice (in the files, or in the
    files and the store) keeps the row with the newest revision (ACLED's timestamp,
    GED's version), the first named on a tie; ``replaced_by_newer`` counts the rows
    replaced. ``replace`` starts the data set afresh. ``countries`` keeps only
    rows of those countries; ``strict`` aborts at the first bad row; ``progress``
    forces the progress bar on or off (default: on when stderr is a terminal);
    ``unresolved`` writes the names no rule placed to a CSV file in the columns
    of data/aliases.csv. All files go in one atomic switch, or none.
    ``wait`` False fails at once if another kg process is writing the store,
    instead of waiting for it.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown data set '{kind}'; expected one of: {', '.join(KINDS)}")
    if not paths:
        raise UsageError("no file to import")
    for path in paths:
        if not Path(path).is_file():
            raise UsageError(f"no file {path}")
    if unresolved is not None:
        import os

        folder = Path(unresolved).resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise UsageError(f"cannot write --unresolved {unresolved}: {folder} is not a writable folder")
    names_seen = [file_name(p) for p in paths]
    if len(set(names_seen)) != len(names_seen):
        raise UsageError("two files of one import have the same name; rename one (files are known by name)")
    started = time.monotonic()
    sources: list[Source] = []
    try:
        for path in paths:
            stream = CsvStream(Path(path))
            sources.append(Source(Path(path), stream, _check_layout(kind, stream)))
        with stores.import_lock(f"kg import {kind}", wait=wait):
            live = cache.open_store(data_dir)
            # the names and lifespans from the actor table beside the store (the queries' rows,
            # kept at its last write) instead of asking the store for them again: ~1 s
            table = actor_table.of(live)
            names = curated_index(table.names)
            aliases_file = Path(data_dir or cache.default_data_dir()) / "aliases.csv"
            rules = NameRules(kind, names, StateFacts.load(live, names), read_aliases(aliases_file, names))
            wanted = [normalise(c) for c in countries or []]
            for src in sources:
                src.digest, src.sha256 = file_hashes(src.path, kind, strict, wanted, names, aliases_file)
            graph = ns.dataset_graph(kind)
            exists = graph in live.graphs()
            stored = additions.stored_files(live, kind) if exists else {}
            hashes = {f["hash"] for f in stored.values()}
            if not replace and all(src.digest in hashes for src in sources):
                return _unchanged(kind, sources, stored, started)
            adding = exists and not replace
            mapper = Mapper(kind, names, rules, lives=_lifespans(table), link_records=[])
            if adding or len(sources) > 1:
                mapper.ids = set()
            # a big addition's two column reads, written by the store while the files are scanned
            columns = ColumnTexts(live.store, graph, (revisions.STORED_REVISION, SOURCE_RECORD[1:-1])) \
                if adding and sum(src.stream.size for src in sources) > BIG_ADDITION else None
            plan = _revision_plan(kind, sources, live if adding else None, columns)
            # an addition stages a checkpoint of the live store and prunes it (additions.prune),
            # except with --country (a filtered-out row must not take its id's event away)
            pruning = adding and plan is not None and not wanted
            dropped = {iri for iri, f in stored.items() if f["file"] in names_seen} if adding else set()
            kept_files = {iri: f for iri, f in stored.items() if iri not in dropped} if adding else {}
            stop = _StopOnSignal()  # from here on, Ctrl-C or SIGTERM removes the staging store
            try:
                # a data set the live store lacks: start from a checkpoint of it (no copy);
                # else from an empty store, into which the other graphs are copied
                with stores.Staging(live.store if pruning or not exists else None) as stage:
                    gone = additions.prune(stage.store, kind, plan.replacing(), dropped, columns) if pruning else set()
                    if columns is not None:
                        columns.join()  # its hold on the live store ends before the switch
                        columns = None

                    def closing() -> str:
                        """The summaries, new actors, files and the data set's description, once every row is read."""
                        events = sum(src.counters.events for src in sources)
                        if events == 0 and any(src.counters.skipped for src in sources):
                            problems = [p for src in sources for p in src.counters.problems]
                            raise DataError([
                                Problem(sources[0].stream.name, 0, None, "no row could be imported; the first problems:"),
                                *(Problem(sources[0].stream.name, 0, None, p) for p in problems[:5])])
                        label, publisher = KINDS[kind]
                        imported = _now()
                        files = [{
                            "iri": src.iri, "label": f"{label}: {src.stream.name}", "publisher": publisher,
                            "file": src.stream.name, "hash": _stored_hash(src), "sha256": src.sha256,
                            "events": src.counters.events,
                            "skipped": src.counters.skipped, "imported": imported, "mentions": src.mentions,
                            "first": src.first, "last": src.last,
                        } for src in sources]
                        periods = [(f["first"], f["last"]) for f in [*files, *kept_files.values()] if f["first"]]
                        meta = {
                            "label": label, "publisher": publisher, "imported": imported,
                            "events": events + mapper.kept_events,
                            "first": min(p[0] for p in periods) if periods else None,
                            "last": max(p[1] for p in periods) if periods else None,
                        }
                        return mapper.closing(meta, files)

                    held = [live]  # emptied before the switch: no reference may keep the old store open
                    recount = additions.Recount(live, kind, mapper, gone, mapper.ids.__contains__, dropped) \
                        if pruning else None

                    def earlier() -> list[bytes] | Iterator[bytes]:
                        if not adding:
                            return []
                        if recount is not None:
                            return recount.chunks()
                        return additions.carry_over(held[0], kind, mapper, mapper.ids.__contains__, dropped)

                    settle = (lambda: recount.settle(stage.store)) if recount is not None else None
                    loading = _load(sources, mapper, stage, strict, set(wanted), progress, kind, stop, earlier,
                                    closing, plan, settle)
                    try:
                        recount = None  # it holds the live store
                        if exists and not pruning:
                            stores.copy_graphs(live, stage.store, {graph})
                        if mapper.link_records is None:  # the relink reads the new rows back, with
                            loading.finish()  # their places, which come with the closing quads
                        # else it reads no quad of the closing ones (the new rows are in hand; the
                        # other data sets, the curated graph, the links and the events are not in
                        # them), so they load meanwhile: 0.1-0.15 s of a 500-row file
                        linked = _relink(stage.store, kind, sources, graph, mapper.link_records, live)
                        loading.finish()
                    finally:
                        loading.abandon()
                    held.clear()
                    del live
                    stop.defer()  # the switch is one rename: let it finish
                    stage.commit()
            finally:
                stop.restore()
    finally:
        for src in sources:
            src.stream.close()
    seconds = time.monotonic() - started
    rows = sum(src.counters.rows for src in sources)
    unplaced = mapper.report_unresolved()
    if unresolved is not None:
        write_unresolved(Path(unresolved), [{**u, "dataset": kind} for u in unplaced])
    report = {
        "dataset": kind, "file": str(sources[0].path), "unchanged": False, "added": adding, "replaced": replace,
        "rows": rows, "events": sum(src.counters.events for src in sources),
        "skipped": sum(src.counters.skipped for src in sources),
        "filtered": sum(src.counters.filtered for src in sources),
        "duplicates": sum(src.counters.duplicates for src in sources),
        "replaced_by_newer": plan.replaced if plan else 0,
        "older_than_stored": plan.older if plan else 0,
        "kept_events": mapper.kept_events,
        "statements": len(mapper.summaries) + mapper.kept_statements, "places": len(mapper.places),
        "new_actors": mapper.report_actors(), "unresolved": unplaced, "resolution": mapper.resolution(),
        "off_period": mapper.off_period,
        "outside_lifespan": mapper.report_outside(),
        "problems": [p for src in sources for p in src.counters.problems],
        "problem_count": sum(src.counters.problem_count for src in sources),
        "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds) if seconds else None,
        "period": [mapper.first.isoformat(), mapper.last.isoformat()] if mapper.first else None,
        "links": linked.as_dict(),
        "files": [{"file": src.stream.name, "layout": src.layout.name, "rows": src.counters.rows,
                   "events": src.counters.events, "skipped": src.counters.skipped,
                   "duplicates": src.counters.duplicates} for src in sources],
    }
    return report


def _unchanged(kind: str, sources: list[Source], stored: dict, started: float) -> dict:
    by_hash = {f["hash"]: f for f in stored.values()}
    return {
        "dataset": kind, "file": str(sources[0].path), "unchanged": True,
        "files": [{"file": src.stream.name, "as": by_hash[src.digest]["file"]} for src in sources],
        "events": None, "skipped": None, "statements": None, "new_actors": [], "unresolved": [],
        "problems": [], "problem_count": 0, "filtered": None, "rows": None,
        "seconds": round(time.monotonic() - started, 2), "rows_per_second": None,
    }


def _now() -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return stamp[:-2] + ":" + stamp[-2:]


def _check_layout(kind: str, stream: CsvStream) -> Layout:
    """The layout of the file; refuse a file of the other data set, or one that fits no layout."""
    layout, lacking = fit(stream.header)
    label = KINDS[kind][1]
    if layout.dataset != kind and not lacking:
        raise DataError([Problem(stream.name, 1, None,
                                 f"this looks like {_A[layout.dataset]} {KINDS[layout.dataset][1]} file, not {label}; "
                                 f"use: kg import {layout.dataset} {stream.path}")])
    if lacking:
        if layout.dataset != kind:  # the closest of this data set's layouts
            layout = min((lay for lay in LAYOUTS if lay.dataset == kind), key=lambda lay: len(missing(lay, stream.header)))
            lacking = missing(layout, stream.header)
        close = len(lacking) < len(layout.required) / 2
        what = f"not a complete {label} file" if close else f"not {_A[kind]} {label} file"
        raise DataError([Problem(stream.name, 1, None,
                                 f"{what}: the closest layout is the {layout.name}, whose header needs "
                                 f"the column{'s' if len(lacking) > 1 else ''} " + ", ".join(lacking))])
    return layout


def content_hash(path: Path, kind: str, strict: bool, countries: list[str], names: NameIndex,
                 aliases_file: Path | None = None) -> str:
    """SHA-256 of the file, the options, the mapping, the curated names, the aliases and the name rules."""
    return file_hashes(path, kind, strict, countries, names, aliases_file)[0]


def file_hashes(path: Path, kind: str, strict: bool, countries: list[str], names: NameIndex,
           aliases_file: Path | None = None) -> tuple[str, str]:
    """(`content_hash`, the SHA-256 of the file's bytes alone), reading the file once."""
    digest = hashlib.sha256()
    own = hashlib.sha256()
    for extra in (aliases_file, RULES_FILE):
        if extra is not None and extra.exists():
            digest.update(extra.read_bytes())
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            own.update(block)
    options = f"{kind}|{strict}|{','.join(sorted(countries))}|{MAPPING_VERSION}|{__version__}|"
    digest.update(options.encode())
    digest.update(names_fingerprint(names).encode())
    return digest.hexdigest(), own.hexdigest()


def _lifespans(table: actor_table.ActorTable) -> dict:
    """The curated actors' lifespans (founded, dissolved; None when unknown), for the report
    of evidence outside them."""
    out = {}
    for actor, (span, _person) in table.lives.items():
        founded = None if span.start == actor_table.BEGINNING else span.start
        if actor.startswith(ns.ACTOR) and (founded or span.end):
            out[str(actor)] = (founded, span.end)
    return out


def _revision_plan(kind: str, sources: list[Source], live, columns=None) -> revisions.Plan | None:
    """Which row of each repeated event id to keep (the newest revision), or None when no
    id can repeat: one UCDP file imported afresh, or a monadic ACLED file (whose rows
    share their event's id by design)."""
    if any("monadic" in src.layout.name for src in sources):
        return None
    if kind == "ucdp" and live is None and len(sources) == 1:
        return None
    stored = (lambda ids: revisions.stored_revisions(live, kind, ids, columns)) if live is not None else {}
    versions = [revisions.ged_version(src.path.name) if kind == "ucdp" else None for src in sources]
    return revisions.plan(sources, "event_id_cnty" if kind == "acled" else "id", stored, versions,
                          "timestamp" if kind == "acled" else None)


def _load(sources, mapper, stage, strict, countries, progress, kind, stop, earlier, closing, plan=None,
          settle=None) -> ChunkLoader:
    """Read, check and map every row of every file here, in chunks of N-Quads that threads
    bulk-load meanwhile (``kg.store.loading``); then load what ``earlier()`` yields (an
    addition's earlier events) and what ``closing()`` returns (the summaries and
    the descriptions). ``settle()``, if given, runs on the staging store once
    everything before the closing quads is loaded (an addition removes there the
    summaries it writes again), and the closing quads are loaded after it.

    Returns the loader still loading the closing quads (every event is loaded): the caller
    works meanwhile (the relink), then ``finish()``es it, and ``abandon()``s it on an error.

    pyoxigraph releases the GIL while it loads, so the mapping (Python, in this
    thread), the loads and RocksDB's compaction keep both cores busy without a
    second process: a forked reader sending its chunks through a pipe was 12 %
    slower at 100k rows and 0.09 s slower at 10k (bench/README.md). The queue
    holds one chunk per loader, so memory stays flat. A bad row under --strict,
    Ctrl-C or SIGTERM (``stop``) raises here; the loaders are then abandoned and
    the caller removes the staging store.
    """
    from kg.imports.event_dates import DayReader

    days = DayReader()
    bar = Progress(f"importing {kind}", sum(src.stream.size for src in sources), enabled=progress)
    loaders = ChunkLoader(lambda: stage.store).start()  # stage.store: see stores.Staging
    done_bytes = 0
    rows_before = 0
    try:
        parts: list[str] = []
        limit = FIRST_CHUNK_ROWS
        winners = plan.winners if plan is not None else {}
        for index, src in enumerate(sources):
            stream, counters = src.stream, src.counters
            reader = row_reader(src.layout, stream.header, days)
            if kind == "ucdp":
                reader.revision = revisions.ged_version(src.path.name)
            src.iri = mapper.begin_file(stream.name)
            before = list(mapper.mentions)

            for row in stream:
                if counters.rows == 0 and row.problem is None and is_tag_row(row.cells):
                    continue  # HDX's HXL tag row, under the header
                counters.rows += row.lost
                problem = row.problem
                if problem is None:
                    if countries and normalise(reader.country(row.cells)) not in countries:
                        counters.filtered += 1
                        continue
                    try:
                        record = reader.read(row.cells)
                        if record is not None:
                            if winners and record.row_id in winners and winners[record.row_id] != (index, row.line):
                                counters.older += 1  # a newer row of the id is kept (or the store's)
                                continue
                            _add(mapper, record, counters, parts)
                    except RowError as e:
                        problem = Problem(stream.name, row.line, e.column, e.message)
                        src.future += isinstance(e, FutureDate)
                if problem is not None:
                    if strict:
                        raise StrictAbort(problem)
                    counters.skipped += row.lost if row.problem is not None else 1
                    counters.problem_count += 1
                    if len(counters.problems) < MAX_PROBLEMS:
                        counters.problems.append(str(problem))
                    continue
                if len(parts) >= limit:
                    loaders.put("".join(parts).encode())  # waits while every loader is busy
                    parts = []
                    limit = min(2 * limit, CHUNK_ROWS)
                    stop.check()
                    bar.update(rows_before + counters.rows, done_bytes + stream.bytes_read)
            for record in reader.flush():  # a monadic file's events with one row: one actor
                _add(mapper, record, counters, parts)
            src.mentions = tuple(now - then for now, then in zip(mapper.mentions, before))
            src.first, src.last = mapper.file_first, mapper.file_last
            done_bytes += stream.size
            rows_before += counters.rows
        if parts:
            loaders.put("".join(parts).encode())
        for chunk in earlier():
            loaders.put(chunk)
            stop.check()
        text = closing().encode()
        _import_numpy_meanwhile()  # while this thread waits for the loads
        loaders.finish()  # every event is in the store before the relink reads it (_gone)
        if settle is not None:
            stop.check()
            settle()
        loaders = ChunkLoader(lambda: stage.store, threads=1).start()
        loaders.put(text)  # the closing quads, which the caller's relink may run beside
        bar.update(rows_before, done_bytes, force=True)
        loading, loaders = loaders, None
        return loading
    finally:
        if loaders is not None:
            loaders.abandon()  # after an error or a signal: no thread may touch the staging store any more
        bar.finish()


def _add(mapper: Mapper, record, counters: Counters, parts: list[str]) -> None:
    quads = mapper.event(record)
    if quads is None:
        counters.duplicates += 1
    else:
        parts.append(quads)
        if record.low is not None or record.high is not None or record.place_precision != "point":
            parts.append(_link_facts(mapper, record))
        counters.events += 1


def _link_facts(mapper: Mapper, record) -> str:
    """What incident links and kg compare read besides the event's own quads: UCDP's low and
    high estimates, and a place known only to its region or country."""
    e, g = f"<{mapper.event_ns}{record.row_id}>", mapper.g
    out = []
    if record.low is not None:
        out.append(f'{e} <{ns.SKG}fatalitiesLow> "{record.low}"^^<{ns.XSD}integer>{g}')
    if record.high is not None:
        out.append(f'{e} <{ns.SKG}fatalitiesHigh> "{record.high}"^^<{ns.XSD}integer>{g}')
    if record.place_precision != "point":
        out.append(f'{e} <{ns.SKG}placePrecision> "{record.place_precision}"{g}')
    return "".join(out)


def _import_numpy_meanwhile() -> None:
    """Import the linker's numpy on a thread while the last rows load: the loads let go of the
    GIL, so its ~0.1 s of start-up (a tenth of a 500-row file) is hidden behind them. Started
    once every row is mapped: beside the mapping (Python too) it slowed it as much."""
    import threading

    def load() -> None:
        try:
            import numpy  # noqa: F401
        except ImportError:  # the linker's own import says so
            pass

    threading.Thread(target=load, name="kg-import-numpy", daemon=True).start()


def _relink(raw_store, kind: str, sources: list[Source], graph: str, records: list | None, live):
    """Incident links for the rows of the new files only (kg.imports.links.after_import):
    ``records`` are those rows as the mapper kept them; None: read them from the store. The
    curated records are those of the ``live`` store (kept beside it after the first import)."""
    import pyoxigraph as ox

    from kg.ask.records import curated_records
    from kg.imports.links import after_import

    curated = curated_records(live)
    if records is not None:
        return after_import(raw_store, kind, {r.iri for r in records}, records, curated)
    g = ox.NamedNode(graph)
    imported_from = ox.NamedNode(ns.SKG + "importedFrom")
    new = {q.subject.value for src in sources
           for q in raw_store.quads_for_pattern(None, imported_from, ox.NamedNode(src.iri), g)}
    return after_import(raw_store, kind, new, None, curated)


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
