"""Which row of an event id is kept when several files (or one file) hold it, and the store too.

ACLED revises events: a later export has the row again with a later ``timestamp``
(more deaths, another actor). UCDP publishes GED versions; a row's version is the
file's ("GEDEvent_v25_1.csv": 25.1). Before any row is mapped, the files of an
import are scanned for their ids and revisions only; for each id the row with the
newest revision wins (the first named on a tie, or without revisions), within the
command and against the revision the store holds (skg:revision). The import keeps
only the winners and says how many rows were replaced by newer ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.graph import namespaces as ns

STORED_REVISION = ns.SKG + "revision"  # an imported event's revision (kg.imports.mapping writes it)
_GED_VERSION = re.compile(r"(?:^|[^a-z])(?:ged\w*?_?v|v)(\d{1,2})[._-](\d{1,2})(?!\d)", re.IGNORECASE)


def ged_version(name: str) -> int | None:
    """GED's version from a file name: "GEDEvent_v25_1.csv" -> 2501; None without one."""
    m = _GED_VERSION.search(name)
    return int(m.group(1)) * 100 + int(m.group(2)) if m else None


def revision_of(text: str) -> int | None:
    """ACLED's timestamp cell as a number (pandas' "1646784000.0" too); None when empty or not one."""
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    return int(t) if t.isdigit() else None


@dataclass
class Plan:
    """The rows to keep, by (file index, line), for the ids met more than once."""

    winners: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # None: the store's row stays
    replaced: int = 0  # rows (in the files or the store) replaced by a newer row of their id
    older: int = 0  # rows of the files not kept because the store or another file holds a newer revision
    ids: set[str] = field(default_factory=set)  # every id of the files

    def replacing(self) -> set[str]:
        """The ids whose stored event a row of the files replaces (unless the row turns out bad)."""
        return {i for i in self.ids if self.winners.get(i, ()) is not None}


def plan(sources, id_column: str, stored: Callable[[Iterable[str]], dict[str, int]] | dict[str, int],
         versions: list[int | None], timestamp_column: str | None) -> Plan:
    """Scan each source's file (a fresh stream of it) for ids and revisions; decide the winners.

    ``stored`` gives the revision the store holds for an id (only ids it holds with one):
    a dict, or a function of the files' ids that returns it (``stored_revisions``, which
    reads only those ids: an addition costs its own rows, not the data set's);
    ``versions`` a revision per file for files without a timestamp column (GED)."""
    from kg.imports.layouts import clean_cells
    from kg.imports.rows import CsvStream

    best: dict[str, tuple[int, int, int]] = {}  # id -> (revision, file index, line); revision -1: none
    repeated: set[str] = set()
    for i, src in enumerate(sources):
        stream = CsvStream(src.path)
        try:
            header = stream.header
            if id_column not in header:
                continue
            at = header.index(id_column)
            ts_at = header.index(timestamp_column) if timestamp_column and timestamp_column in header else None
            fixed = versions[i] if versions[i] is not None else -1
            for row in stream:
                if row.problem is not None or len(row.cells) <= at:
                    continue
                if ts_at is not None:  # only the two cells read here are cleaned (a cell's own rule)
                    row_id, stamp = clean_cells((row.cells[at], row.cells[ts_at]))
                else:
                    row_id = row.cells[at]
                row_id = row_id.strip()
                if not row_id or row_id.startswith("#"):
                    continue
                revision = fixed
                if ts_at is not None:
                    revision = revision_of(stamp)
                    revision = -1 if revision is None else revision
                found = best.get(row_id)
                if found is None:
                    best[row_id] = (revision, i, row.line)
                    continue
                repeated.add(row_id)
                if revision > found[0]:
                    best[row_id] = (revision, i, row.line)
        finally:
            stream.close()
    out = Plan(ids=set(best))
    if callable(stored):
        stored = stored(best)
    for row_id in repeated:
        revision, i, line = best[row_id]
        out.winners[row_id] = (i, line)
    # every row of a repeated id but its winner is replaced by a newer one (or a copy of it)
    counts = _occurrences(sources, id_column, repeated) if repeated else {}
    out.replaced = sum(n - 1 for n in counts.values())
    for row_id, revision in stored.items():
        found = best.get(row_id)
        if found is None:
            continue
        if found[0] >= 0 and revision > found[0]:
            out.winners[row_id] = None  # the store's row is newer: every row of the files goes
            out.older += counts.get(row_id, 1)
            out.replaced -= counts.get(row_id, 1) - 1
        else:
            out.replaced += 1  # the store's row is replaced by the files' newest
    return out


def _occurrences(sources, id_column: str, ids: set[str]) -> dict[str, int]:
    from kg.imports.rows import CsvStream

    counts: dict[str, int] = {}
    for src in sources:
        stream = CsvStream(src.path)
        try:
            if id_column not in stream.header:
                continue
            at = stream.header.index(id_column)
            for row in stream:
                if row.problem is None and len(row.cells) > at:
                    row_id = row.cells[at].strip()
                    if row_id in ids:
                        counts[row_id] = counts.get(row_id, 0) + 1
        finally:
            stream.close()
    return counts


def stored_revisions(store, dataset: str, ids: Iterable[str], columns=None) -> dict[str, int]:
    """The revision the store holds for each of ``ids`` (only the ids it holds with one):
    looked up id by id in the store's index (an addition's own ids, not the data set's),
    or read as one column when the ids are many (``records.column_values``; from
    ``columns``, a ``records.ColumnTexts`` of the store, if it has written it)."""
    from kg.ask.records import column_values

    event_ns = ns.dataset_ns(dataset, "event")
    found = column_values(store.store, ns.dataset_graph(dataset), STORED_REVISION, (event_ns + i for i in ids),
                          columns)
    return {iri[len(event_ns):]: int(value) for iri, value in found.items()}
