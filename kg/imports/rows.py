"""Streaming a CSV file row by row, keeping each row's line number, so that a
bad row can be reported by line and column without reading the file whole.

Bytes that are not UTF-8 do not stop the reader: the row they are in is
reported (with the column, when it can be told) and the rest of the file is read.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(slots=True)
class Row:
    line: int
    cells: list[str]
    problem: Problem | None  # set when the row cannot be used as it is


class CsvStream:
    """Rows of one CSV file after its header; ``bytes_read`` drives a progress bar."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = self.path.name
        self.size = self.path.stat().st_size
        self.bytes_read = 0
        self._bad_lines: list[int] = []
        self._file = open(self.path, "rb")  # noqa: SIM115 (closed by close())
        self._reader = csv.reader(self._lines())
        self.header = self._read_header()

    def _lines(self) -> Iterator[str]:
        n = 0
        for raw in self._file:
            n += 1
            self.bytes_read += len(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines.append(n)
                yield raw.decode("utf-8", "replace")

    def _read_header(self) -> list[str]:
        try:
            header = next(self._reader)
        except StopIteration:
            raise DataError([Problem(self.name, 1, None, "the file is empty; expected a CSV header row")]) from None
        except csv.Error as e:
            raise DataError([Problem(self.name, 1, None, f"not a CSV header row ({e})")]) from None
        if self._bad_lines:
            raise DataError([Problem(self.name, 1, None, "the header is not UTF-8 text; save the file as UTF-8")])
        header = [c.strip().lower() for c in header]
        if header:
            header[0] = header[0].lstrip("\ufeff")
        return header

    def close(self) -> None:
        self._file.close()

    def __iter__(self) -> Iterator[Row]:
        reader, width, header = self._reader, len(self.header), self.header
        last = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                line = last + 1
                last = reader.line_num
                yield Row(line, [], Problem(self.name, line, None, f"not valid CSV: {e}"))
                continue
            line = last + 1
            last = reader.line_num
            if self._bad_lines and self._bad_lines[0] <= last:
                while self._bad_lines and self._bad_lines[0] <= last:
                    bad = self._bad_lines.pop(0)
                column = next((header[i] for i, c in enumerate(cells) if "\ufffd" in c and i < width), None)
                yield Row(bad, cells, Problem(
                    self.name, bad, column,
                    "bytes that are not UTF-8; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
                ))
                continue
            if len(cells) != width:
                if not cells or cells == [""]:
                    continue  # a blank line
                yield Row(line, cells, Problem(
                    self.name, line, None,
                    f"has {len(cells)} cells, expected {width} (one per column of the header)",
                ))
                continue
            yield Row(line, cells, None)
