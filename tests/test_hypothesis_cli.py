"""Issue 11: random option values and random bytes as files, fed to the main
commands, never give a traceback or an undocumented exit code, and never change
the store (only an import that succeeds may, and dropping it restores it).

Issue 26 adds: every numeric option given any number (inf, nan, 1e308, 40 digits),
named-query parameters of any text, the environment (PYTHONIOENCODING, LANG=C,
TZ), file names of arbitrary bytes, and ``$KG_HOME`` links of every kind.

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
EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}  # README, "Exit codes"
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
    # PYTHONPATH: run from another folder, `python -m kg` must still find this tree's kg,
    # not the one an editable install points to
    env = {**os.environ, "KG_HOME": str(home), "PYTHONPATH": str(ROOT)}
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


# -- issue 26: numbers, parameters, environment, file names, links --------------------

number_texts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**45, 10**45).map(str),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "1e308", "-1e308", "1e-320", "0", "-0", "0x10", "1_000", " 5",
                     "", "Infinity", "99999999999999999999", "1e3"]),
)
NUMERIC = [("query", ["query", "ASK {}"], "--timeout"), ("path", ["path", "JNIM", "Wagner"], "--limit"),
           ("analyze", ["analyze"], "--top"), ("viz", ["viz", "-o", "{tmp}/p.html", "--focus", "JNIM"], "--depth"),
           ("fought", ["fought", "JNIM"], "--year"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--timeout"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--max-result-mb"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--workers"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--per-client"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--max-request-kb"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--port"),
           ("serve", ["serve", "--store", "{tmp}/none"], "--max-memory-mb"),
           ("query", ["query", "ASK {}"], "--max-memory-mb"),
           ("cite", ["cite", "fought", "JNIM"], "--year"), ("compare", ["compare", "JNIM"], "--year"),
           ("link", ["link"], "--window"), ("link", ["link"], "--distance"), ("link", ["link"], "--region-km"),
           ("push", ["push", "--endpoint", "http://127.0.0.1:9/sparql"], "--timeout")]


def test_every_numeric_option_is_in_the_list():
    """The list above covers every numeric option of every command (a new one must be added)."""
    import typer.main

    from kg.cli import app
    from kg.cli.app import is_number

    found = set()
    for name, command in typer.main.get_command(app).commands.items():
        for sub in getattr(command, "commands", {"": command}).values():
            for param in sub.params:
                if is_number(param.type):
                    found.add((name, param.opts[0]))
    assert found <= {(c, o) for c, _, o in NUMERIC} | {("timeline", "--year"), ("relations", "--year"),
                                                    ("analyze", "--year"), ("path", "--year"),
                                                    ("viz", "--year")}, found


@SETTINGS
@given(case=st.sampled_from(NUMERIC), value=number_texts)
def test_any_number_for_any_numeric_option(home, tmp_path_factory, case, value):
    import math

    _, args, option = case
    tmp = tmp_path_factory.mktemp("num")
    result = run(home, *args, f"{option}={value}", tmp=tmp)
    check(result)
    stderr = result.stderr.decode("utf-8", "replace")
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None and not math.isfinite(number):
        assert result.returncode == 2 and option in stderr, stderr
    if number is not None and abs(number) > 10**12:
        assert result.returncode == 2, stderr


@st.composite
def parameters(draw) -> tuple[str, str, str]:
    from kg.store import sparql

    query = draw(st.sampled_from([q for q in sparql.named_queries().values() if q.params]))
    param = draw(st.sampled_from(query.params))
    value = draw(st.one_of(argv_text, st.sampled_from(["x> } } DROP ALL #", "bam ako", "<a b>", "2013", "-1",
                                                       "9" * 40, "jnim", "bamako", "acled", "2013-13", "'", '"'])))
    return query.name, param.name, value


@SETTINGS
@given(case=parameters())
def test_any_text_for_any_named_query_parameter(home, case):
    name, param, value = case
    result = run(home, "query", name, "--param", f"{param}={value}", "--timeout", "30")
    check(result)
    assert result.returncode in (0, 2, 3), result.stderr


environments = st.fixed_dictionaries({
    "PYTHONIOENCODING": st.sampled_from(["", "ascii", "latin-1", "cp1252", "utf-8", "ascii:strict", "utf-16"]),
    "LANG": st.sampled_from(["", "C", "POSIX", "en_US.UTF-8", "fr_FR.ISO-8859-1"]),
    "LC_ALL": st.sampled_from(["", "C"]),
    "TZ": st.sampled_from(["", "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns", "Nowhere/Bogus"]),
})


@settings(SETTINGS, max_examples=20)
@given(env=environments, args=st.sampled_from([["fought", "russia", "--year", "2025"], ["actor", "goita"],
                                              ["fought", "Wagnr"], ["stats", "--brief"], ["sources"],
                                              ["timeline", "goita", "--format", "csv"]]))
def test_any_terminal_encoding_locale_and_time_zone(home, env, args):
    extra = {k: v for k, v in env.items() if v}
    proc = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, timeout=300, cwd=ROOT,
                          env={**{k: v for k, v in os.environ.items() if k not in env}, "KG_HOME": str(home),
                               "PYTHONPATH": str(ROOT), **extra})
    check(proc)
    encoding = (extra.get("PYTHONIOENCODING") or "").split(":")[0]
    if encoding and proc.returncode == 0:
        proc.stdout.decode(encoding)  # written in the encoding asked for, unencodable characters replaced


file_names = st.binary(min_size=1, max_size=60).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_")).filter(
    lambda b: b not in (b".", b".."))


@settings(SETTINGS, max_examples=10)
@given(name=file_names)
def test_a_file_name_of_any_bytes_is_imported_listed_and_dropped(home, tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("names")
    path = os.path.join(os.fsencode(folder), name + b".csv")
    with open(path, "wb") as f:
        f.write((FIXTURES / "acled_required_only.csv").read_bytes())
    before = snapshot(home)
    env = {**os.environ, "KG_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("KG_DATA", None)
    imported = subprocess.run([sys.executable.encode(), b"-m", b"kg", b"import", b"acled", path], env=env, cwd=ROOT,
                              capture_output=True, timeout=300)
    check(imported)
    assert imported.returncode == 0, imported.stderr
    listed = run(home, "sources", "--format", "json")
    check(listed)
    dropped = subprocess.run([sys.executable.encode(), b"-m", b"kg", b"drop", b"acled", b"--file", name + b".csv"],
                             env=env, cwd=ROOT, capture_output=True, timeout=300)
    check(dropped)
    if dropped.returncode != 0:  # the only file of the data set: drop the data set
        check(run(home, "drop", "acled"))
    assert snapshot(home) == before


LINKS = ["missing", "dangling", "loop", "outside", "a file", "ok"]
LOCKS = ["absent", "link to a user file", "fifo", "regular"]


@settings(SETTINGS, max_examples=15)
@given(link=st.sampled_from(LINKS), lock=st.sampled_from(LOCKS),
       args=st.sampled_from([["fought", "JNIM"], ["build"], ["sources"], ["drop", "acled"],
                             ["import", "acled", str(FIXTURES / "acled_required_only.csv")], ["doctor"],
                             ["doctor", "--fix"]]))
def test_kg_home_links_never_lose_data_or_touch_what_is_not_kg_s(imported, tmp_path_factory, link, lock, args):
    import shutil

    base = tmp_path_factory.mktemp("links")
    kg_home = base / "home"
    shutil.copytree(imported, kg_home, symlinks=True)
    live = kg_home / "stores" / os.readlink(kg_home / "store").split("/")[-1]
    mine = base / "mine"
    mine.mkdir()
    (mine / "user file").write_text("the user's\n")
    store = kg_home / "store"
    store.unlink()
    if link == "dangling":
        store.symlink_to("stores/20990101T000000-00000000")
    elif link == "loop":
        store.symlink_to("store")
    elif link == "outside":
        store.symlink_to(mine)
    elif link == "a file":
        store.write_text("not a store")
    elif link == "ok":
        store.symlink_to(os.path.relpath(live, kg_home))
    lock_path = kg_home / "write.lock"
    lock_path.unlink(missing_ok=True)
    if lock == "link to a user file":
        lock_path.symlink_to(mine / "user file")
    elif lock == "fifo":
        os.mkfifo(lock_path)
    elif lock == "regular":
        lock_path.write_text("")
    result = run(kg_home, *args)
    check(result)
    assert (mine / "user file").read_text() == "the user's\n"
    assert sorted(p.name for p in mine.iterdir()) == ["user file"]
    if link != "a file":
        assert live.is_dir() or args[0] in ("drop", "import", "build"), "the store that held the import is gone"
    if result.returncode == 0 and args[0] in ("fought", "sources"):
        kept = run(kg_home, "sources", "--format", "json")
        assert b'"acled"' in kept.stdout, "the imported data set is no longer seen"


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """A KG_HOME with an ACLED import in its store."""
    home = tmp_path_factory.mktemp("imported-home")
    assert run(home, "import", "acled", str(FIXTURES / "acled_sample.csv")).returncode == 0
    return home
