"""Printing rows as an aligned table, JSON or CSV (its cells safe to open in a spreadsheet)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from itertools import islice
from typing import Any

from kg.safe_csv import SafeWriter
from kg.terminal import escape_controls

TABLE_SAMPLE = 100  # rows that set a streamed table's column widths


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


MAX_WIDTH = 64  # a column is cut beyond this, with "…"; a SHA-256 (64 hex digits) fits whole
def _table_cell(value: Any) -> str:
    """A cell of an aligned table: control characters escaped before the widths are counted."""
    return escape_controls(_cell(value))


def table(rows: Iterable[dict[str, Any]], columns: list[str] | None = None, *, out=None, lang: str = "en") -> None:
    """An aligned table. Rows may come from an iterator: the first TABLE_SAMPLE set the
    column widths, and every line is written (and flushed) as its row arrives. The headers
    are the column keys, in ``lang`` (kg/locale: a table is for people; JSON and CSV keep the keys)."""
    from kg.messages import translate

    out = out or sys.stdout
    rows = iter(rows)
    sample = list(islice(rows, TABLE_SAMPLE))
    if not sample:
        out.write(translate("(no rows)", lang) + "\n")
        return
    columns = columns or list(sample[0])
    keys, columns = columns, [escape_controls(str(c)) for c in columns]
    cells = [[_table_cell(r.get(k)) for k in keys] for r in sample]
    headers = [translate(c, lang) for c in columns]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    widths = [min(w, MAX_WIDTH) for w in widths]

    def line(values):
        parts = [(v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths)]
        return "  ".join(parts).rstrip() + "\n"

    out.write(line(headers))
    out.write(line(["-" * w for w in widths]))
    for row in cells:
        out.write(line(row))
    out.flush()
    for r in rows:
        out.write(line([_table_cell(r.get(k)) for k in keys]))


def to_json(data: Any, *, out=None) -> None:
    out = out or sys.stdout
    json.dump(data, out, ensure_ascii=False, indent=2, default=_cell)
    out.write("\n")


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None, *, out=None) -> None:
    out = out or sys.stdout
    columns = columns or (list(rows[0]) if rows else [])
    writer = SafeWriter(out)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])


def emit(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None = None, *, json_data=None,
         lang: str = "en") -> None:
    """Print in the chosen format; JSON prints ``json_data`` (all fields) when given. ``lang``
    translates a table's headers; JSON keys and CSV headers stay as they are, for scripts."""
    if fmt == "json":
        to_json(json_data if json_data is not None else rows)
    elif fmt == "csv":
        to_csv(rows, columns)
    else:
        table(rows, columns, lang=lang)


def echo(text: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line for people: on stdout (a TerminalText, see kg.terminal) or stderr,
    control characters from data escaped on both. Not click's echo, which writes UTF-8
    to a stdout whose encoding is ASCII instead of that encoding."""
    out = sys.stderr if err else sys.stdout
    out.write(escape_controls(str(text)) + ("\n" if nl else ""))
    if err:
        out.flush()
