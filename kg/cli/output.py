"""Printing rows as an aligned table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(rows: list[dict[str, Any]], columns: list[str] | None = None, *, out=None) -> None:
    out = out or sys.stdout
    if not rows:
        out.write("(no rows)\n")
        return
    columns = columns or list(rows[0])
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]

    def line(values):
        parts = [(v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths)]
        return "  ".join(parts).rstrip() + "\n"

    out.write(line(columns))
    out.write(line(["-" * w for w in widths]))
    for row in cells:
        out.write(line(row))


def to_json(data: Any, *, out=None) -> None:
    out = out or sys.stdout
    json.dump(data, out, ensure_ascii=False, indent=2, default=_cell)
    out.write("\n")


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None, *, out=None) -> None:
    out = out or sys.stdout
    columns = columns or (list(rows[0]) if rows else [])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])


def emit(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None = None, *, json_data=None) -> None:
    """Print in the chosen format; JSON prints ``json_data`` (all fields) when given."""
    if fmt == "json":
        to_json(json_data if json_data is not None else rows)
    elif fmt == "csv":
        to_csv(rows, columns)
    else:
        table(rows, columns)
