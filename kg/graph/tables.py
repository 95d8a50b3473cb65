"""Reading the curated CSV files, keeping every row's line number so that
each problem can name file, line and column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kg.errors import Problem

# The columns of each curated file, in order (see data/README.md).
ALIASES_FILE = "aliases.csv"
ALIAS_COLUMNS = ("name", "dataset", "country", "from", "to", "actor", "source")  # of data/aliases.csv
# Optional files beside the big tables (so that adding a French name or a checked Wikidata
# id does not touch the rows other curators are editing): data/README.md.
LABELS_FR_FILE = "labels_fr.csv"
LABELS_FR_COLUMNS = ("id", "label_fr", "aliases_fr", "sources")
WIKIDATA_FILE = "wikidata.csv"
WIKIDATA_COLUMNS = ("id", "qid", "wikidata_label", "wikidata_type", "checked_on", "source")
OPTIONAL_FILES = (ALIASES_FILE, LABELS_FR_FILE, WIKIDATA_FILE)
COLUMNS: dict[str, tuple[str, ...]] = {
    "sources.csv": ("id", "title", "publisher", "date", "url", "kind", "note"),
    "actors.csv": (
        "id", "label", "type", "subtype", "aliases", "wikidata",
        "founded", "dissolved", "country", "description", "sources",
    ),
    "places.csv": ("id", "label", "type", "country", "lat", "lon", "wikidata", "aliases", "sources"),
    "relations.csv": (
        "id", "subject", "relation", "object", "start", "end", "certainty", "sources", "note",
    ),
    "events.csv": (
        "id", "label", "type", "start", "end", "place", "fatalities", "fatalities_low",
        "fatalities_high", "wikidata", "description", "sources",
    ),
    "event_participants.csv": ("event", "actor", "role", "side"),
}


def data_files(data_dir: Path) -> list[Path]:
    """Every file the build reads: what the cache fingerprint covers. Here, beside the
    table layouts, so that opening the store (kg.store.cache) does not import kg.graph.build."""
    return [data_dir / "dataset.toml", *(data_dir / name for name in COLUMNS),
            *(data_dir / name for name in OPTIONAL_FILES)]


@dataclass(frozen=True)
class Row:
    """One data row: its cells by column name, and where it stands."""

    file: str
    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    def problem(self, column: str | None, message: str) -> Problem:
        return Problem(self.file, self.line, column, message)


def read_table(
    path: Path, columns: tuple[str, ...], problems: list[Problem], *, label: str | None = None
) -> list[Row]:
    """Rows of one CSV file; every problem found is appended to ``problems``.

    Rows with the wrong number of cells are reported and left out, so that
    the remaining checks still run and all errors come out at once.
    """
    name = label or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, 0, None, f"file is missing (looked for {path})"))
        return []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(
            Problem(
                name, line, None,
                f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8",
            )
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    header: list[str] | None = None
    try:
        for record in reader:
            line = reader.line_num
            if header is None:
                header = [h.strip() for h in record]
                missing = [c for c in columns if c not in header]
                extra = [h for h in header if h not in columns]
                if missing or extra or tuple(header) != columns:
                    msg = f"header must be: {','.join(columns)}"
                    if missing:
                        msg += f"; missing: {', '.join(missing)}"
                    if extra:
                        msg += f"; unexpected: {', '.join(extra)}"
                    problems.append(Problem(name, line, None, msg))
                    return []
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                problems.append(
                    Problem(name, line, None, f"expected {len(columns)} cells, found {len(record)}")
                )
                continue
            rows.append(Row(name, line, {c: v.strip() for c, v in zip(columns, record)}))
    except csv.Error as e:
        problems.append(Problem(name, reader.line_num, None, f"malformed CSV: {e}"))
    if header is None:
        problems.append(Problem(name, 1, None, f"empty file; header must be: {','.join(columns)}"))
    return rows


def split_list(cell: str) -> list[str]:
    """Cells holding lists separate items with ';'."""
    return [item.strip() for item in cell.split(";") if item.strip()]
