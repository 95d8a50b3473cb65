"""Queries that would take the machine's memory or crash the engine: stopped at a memory cap
with a message naming it, or refused before any engine sees them, through the CLI and the
Python API (the user's own process must survive)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import QueryError
from kg.store import query_shape
from kg.store.memory_cap import MIN_MB, check_cap, default_query_mb, default_worker_mb, total_memory_mb
from kg.store.query_shape import MAX_NESTING, MAX_STEPS, check_query_shape

ROOT = Path(__file__).resolve().parent.parent
HUNGRY = "SELECT * WHERE { GRAPH ?g { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } } ORDER BY ?b ?d ?f LIMIT 1"

CRASHERS = {  # each of these killed the process that ran it (SIGSEGV), measured on pyoxigraph 0.5.13
    "braces": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "nested calls": "SELECT * WHERE { BIND(" + 'CONCAT("a",' * 1000 + '"b"' + ")" * 1000 + " AS ?x) }",
    "negations": "SELECT * WHERE { FILTER(" + "!" * 10000 + "true) }",
    "binds": "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(5000)) + " }",
    "unions": "SELECT * WHERE { " + " UNION ".join(["{}"] * 10000) + " }",
    "patterns": "SELECT * WHERE { ?s " + " ; ".join(f"<http://x/{i}> ?o{i}" for i in range(10000)) + " }",
    "filters": "SELECT * WHERE { " + "FILTER(true) " * 10000 + "}",
}


def test_the_cli_stops_a_sorted_cross_join_at_its_memory_cap(kg, store):
    result = kg("query", HUNGRY, "--max-memory-mb", "400")
    assert result.code == 3, result.stderr
    assert "the query needed more than 400 MB of memory, the limit per query (--max-memory-mb sets it)" in result.stderr
    assert "Traceback" not in result.stderr and "memory allocation" not in result.stderr


def test_the_python_api_raises_at_the_cap_and_the_caller_goes_on(store):
    import kg

    with pytest.raises(QueryError, match="needed more than 300 MB"):
        kg.query(HUNGRY, store=store, max_memory_mb=300)
    assert kg.query("ASK { GRAPH ?g { ?s ?p ?o } }", store=store).boolean is True


@pytest.mark.parametrize("name", list(CRASHERS))
def test_text_that_crashes_the_engine_is_refused_first(name):
    with pytest.raises(QueryError, match=rf"more than ({MAX_NESTING} deep|{MAX_STEPS:,} operators)"):
        check_query_shape(CRASHERS[name])


@pytest.mark.parametrize("name", ["braces", "negations", "binds"])
def test_the_users_own_process_survives_through_the_python_api(name, tmp_path):
    """An in-memory store runs the query in the caller's process: it must be refused, not crash it."""
    code = ("import sys, kg\n"
            "from kg.store.embedded import OxigraphStore\n"
            "store = OxigraphStore()\n"
            "try:\n"
            "    store.select(sys.stdin.read())\n"
            "except kg.errors.QueryError as e:\n"
            "    print('refused:', e)\n")
    result = subprocess.run([sys.executable, "-c", code], input=CRASHERS[name], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused: the query")


def test_the_cli_refuses_deep_nesting_with_exit_3(kg):
    result = kg("query", CRASHERS["braces"])
    assert result.code == 3
    assert f"nests brackets more than {MAX_NESTING} deep (at line 1, column" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_shipped_query_passes_with_room_to_spare():
    """The limits sit far above any query kg ships: at a quarter of them, every one still passes."""
    for path in sorted((ROOT / "kg").glob("*/*.rq")):
        text = path.read_text(encoding="utf-8")
        nesting, steps = query_shape.MAX_NESTING, query_shape.MAX_STEPS
        try:
            query_shape.MAX_NESTING, query_shape.MAX_STEPS = nesting // 4, steps // 4
            check_query_shape(text)
        finally:
            query_shape.MAX_NESTING, query_shape.MAX_STEPS = nesting, steps


def test_long_lists_of_values_are_data_not_steps():
    values = " ".join(f"(<http://x/{i}> {i})" for i in range(20000))
    check_query_shape(f"SELECT * WHERE {{ VALUES (?a ?n) {{ {values} }} FILTER(?n NOT IN ({', '.join(map(str, range(5000)))})) }}")
    with pytest.raises(QueryError, match="characters long"):
        check_query_shape("ASK {}" + " " * (query_shape.MAX_QUERY_CHARS + 1))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, MIN_MB - 1])
def test_a_cap_that_is_not_a_size_is_refused_by_name(bad):
    with pytest.raises(Exception, match="--max-memory-mb must be 0 .* or at least"):
        check_cap(bad)


def test_the_defaults_are_shares_of_the_ram():
    ram = total_memory_mb()
    assert MIN_MB <= default_query_mb() <= max(MIN_MB, ram // 8)
    assert default_worker_mb(8) * 8 <= max(8 * MIN_MB, ram // 2)
