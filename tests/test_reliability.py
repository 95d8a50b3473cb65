"""Issue 11: user mistakes get ``Error: ...`` and the documented exit code, never a
traceback; queries are bounded in time and streamed; CSV written for people is
safe to open in a spreadsheet; files get the user's umask."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

# every triple with every triple: 160M rows on the curated graph, yielded lazily
CROSS_JOIN = "SELECT * { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }"
# the same, sorted: the engine must see every row before the first comes out
SORTED_CROSS_JOIN = CROSS_JOIN + " ORDER BY ?f ?c"


def fails(result, code: int, message: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == code, (result.code, result.stderr)
    assert result.stderr.startswith("Error: ") or "\nError: " in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


# -- years ---------------------------------------------------------------------


@pytest.mark.parametrize("year", ["99999", "-5", "0", "10000"])
def test_fought_year_out_of_range(kg, year):
    fails(kg("fought", "JNIM", "--year", year), 2, f"year {year} is out of range; expected a year from 1 to 9999")


def test_timeline_year_out_of_range(kg):
    fails(kg("timeline", "--year", "99999"), 2, "year 99999 is out of range")


@pytest.mark.parametrize("command", [("relations", "JNIM"), ("path", "JNIM", "Wagner"), ("analyze",),
                                     ("viz", "-o", "/dev/null")])
def test_other_commands_year_out_of_range(kg, command):
    fails(kg(*command, "--year", "123456"), 2, "year 123456 is out of range")


def test_year_zero_in_a_window(kg):
    fails(kg("fought", "JNIM", "--from", "0000"), 2, "there is no year 0; years run 0001..9999")


def test_library_snapshot_year_out_of_range():
    from kg.ask.network import as_window
    from kg.errors import UsageError

    with pytest.raises(UsageError, match="year 99999 is out of range"):
        as_window(99999)
    assert as_window(2013).start.year == 2013


def test_the_edges_of_the_range_are_answers(kg):
    assert kg("fought", "JNIM", "--year", "1").code == 0
    assert kg("timeline", "--year", "9999").code == 0


# -- output files ----------------------------------------------------------------


def test_viz_output_is_a_directory(kg, tmp_path):
    fails(kg("viz", "-o", str(tmp_path)), 2, f"cannot write {tmp_path}: it is a directory")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_viz_output_where_no_file_can_be_made(kg):
    fails(kg("viz", "-o", "/proc/x.html"), 2, "cannot write /proc/x.html: cannot create a file in /proc")


def test_export_output_under_a_file(kg, tmp_path):
    (tmp_path / "file").write_text("mine")
    fails(kg("export", "-o", str(tmp_path / "file" / "out.ttl")), 2, "cannot create the folder")
    assert (tmp_path / "file").read_text() == "mine"


def _run_with_umask(umask: int, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KG_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300, preexec_fn=lambda: os.umask(umask))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_output_files_get_the_umask(kg_home, tmp_path, umask, mode):
    out = tmp_path / "graph.ttl"
    result = _run_with_umask(umask, "export", "-f", "ttl", "-o", str(out), home=kg_home)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == mode


def test_an_overwritten_file_keeps_its_mode(tmp_path):
    from kg.output_files import write_atomically

    out = tmp_path / "page.html"
    out.write_text("old")
    out.chmod(0o604)
    write_atomically(out, b"new")
    assert out.read_bytes() == b"new" and out.stat().st_mode & 0o777 == 0o604


# -- query files and SPARQL ---------------------------------------------------------


def test_query_file_that_is_binary(kg):
    fails(kg("query", "--file", sys.executable), 2, f"--file {sys.executable}: not a UTF-8 text file")


def test_query_on_stdin_that_is_binary(kg_home):
    proc = subprocess.run([sys.executable, "-m", "kg", "query", "-"], input=b"\x00\xff\xfe binary",
                          capture_output=True, env={**os.environ, "KG_HOME": str(kg_home)}, cwd=ROOT, timeout=300)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"Error: the query on stdin is not UTF-8 text" in proc.stderr


def test_unknown_prefix_names_it_and_the_known_ones(kg):
    result = kg("query", "SELECT ?s WHERE {\n  ?s foo:bar ?o }")
    fails(result, 3, "unknown prefix 'foo:' at line 2, column 6; known: skg:, actor:, place:")
    assert "PREFIX foo: <...>" in result.stderr
    assert "\\u{" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_declared_prefix_is_not_unknown():
    from kg.store.sparql import unknown_prefixes

    text = 'PREFIX ex: <http://e.org/x#>\nSELECT * { ?s ex:p "foo:bar" ; <http://e.org/a:b> ?o . ?o skg:x _:b } # zz:'
    assert unknown_prefixes(text) == []
    assert unknown_prefixes("ASK { ?s :p ?o . ?s wdt:P31 ?o }") == [("", 1, 10), ("wdt", 1, 21)]


# -- names and counts ----------------------------------------------------------------


@pytest.mark.parametrize("args", [("fought", ""), ("fought", "   "), ("fought", "JNIM", ""), ("actor", ""),
                                  ("timeline", " "), ("relations", ""), ("path", "JNIM", ""),
                                  ("viz", "--focus", "", "-o", "/dev/null")])
def test_empty_names_are_an_error(kg, args):
    fails(kg(*args), 2, "is empty; give an actor's id, name or alias")


@pytest.mark.parametrize(("args", "option"), [(("analyze", "--top", "-3"), "--top"),
                                              (("viz", "--focus", "JNIM", "--depth", "-1"), "--depth"),
                                              (("path", "JNIM", "Wagner", "--limit", "-2"), "--limit"),
                                              (("path", "JNIM", "Wagner", "--limit", "0"), "--limit"),
                                              (("query", "--timeout", "-1", "ASK {}"), "--timeout")])
def test_negative_counts_are_refused(kg, args, option):
    result = kg(*args)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert f"Invalid value for '{option}'" in result.stderr and "is not in the range" in result.stderr


# -- bounded, streamed queries ---------------------------------------------------------


def test_a_lazy_cross_join_stops_at_the_timeout(kg):
    started = time.monotonic()
    result = kg("query", CROSS_JOIN, "--format", "csv", "--timeout", "2")
    fails(result, 3, "the query timed out after 2 s")
    assert result.stdout.startswith("a,b,c,d,e,f,g,h\n")  # what came before the limit was written
    assert time.monotonic() - started < 120  # it stopped; without a limit it would run for hours


def test_a_blocking_sort_stops_at_the_timeout(kg):
    result = kg("query", SORTED_CROSS_JOIN, "--timeout", "2")
    fails(result, 3, "the query timed out after 2 s")
    assert result.stdout == ""


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone_soon(pid: int) -> bool:
    """Whether the query child has gone within 5 s."""
    for _ in range(100):
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def _kg_process(kg_home, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "KG_HOME": str(kg_home)}, cwd=ROOT)


def _query_child(process: subprocess.Popen) -> int:
    for _ in range(600):
        children = _children(process.pid)
        if children:
            return children[0]
        time.sleep(0.05)
    raise AssertionError("no query process started")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_rows_are_streamed_and_a_closed_pipe_ends_quietly(kg, kg_home, fmt):
    kg("stats")  # the store is built
    process = _kg_process(kg_home, "query", CROSS_JOIN, "--format", fmt, "--timeout", "0")
    child = _query_child(process)
    first = process.stdout.read(32768)
    # rows arrived while the query is still running: they were streamed, not collected
    assert process.poll() is None and len(first) == 32768
    if fmt == "json":
        assert first.startswith(b'{"head":{"vars":["a","b","c","d","e","f","g","h"]},"results":{"bindings":[{')
    else:
        assert len(first.splitlines()) > 3
    process.stdout.close()  # what `| head -3` does
    assert process.wait(timeout=60) in (0, 1)
    assert b"Traceback" not in process.stderr.read()
    assert _gone_soon(child)


def test_a_paused_reader_does_not_use_up_the_timeout(kg, kg_home):
    """`kg query ... | less` left on screen: the limit counts the engine's time, not the reader's."""
    kg("stats")
    process = _kg_process(kg_home, "query", CROSS_JOIN, "--format", "csv", "--timeout", "3")
    time.sleep(6)  # the pipe fills, kg and its query wait for the reader
    assert process.poll() is None
    assert len(process.stdout.read(2_000_000)) == 2_000_000  # and it goes on once read
    process.stdout.close()
    assert process.wait(timeout=60) in (0, 1)
    assert b"timed out" not in process.stderr.read()


def test_ctrl_c_stops_a_query_with_exit_130(kg, kg_home):
    kg("stats")
    process = _kg_process(kg_home, "query", SORTED_CROSS_JOIN, "--timeout", "0")
    child = _query_child(process)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert b"Traceback" not in process.stderr.read()
    assert _gone_soon(child)


def test_library_query_has_a_timeout_on_disk_and_in_memory(store, curated):
    import kg
    from kg.store.query_process import QueryTimeoutError

    for where in (store, curated):
        with pytest.raises(QueryTimeoutError, match="timed out after 1 s"):
            kg.query(CROSS_JOIN, store=where, timeout=1)
    with pytest.raises(QueryTimeoutError):
        kg.query(SORTED_CROSS_JOIN, store=store, timeout=1)  # on disk, even a blocking query


def test_library_stream_gives_the_rows_as_they_come(store):
    from kg.ask.query import stream

    with stream(CROSS_JOIN, store=store, timeout=0) as answer:
        assert answer.columns == ["a", "b", "c", "d", "e", "f", "g", "h"]
        rows = answer.rows()
        first = [next(rows) for _ in range(3)]
    assert all(set(r) == set(answer.columns) for r in first)


def test_the_same_answers_through_the_query_process(store, curated):
    import kg

    text = "SELECT ?b WHERE { GRAPH ?g { actor:jnim skg:fought ?b } } ORDER BY ?b"
    assert kg.query(text, store=store).rows == kg.query(text, store=curated).rows == store.select(text)
    assert kg.query("ASK { GRAPH ?g { actor:jnim skg:fought actor:wagner_group } }", store=store).boolean is True
    data = kg.query(text, store=store, fmt="csv").data
    assert data.decode().splitlines()[0] == "b" and len(data.splitlines()) == len(store.select(text)) + 1


# -- spreadsheet-safe CSV ---------------------------------------------------------------


FORMULA = '=HYPERLINK("http://evil.example","JNIM")'
AT_FORMULA = "@SUM(1+1)"


@pytest.fixture(scope="module")
def formula_data(tmp_path_factory) -> tuple[Path, Path]:
    """The real data with actor labels that a spreadsheet would run, and its own store."""
    root = tmp_path_factory.mktemp("formula")
    data = root / "data"
    shutil.copytree(DATA, data)
    rows = list(csv.reader((data / "actors.csv").open(encoding="utf-8", newline="")))
    aliases = rows[0].index("aliases")
    for row in rows:
        if row[0] in ("jnim", "wagner_group"):  # the old label kept as an alias: wikidata.csv checks it
            row[aliases] = ";".join(filter(None, [row[aliases], row[1]]))
            row[1] = FORMULA if row[0] == "jnim" else AT_FORMULA
    with (data / "actors.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return data, root / "home"


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


@pytest.mark.parametrize("args", [("fought", "JNIM"), ("timeline", "JNIM"), ("relations", "Wagner"),
                                  ("export",), ("stats",)])
def test_csv_for_people_never_starts_a_cell_with_a_formula(kg, formula_data, args):
    data, home = formula_data
    result = kg(*args, "--format", "csv", data=data, home=home)
    assert result.code == 0, result.stderr
    cells = _cells(result.stdout)
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()]
    if args[0] != "stats":
        assert any(c.startswith("'" + FORMULA) or c.startswith("'" + AT_FORMULA) for c in cells)


def test_sparql_results_csv_stays_standard(kg, formula_data):
    data, home = formula_data
    result = kg("query", 'SELECT ?l WHERE { GRAPH ?g { actor:jnim rdfs:label ?l FILTER(LANG(?l) = "en") } }', "-f", "csv",
                data=data, home=home)
    assert result.code == 0, result.stderr
    assert _cells(result.stdout) == ["l", FORMULA]


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=x", "'\t=x"),
    ("\r=x", "'\r=x"), ("-5", "-5"), ("+3.25", "+3.25"), ("-1e3", "-1e3"), ("JNIM", "JNIM"), ("", ""),
    ("2013 – ongoing", "2013 – ongoing"), ("- ", "'- "),
])
def test_safe_cell(cell, safe):
    from kg.safe_csv import safe_cell

    assert safe_cell(cell) == safe
