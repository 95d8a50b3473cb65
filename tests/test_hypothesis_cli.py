"""Issue 11: random option values and random bytes as files, fed to the main
commands, never give a traceback or an undocumented exit code, and never change
the store (only an import that succeeds may, and dropping it restores it).

Each example runs the real ``kg`` in a fresh process, so the examples are few
(50 in all: about a minute on two idle cores); Hypothesis keeps no database in
the repository (``database=None``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXIT_CODES = {0, 1, 2, 3, 4, 5}  # README, "Exit codes"
GRAPH = "https://w3id.org/sahel-kg/graph/"

SETTINGS = settings(max_examples=30, deadline=None, database=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# what can go in argv: any text without NUL or lone surrogates
argv_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
names = st.one_of(argv_text, st.sampled_from(["JNIM", "Wagner", "goita", "fama", "", "  ", "-", "--", "x" * 300]))
years = st.one_of(st.integers(-10**6, 10**6), st.sampled_from([0, 1, 9999, 10000, 2013]))
day_texts = st.one_of(argv_text, st.sampled_from(["2013", "2013-02", "2013-02-30", "0000", "9999-12-31", "2013-13"]))
counts = st.one_of(st.integers(-10**9, 10**9), st.sampled_from([-1, 0, 1]))
formats = st.one_of(argv_text, st.sampled_from(["table", "json", "csv", "tsv", "xml", "ttl", "nt", "text"]))


def _header(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().split(b"\n", 1)[0] + b"\n"


# random bytes, or a real export's header then random bytes (so the rows are read)
files = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda head, body: head + body,
              st.sampled_from([_header("acled_sample.csv"), _header("ucdp_ged_sample.csv"), b"\x1f\x8b\x08\x00"]),
              st.binary(max_size=3000)),
)


def window() -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.just([]),
        years.map(lambda y: ["--year", str(y)]),
        st.tuples(day_texts, day_texts).map(lambda t: ["--from", t[0], "--to", t[1]]),
        st.tuples(years, day_texts).map(lambda t: ["--year", str(t[0]), "--from", t[1]]),
    )


def fmt_option() -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), formats.map(lambda f: ["--format", f]))


@st.composite
def read_commands(draw) -> list[str]:
    """A command that only reads the store, with random arguments."""
    kind = draw(st.sampled_from(["fought", "timeline", "relations", "actor", "path", "analyze", "stats", "query",
                                 "export", "viz"]))
    w, f = draw(window()), draw(fmt_option())
    if kind == "fought":
        return ["fought", *draw(st.lists(names, max_size=2)), *w, *f]
    if kind == "timeline":
        return ["timeline", *draw(st.lists(names, max_size=1)), *w, *f]
    if kind == "relations":
        return ["relations", draw(names), *draw(st.one_of(st.just([]), argv_text.map(lambda t: ["--type", t]))),
                *w, *f]
    if kind == "actor":
        return ["actor", draw(names), *f]
    if kind == "path":
        return ["path", draw(names), draw(names), *w, "--limit", str(draw(counts)), *f]
    if kind == "analyze":
        return ["analyze", *w, "--top", str(draw(counts)), *f]
    if kind == "stats":
        return ["stats", *f]
    if kind == "query":
        text = draw(st.one_of(argv_text, st.sampled_from([
            "SELECT * WHERE { ?s foo:p ?o }", "ASK {}", "SELECT", "who-fought-in-year", "CONSTRUCT WHERE {}"])))
        params = draw(st.lists(argv_text.map(lambda t: ["--param", t]), max_size=2))
        return ["query", text, *[p for pair in params for p in pair], *f, "--timeout", "10"]
    if kind == "export":
        return ["export", *draw(st.one_of(st.just([]), formats.map(lambda x: ["--format", x]))),
                *draw(st.one_of(st.just([]), argv_text.map(lambda g: ["--graph", g])))]
    return ["viz", "--output", "{tmp}/page.html", *w,
            *draw(st.one_of(st.just([]), st.tuples(names, counts).map(
                lambda t: ["--focus", t[0], "--depth", str(t[1])]))),
            *draw(st.one_of(st.just([]), argv_text.map(lambda r: ["--relations", r])))]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A KG_HOME of its own, the curated graph built in it."""
    home = tmp_path_factory.mktemp("hypothesis-home")
    assert run(home, "stats").returncode == 0
    assert [g for g, _ in snapshot(home)] == [GRAPH + "curated", GRAPH + "ontology"]
    return home


def run(home: Path, *args: str, tmp: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_DATA", None)
    env.pop("KG_ENDPOINT", None)
    argv = [a.replace("{tmp}", str(tmp)) if tmp else a for a in args]
    return subprocess.run([sys.executable, "-m", "kg", *argv], env=env, cwd=tmp or ROOT, capture_output=True,
                          timeout=300)


def snapshot(home: Path) -> list[tuple[str, int]]:
    """The named graphs of the store and their sizes (read directly: a kg run per example would double the time)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(home / "store"))
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    found = [(r["g"].value, int(r["n"].value)) for r in rows]
    del store
    return found


def check(result: subprocess.CompletedProcess) -> None:
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert result.returncode in EXIT_CODES, (result.returncode, stderr)


@SETTINGS
@given(args=read_commands())
def test_random_options_never_break_a_command_or_the_store(home, tmp_path_factory, args):
    before = snapshot(home)
    check(run(home, *args, tmp=tmp_path_factory.mktemp("out")))
    assert snapshot(home) == before


@settings(SETTINGS, max_examples=20)
@given(dataset=st.sampled_from(["acled", "ucdp"]), data=files, strict=st.booleans(),
       country=st.one_of(st.just([]), argv_text.map(lambda c: ["--country", c])))
def test_random_bytes_as_import_files(home, tmp_path_factory, dataset, data, strict, country):
    before = snapshot(home)
    path = tmp_path_factory.mktemp("in") / "export.csv"
    path.write_bytes(data)
    result = run(home, "import", dataset, str(path), *(["--strict"] if strict else []), *country)
    check(result)
    if result.returncode == 0:  # rows random bytes made valid: the import may stand, and drops cleanly
        check(run(home, "drop", dataset))
    assert snapshot(home) == before
