"""Public reference lists kept as checklists (``data/reference/``).

Coverage is judged against whole lists, not examples: every item of a list we
work from is either recorded (its ``status`` is the id of the event that
records it) or excluded with a reason. ``kg check`` reports items without a
status and statuses that name no event; ``kg stats --coverage`` counts, per
list, what is recorded and what is excluded. The lists are not part of the
graph: they are the yardstick the graph is measured with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import Problem
from kg.graph.tables import Row, read_table

FOLDER = "reference"
INDEX = "lists.csv"
INDEX_COLUMNS = ("file", "source", "scope")
COLUMNS = ("date", "place", "country", "name", "deaths", "status", "reason", "note")
EXCLUDED = "excluded"
REASONS = ("out_of_scope", "under_threshold", "duplicate", "unverifiable")
# Reasons that take an item out of the list's scope: not an event the graph should hold (the scope
# rule of data/README.md), or one it already counts. An unverifiable item stays in scope.
OUT_OF_SCOPE = ("out_of_scope", "under_threshold", "duplicate")
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_DEATHS = re.compile(r"\d")  # a toll as the list writes it: "21", "20-30", "9 (+20)", "at least 50"


@dataclass(frozen=True)
class Item:
    """One item of a reference list, as the list gives it, with what became of it."""

    row: Row

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def reason(self) -> str:
        return self.row["reason"]

    @property
    def recorded(self) -> bool:
        return bool(self.status) and self.status != EXCLUDED

    @property
    def excluded(self) -> bool:
        return self.status == EXCLUDED


@dataclass(frozen=True)
class ReferenceList:
    """One checklist: its file, the source row of the public list, what of it was kept."""

    file: str
    source: str
    scope: str
    line: int
    items: tuple[Item, ...]


def read_lists(data_dir: Path, problems: list[Problem]) -> list[ReferenceList]:
    """Every checklist named in ``reference/lists.csv``; what is malformed goes to ``problems``
    (file, line, column), and a checklist file the index does not name is a problem too."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    index = read_table(folder / INDEX, INDEX_COLUMNS, problems, label=f"{FOLDER}/{INDEX}")
    lists = []
    named = set()
    for entry in index:
        name = entry["file"]
        if not name or "/" in name or not name.endswith(".csv") or name == INDEX:
            problems.append(entry.problem("file", f"'{name}' is not a checklist file name (NAME.csv in {FOLDER}/)"))
            continue
        if name in named:
            problems.append(entry.problem("file", f"'{name}' is named twice"))
            continue
        named.add(name)
        if not entry["source"]:
            problems.append(entry.problem("source", "is empty; give the id of the list's row in sources.csv"))
        path = folder / name
        if not path.is_file():
            problems.append(entry.problem("file", f"no such file: {FOLDER}/{name}"))
            continue
        rows = read_table(path, COLUMNS, problems, label=f"{FOLDER}/{name}")
        for row in rows:
            _check_row(row, problems)
        lists.append(ReferenceList(name, entry["source"], entry["scope"], entry.line, tuple(Item(r) for r in rows)))
    for path in sorted(folder.glob("*.csv")):
        if path.name != INDEX and path.name not in named:
            problems.append(Problem(f"{FOLDER}/{INDEX}", 0, "file",
                                    f"{FOLDER}/{path.name} is a checklist that lists.csv does not name; add a row "
                                    "for it (file, source, scope)"))
    return lists


def _check_row(row: Row, problems: list[Problem]) -> None:
    """The cells every item must have right, whatever its status."""
    if row["date"] and not _DATE.fullmatch(row["date"]):
        problems.append(row.problem("date", f"'{row['date']}' is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD"))
    if row["deaths"] and not _DEATHS.search(row["deaths"]):
        problems.append(row.problem("deaths", f"'{row['deaths']}' is not a toll; expected the number as the "
                                              "list gives it (21, 20-30, at least 50) or empty"))
    if not row["name"]:
        problems.append(row.problem("name", "is empty; give the item's name or a short label"))
    status, reason = row["status"], row["reason"]
    if status == EXCLUDED and reason not in REASONS:
        problems.append(row.problem("reason", f"'{reason}' is not a reason to exclude; expected one of: "
                                              f"{', '.join(REASONS)}"))
    if status not in ("", EXCLUDED) and reason:
        problems.append(row.problem("reason", f"a recorded item has no reason to be excluded ('{reason}'); "
                                              "empty it, or set status to excluded"))


def item_findings(lists: Iterable[ReferenceList], event_ids: set[str],
                  source_ids: set[str]) -> list[tuple[str, str, int, str]]:
    """(severity, file, line, message) for what ``kg check`` reports: a list whose source row
    is missing and a status naming no event (errors); an item without a status (a warning:
    the list is not accounted for yet)."""
    found: list[tuple[str, str, int, str]] = []
    for ref in lists:
        if ref.source and ref.source not in source_ids:
            found.append(("error", f"{FOLDER}/{INDEX}", ref.line,
                          f"source '{ref.source}' of {ref.file} is not in sources.csv"))
        for item in ref.items:
            if not item.status:
                found.append(("warning", item.row.file, item.row.line, f"item '{item.row['name']}' ({item.row['date']}) of "
                                                f"{ref.file} has no status: the event id that records it, "
                                                f"or excluded with a reason"))
            elif item.recorded and item.status not in event_ids:
                found.append(("error", item.row.file, item.row.line, f"status '{item.status}' of item '{item.row['name']}' names no "
                                              f"event in events.csv"))
    return found


def accounting(lists: Iterable[ReferenceList]) -> list[dict]:
    """Per list: its items, how many are recorded, excluded (and why), without a status, and
    the share of the items in scope (all but those out of scope, under the threshold or duplicates) recorded."""
    rows = []
    for ref in lists:
        items = ref.items
        recorded = sum(i.recorded for i in items)
        excluded = [i for i in items if i.excluded]
        in_scope = len(items) - sum(i.reason in OUT_OF_SCOPE for i in excluded)
        rows.append({
            "list": ref.file.removesuffix(".csv"),
            "source": ref.source,
            "items": len(items),
            "recorded": recorded,
            "excluded": len(excluded),
            "no status": sum(not i.status for i in items),
            "in scope": in_scope,
            "recorded of in scope": f"{100 * recorded / in_scope:.0f} %" if in_scope else "-",
            "excluded share": f"{100 * len(excluded) / len(items):.0f} %" if items else "-",
        })
    return rows


def total(rows: list[dict]) -> dict:
    """The accounting of all lists together (an item in two lists counts twice)."""
    items = sum(r["items"] for r in rows)
    recorded = sum(r["recorded"] for r in rows)
    excluded = sum(r["excluded"] for r in rows)
    in_scope = sum(r["in scope"] for r in rows)
    return {"list": "all lists", "source": "", "items": items, "recorded": recorded, "excluded": excluded,
            "no status": sum(r["no status"] for r in rows), "in scope": in_scope,
            "recorded of in scope": f"{100 * recorded / in_scope:.0f} %" if in_scope else "-",
            "excluded share": f"{100 * excluded / items:.0f} %" if items else "-"}
