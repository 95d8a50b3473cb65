"""Import files built to hurt: a stray quote that swallows rows, a duplicated header column,
a line of many megabytes, a gzip bomb of one endless cell. Every lost row is counted, each
problem names its lines, and memory stays bounded (the peaks are in bench/README.md,
measured by bench/bench_memory.py; here the reader is checked to keep no long line whole)."""

from __future__ import annotations

import gzip
import json
import resource
from pathlib import Path

import pytest

from kg.errors import DataError
from kg.imports.rows import MAX_FIELD_CHARS, MAX_LINE_BYTES, CsvStream

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "acled_sample.csv"


def sample_lines() -> tuple[str, list[str]]:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    return header, rows


def with_stray_quote(tmp_path: Path, at: int, cell: int = 27) -> Path:
    """The sample with a quote opening cell ``cell`` (notes) of data row ``at`` and never closed
    on that line: it runs on over the rows after it, to the end of the file."""
    header, rows = sample_lines()
    cells = rows[at].split(",")
    cells[cell] = '"' + cells[cell]
    rows[at] = ",".join(cells)
    path = tmp_path / "acled_stray_quote.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def test_a_stray_quote_is_reported_with_the_lines_it_swallowed(tmp_path):
    path = with_stray_quote(tmp_path, 3)
    stream = CsvStream(path)
    try:
        rows = list(stream)
    finally:
        stream.close()
    bad = [r for r in rows if r.problem is not None]
    assert len(bad) == 1
    total = len(sample_lines()[1])
    assert bad[0].lost == total - 3  # rows 4..end of the file (lines 5..26)
    message = str(bad[0].problem)
    assert f"lines 5-{total + 1}" in message and "stray quote" in message
    assert f"the {total - 3} rows on these lines were not imported" in message
    assert sum(r.lost for r in rows) == total  # every row of the file is accounted for


def test_a_stray_quote_that_swallows_one_row_counts_two_lost(tmp_path):
    """A quote opened in one row's notes and closed by a quote inside the next row's notes:
    the two rows merge into one of the wrong width; both are counted, not one."""
    header, rows = sample_lines()
    first, second = rows[5].split(","), rows[6].split(",")
    first[27] = '"' + first[27]
    second[27] = second[27] + '" and more'
    rows[5], rows[6] = ",".join(first), ",".join(second)
    path = tmp_path / "acled_merged.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    stream = CsvStream(path)
    try:
        read = list(stream)
    finally:
        stream.close()
    bad = [r for r in read if r.problem is not None]
    assert len(bad) == 1 and bad[0].lost == 2 and bad[0].line == 7
    assert "runs on over lines 7-8" in str(bad[0].problem)
    assert sum(r.lost for r in read) == len(rows)


def test_the_import_report_counts_every_swallowed_row(kg, tmp_path):
    path = with_stray_quote(tmp_path, 10)
    result = kg("import", "acled", str(path), "--format", "json", home=tmp_path / "home")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    total = len(sample_lines()[1])
    assert report["rows"] == total
    assert report["skipped"] == total - 10 and report["problem_count"] == 1
    assert report["events"] + report["skipped"] + report["filtered"] + report["duplicates"] <= total
    text = kg("import", "acled", str(path), "--replace", home=tmp_path / "home")
    assert f"{total - 10} rows skipped" in text.stdout
    assert f"skipped rows (1 problems; {total - 10} rows lost in all)" in text.stdout


def test_a_quoted_cell_over_two_lines_is_still_one_good_row(tmp_path):
    header, rows = sample_lines()
    cells = rows[0].split(",")
    cells[27] = '"' + cells[27] + '\nsecond line, of the note"'
    path = tmp_path / "acled_multiline.csv"
    path.write_text(header + ",".join(cells) + "".join(rows[1:]), encoding="utf-8")
    stream = CsvStream(path)
    try:
        rows_read = list(stream)
    finally:
        stream.close()
    assert all(r.problem is None for r in rows_read)
    assert "second line, of the note" in rows_read[0].cells[27]


def test_a_duplicated_header_column_is_an_error_naming_it(tmp_path):
    header, rows = sample_lines()
    path = tmp_path / "acled_dup.csv"
    path.write_text(header.rstrip("\n") + ",notes\n" + "".join(r.rstrip("\n") + ",x\n" for r in rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"acled_dup.csv:1, column 'notes': the column 'notes' appears twice "
                                        r"in the header \(columns 28 and 32\)"):
        CsvStream(path)


def test_a_duplicated_header_through_the_cli_exits_1(kg, tmp_path):
    header, rows = sample_lines()
    path = tmp_path / "acled_dup.csv"
    path.write_text("fatalities," + header + "".join("1," + r for r in rows), encoding="utf-8")
    result = kg("import", "acled", str(path), home=tmp_path / "home")
    assert result.code == 1
    assert "the column 'fatalities' appears twice in the header (columns 1 and 30)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_line_past_the_limit_is_one_bad_row_read_in_bounded_memory(tmp_path):
    header, rows = sample_lines()
    path = tmp_path / "acled_long_line.csv"
    long_line = "x" * (3 * MAX_LINE_BYTES) + "\n"  # 12 MB with no line end until its last byte
    path.write_text(header + "".join(rows[:2]) + long_line + "".join(rows[2:]), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stream = CsvStream(path)
    try:
        read = list(stream)
    finally:
        stream.close()
    grew_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    bad = [r for r in read if r.problem is not None]
    assert len(bad) == 1 and bad[0].line == 4
    assert "the line is 12.6 MB long, past the 4.2 MB a line may take" in str(bad[0].problem)
    assert len([r for r in read if r.problem is None]) == len(rows)  # the rows after it are read
    assert grew_kb * 1024 < 2 * MAX_LINE_BYTES  # never the whole 12 MB line at once (nor its copies)


def test_a_gzip_bomb_of_one_open_cell_is_refused_at_the_field_limit(tmp_path):
    """A quote opened and never closed, then 10 MB of lines: one problem naming its lines; the reader
    holds at most one cell's worth."""
    header, rows = sample_lines()
    path = tmp_path / "acled_bomb.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        cells = rows[0].split(",")
        cells[27] = '"' + cells[27]
        f.write(header + ",".join(cells))
        f.write(("y" * 99 + "\n") * 100_000)
        f.write("".join(rows[1:]))
    stream = CsvStream(path)
    try:
        read = list(stream)
    finally:
        stream.close()
    problems = [str(r.problem) for r in read if r.problem is not None]
    assert problems and f"a cell longer than {MAX_FIELD_CHARS:,} characters" in problems[0]
    assert "rows on these lines were not imported" in problems[0]


def test_a_header_line_past_the_limit_is_refused(tmp_path):
    path = tmp_path / "one_line.csv"
    with open(path, "w") as f:
        for _ in range(6):
            f.write("a," * (MAX_LINE_BYTES // 10))
    with pytest.raises(DataError, match="the header line is .* MB long"):
        CsvStream(path)


def test_cr_only_line_ends_are_bounded_too(tmp_path):
    header, rows = sample_lines()
    path = tmp_path / "acled_cr.csv"
    text = header + "".join(rows[:2]) + "z" * (2 * MAX_LINE_BYTES) + "\n" + "".join(rows[2:])
    path.write_bytes(text.replace("\n", "\r").encode())
    stream = CsvStream(path)
    try:
        read = list(stream)
    finally:
        stream.close()
    bad = [r for r in read if r.problem is not None]
    assert len(bad) == 1 and bad[0].line == 4 and "past the" in str(bad[0].problem)
    assert len(read) - 1 == len(rows)
