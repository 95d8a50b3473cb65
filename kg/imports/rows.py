"""Streaming a CSV file row by row, keeping each row's line number, so that a
bad row can be reported by line and column without reading the file whole.

Bytes that are not UTF-8 do not stop the reader: the row they are in is
reported (with the column, when it can be told) and the rest of the file is read.

Memory stays bounded whatever the file holds: a physical line is read at most
``MAX_LINE_BYTES`` at a time (a longer one is skipped to its end and reported
as a bad row), and a cell may hold at most ``MAX_FIELD_CHARS`` characters (a
quote left open no longer gathers the rest of the file into one cell). A cell
that runs over lines which look like rows of their own -- a stray quote that
swallowed them -- is reported with the lines it spans, and every row on those
lines counts as skipped (``Row.lost``).
"""

from __future__ import annotations

import csv
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import DataError, Problem
from kg.terminal import file_name

MAX_LINE_BYTES = 4 << 20  # one physical line; ACLED's and GED's rows take about 1 KB
MAX_FIELD_CHARS = 1 << 20  # one cell, even one that runs over several lines
csv.field_size_limit(min(sys.maxsize, MAX_FIELD_CHARS))


_BINARY = {  # how a file that is not CSV text begins, and what it is
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls); save it as CSV (UTF-8)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"SQLite format": "an SQLite database",
    b"PAR1": "a Parquet file; export it as CSV",
    b"BZh": "a bzip2 archive; decompress it first (bunzip2)",
    b"\xfd7zXZ": "an xz archive; decompress it first (unxz)",
    b"7z\xbc\xaf": "a 7-Zip archive; extract the CSV file first",
}


def open_text_bytes(path: Path):
    """(binary stream of CSV text, its size in bytes, how it was compressed) for a .csv,
    a .csv.gz or a .zip holding one CSV file (as UCDP ships GED); DataError for anything else."""
    import gzip
    import zipfile
    import zlib

    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x1f\x8b"):
        try:
            stream = gzip.open(path, "rb")
            stream.peek(1)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError([Problem(file_name(path), 0, None, f"a gzip file that cannot be read ({e})")]) from None
        return stream, path.stat().st_size * 4, "gzip"  # an estimate for the progress bar
    if head.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as e:
            raise DataError([Problem(file_name(path), 0, None, f"a zip file that cannot be read ({e})")]) from None
        members = [i for i in archive.infolist() if not i.is_dir()]
        if any(i.filename.startswith("xl/") for i in members):
            raise DataError([Problem(file_name(path), 0, None, "an Excel workbook (.xlsx), not CSV text; "
                                     "save it as CSV (UTF-8) and import that")])
        csvs = [i for i in members if i.filename.lower().endswith(".csv") and not i.filename.startswith("__MACOSX")]
        if len(csvs) != 1:
            found = ", ".join(i.filename for i in members[:10]) or "nothing"
            raise DataError([Problem(file_name(path), 0, None, f"a zip archive with {len(csvs)} CSV files; expected "
                                     f"exactly one (it holds: {found})")])
        import io

        return io.BufferedReader(archive.open(csvs[0])), csvs[0].file_size, f"zip:{csvs[0].filename}"
    for magic, what in _BINARY.items():
        if head.startswith(magic):
            raise DataError([Problem(file_name(path), 0, None, f"{what}, not CSV text")])
    if b"\0" in head:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            what = "UTF-16 text; save the file as UTF-8 CSV"
        else:
            what = "a binary file, not CSV text"
        raise DataError([Problem(file_name(path), 0, None, what)])
    return open(path, "rb"), path.stat().st_size, None  # noqa: SIM115 (closed by CsvStream.close())


def _csv_error(e: Exception) -> str:
    text = str(e)
    if "new-line character seen in unquoted field" in text:
        return "a line break inside a cell that is not quoted"
    if "field larger than field limit" in text:
        return (f"a cell longer than {MAX_FIELD_CHARS:,} characters, the most one may hold "
                "(a quote left open runs a cell on over the lines after it)")
    return text


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"



class RowError(ValueError):
    """One bad cell: the column and what was wrong with it."""

    def __init__(self, column: str | None, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(slots=True)
class Row:
    line: int
    cells: list[str]
    problem: Problem | None  # set when the row cannot be used as it is
    lost: int = 1  # rows of the file this one stands for: more when a stray quote swallowed some


class CsvStream:
    """Rows of one CSV file after its header; ``bytes_read`` drives a progress bar."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = file_name(self.path)
        self.size = self.path.stat().st_size
        self.bytes_read = 0
        self._bad_lines: list[int] = []
        self._long_lines: list[tuple[int, int]] = []  # (line, bytes) of lines past MAX_LINE_BYTES
        self._width = 0  # the header's cells, once read
        self._rowlike: deque[int] = deque()  # lines with a delimiter per header cell: each looks like a row
        self._file, self.size, self.compression = open_text_bytes(self.path)
        self._reader = csv.reader(self._lines())
        self.header = self._read_header()

    def _raw_lines(self) -> Iterator[bytes]:
        """The file's lines; a compressed file that breaks part-way is a DataError at that line."""
        import zipfile
        import zlib

        n = 0
        try:
            for line in self._undamaged_lines():
                n += 1
                yield line
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
            what = f"the {self.compression.split(':')[0]} file" if self.compression else "the file"
            raise DataError([Problem(self.name, n + 1, None, f"{what} cannot be read from here on ({e}); "
                                     "it may be truncated or damaged: download it again")]) from None

    def _undamaged_lines(self) -> Iterator[bytes]:
        """The file's physical lines, none longer than MAX_LINE_BYTES: a longer one is read
        on to its end in pieces, noted in ``_long_lines`` and given as an empty line."""
        head = self._file.peek(1 << 16)[: 1 << 16] if hasattr(self._file, "peek") else b""
        if b"\r" in head and b"\n" not in head:  # old Mac / spreadsheet line ends: CR alone
            yield from self._cr_lines()
            return
        readline, n = self._file.readline, 0
        while line := readline(MAX_LINE_BYTES + 1):
            n += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                size = len(line)
                while (more := readline(1 << 20)) and not more.endswith(b"\n"):
                    size += len(more)
                self._long_lines.append((n, size + len(more)))
                line = b"\n"
            yield line

    def _cr_lines(self) -> Iterator[bytes]:
        """Lines ended by CR alone, bounded as ``_undamaged_lines`` bounds the others."""
        rest, n, skipped = b"", 0, 0  # skipped: bytes of a line too long, read past so far
        while block := self._file.read(1 << 20):
            *lines, rest = (rest + block).split(b"\r")
            for line in lines:
                n += 1
                if skipped or len(line) > MAX_LINE_BYTES:
                    self._long_lines.append((n, skipped + len(line)))
                    skipped, line = 0, b""
                yield line + b"\n"
            if len(rest) > MAX_LINE_BYTES:
                skipped, rest = skipped + len(rest), b""
        if skipped or rest:
            n += 1
            if skipped:
                self._long_lines.append((n, skipped + len(rest)))
                rest = b""
            yield rest

    def _lines(self) -> Iterator[str]:
        n = 0
        for raw in self._raw_lines():
            n += 1
            self.bytes_read += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines.append(n)
                text = raw.decode("utf-8", "replace")
            if self._width > 1 and text.count(",") >= self._width - 1:
                self._rowlike.append(n)
            yield text

    def _read_header(self) -> list[str]:
        try:
            header = next(self._reader)
        except StopIteration:
            raise DataError([Problem(self.name, 1, None, "the file is empty; expected a CSV header row")]) from None
        except csv.Error as e:
            raise DataError([Problem(self.name, 1, None, f"not a CSV header row ({_csv_error(e)})")]) from None
        if self._long_lines and self._long_lines[0][0] <= self._reader.line_num:
            raise DataError([Problem(self.name, 1, None, f"the header line is {_mb(self._long_lines[0][1])} long, "
                                     f"past the {_mb(MAX_LINE_BYTES)} a line may take; not a CSV header row")])
        if self._bad_lines:
            raise DataError([Problem(self.name, 1, None, "the header is not UTF-8 text; save the file as UTF-8")])
        header = [c.strip().lower() for c in header]
        if header:
            header[0] = header[0].lstrip("\ufeff").strip()
        seen: dict[str, int] = {}
        for i, name in enumerate(header, 1):
            if name and name in seen:
                raise DataError([Problem(self.name, 1, name, f"the column '{name}' appears twice in the header "
                                         f"(columns {seen[name]} and {i}); one would silently override the other: "
                                         "rename or remove one")])
            seen.setdefault(name, i)
        self._width = len(header)
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
                lost = last - line + 1  # a cell past the limit: every line it ran over was a row
                span = f"lines {line}-{last}" if lost > 1 else f"line {line}"
                yield Row(line, [], Problem(self.name, line, None, f"not valid CSV ({span}): {_csv_error(e)}"
                                            + (f"; the {lost} rows on these lines were not imported" if lost > 1 else "")),
                          lost)
                continue
            line = last + 1
            last = reader.line_num
            if self._long_lines and self._long_lines[0][0] <= last:
                long_line, size = self._long_lines[0]
                while self._long_lines and self._long_lines[0][0] <= last:
                    self._long_lines.pop(0)
                yield Row(long_line, [], Problem(
                    self.name, long_line, None,
                    f"the line is {_mb(size)} long, past the {_mb(MAX_LINE_BYTES)} a line may take; "
                    "it was skipped (a row of ACLED or GED takes about 1 KB)"), max(1, last - line + 1))
                continue
            rowlike = self._rowlike
            while rowlike and rowlike[0] <= line:
                rowlike.popleft()
            if last > line and rowlike and rowlike[0] <= last:  # lines inside this row that look like rows
                swallowed = 0
                while rowlike and rowlike[0] <= last:
                    rowlike.popleft()
                    swallowed += 1
                if swallowed:  # a stray quote ran a cell on over them
                    lost = last - line + 1
                    at = next((i for i, c in enumerate(cells) if "\n" in c), None)
                    column = header[at] if at is not None and at < width else None
                    yield Row(line, cells, Problem(
                        self.name, line, column,
                        f"a quote opens a cell here that runs on over lines {line}-{last}, holding {swallowed} "
                        f"line{'s' if swallowed > 1 else ''} that look like rows of their own (a stray quote?); "
                        f"the {lost} rows on these lines were not imported: fix or remove the quote"), lost)
                    continue
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
