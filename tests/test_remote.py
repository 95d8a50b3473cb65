"""The remote backend against real SPARQL 1.1 servers: Oxigraph and Virtuoso.

Each server (``tests/servers.py``: ``oxigraph serve`` from the PyPI package
``oxigraph``, and Debian's Virtuoso started by ``scripts/virtuoso-serve.sh``)
listens on a free loopback port; ``kg push`` loads the built graph into it
through the Graph Store Protocol, and the same questions are asked of the
embedded store and of the server, which must give the same answers. Every
test that takes ``server`` runs once per server.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest

from kg.ask.fought import fought
from kg.errors import QueryError, StoreError, UsageError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI
from kg.store import sparql
from kg.store.params import convert_params
from kg.store.remote import RemoteStore, default_store_url
from tests.servers import free_port, oxigraph_server, virtuoso_missing, virtuoso_server
from tests.test_queries import IMPORTED_ONLY  # queries of what only an import writes: none on curated data

SERVERS = {"oxigraph": oxigraph_server, "virtuoso": virtuoso_server}


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request):
    """A real SPARQL server on loopback, empty: a ``tests.servers.Server``."""
    if request.param == "virtuoso" and (reason := virtuoso_missing()):
        pytest.skip(reason)
    with SERVERS[request.param]() as running:
        yield running


@pytest.fixture(scope="module")
def pushed(server, store, kg):
    """The server after ``kg push`` of the built graph: (endpoint URL, push output)."""
    result = kg("push", "--endpoint", server.endpoint)
    assert result.code == 0, result.stderr
    return server.endpoint, result.stdout


@pytest.fixture(scope="module")
def remote(pushed) -> RemoteStore:
    return RemoteStore(pushed[0])


def count_triples(store, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return store.select(query)[0]["n"]


# -- loading ------------------------------------------------------------------


def test_push_uploads_every_named_graph(pushed, store, remote):
    _, out = pushed
    for graph in (ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH):
        n = count_triples(store, graph)
        assert n > 0
        assert f"pushed {graph}: {n} triples" in out
        assert count_triples(remote, graph) == n
    assert remote.graphs() == store.graphs()


def test_push_twice_replaces_rather_than_duplicates(pushed, store, remote, kg):
    result = kg("push", "--endpoint", pushed[0], "--graph", "curated")
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"pushed {ns.CURATED_GRAPH}: {count_triples(store, ns.CURATED_GRAPH)} triples"
    assert count_triples(remote, ns.CURATED_GRAPH) == count_triples(store, ns.CURATED_GRAPH)


def test_push_an_unknown_graph_is_a_usage_error(pushed, kg):
    result = kg("push", "--endpoint", pushed[0], "--graph", "nosuchgraph")
    assert result.code == 2
    assert "no graph https://w3id.org/sahel-kg/graph/nosuchgraph in the built store" in result.stderr
    assert "curated" in result.stderr


def test_push_needs_an_endpoint(kg):
    result = kg("push", env={"KG_ENDPOINT": ""})
    assert result.code == 2
    assert "kg push needs --endpoint URL" in result.stderr


def test_export_from_the_server_is_byte_identical(pushed, kg):
    local = kg("export", "--format", "nq")
    there = kg("--endpoint", pushed[0], "export", "--format", "nq")
    assert local.code == 0 and there.code == 0, there.stderr
    assert there.stdout == local.stdout
    assert len(there.stdout.splitlines()) > 5000


# -- the same answers -----------------------------------------------------------

FOUGHT_QUESTIONS = [
    ("JNIM", None, {"year": 2024}),
    ("JNIM", "Wagner", {}),
    (None, None, {"year": 2013}),
    ("France", None, {"start": "2013-01", "end": "2014-06"}),
    ("Mali", None, {"year": 2022}),
    ("goita", None, {}),
    ("Russia", None, {"year": 2023}),
    ("Wagner", None, {"year": 2022, "exact": True}),
]


@pytest.mark.parametrize(("actor", "opponent", "options"), FOUGHT_QUESTIONS)
def test_fought_same_answer_from_the_server(actor, opponent, options, store, remote):
    local = fought(actor, opponent, store=store, **options)
    there = fought(actor, opponent, store=remote, **options)
    assert there == local
    if actor != "goita":
        assert local, "the question should have an answer in the curated data"


NAMED_QUESTIONS = [
    ("who-fought-in-year", {"year": 2013}),
    ("who-fought-in-year", {"year": 2024}),
    ("allies-in-year", {"year": 2015}),
    ("actor-details", {"actor": IRI(ns.ACTOR + "jnim")}),
    ("leaders", {"actor": IRI(ns.ACTOR + "jnim")}),
    ("successors", {"actor": IRI(ns.ACTOR + "wagner_group")}),
    ("events-at-place", {"place": IRI(ns.PLACE + "bamako")}),
    # Windows half open: unbound parameters beside bound ones (kg/store/remote.py: bind)
    ("events-of-actor", {"actor": IRI(ns.ACTOR + "wagner_group")}),
    ("events-of-actor", {"actor": IRI(ns.ACTOR + "wagner_group"), "from": date(2022, 1, 1)}),
    ("events-of-actor", {"actor": IRI(ns.ACTOR + "wagner_group"), "to": date(2022, 12, 31)}),
    ("fought-statements", {"actor": IRI(ns.ACTOR + "fama"), "from": date(2012, 1, 1)}),
    ("fought-statements", {"actor": IRI(ns.ACTOR + "fama"), "from": date(2012, 1, 1), "to": date(2013, 6, 30)}),
    ("statements-in-window", {"from": date(2013, 1, 1)}),
    ("relations-of-actor", {"actor": IRI(ns.ACTOR + "mnla")}),
    ("statements-from-source", {"source": IRI(ns.SOURCE + "ft_2025_bamako_blockade")}),
    ("counts-by-class", {}),
    ("counts-by-relation", {}),
    ("actors-by-type", {}),
]


def _comparable(rows):
    """Rows as sortable tuples; GROUP_CONCAT lists compared as sets (their order is the engine's)."""
    def cell(v):
        if isinstance(v, str) and (" " in v or "; " in v) and not isinstance(v, IRI):
            return (type(v).__name__, tuple(sorted(v.replace("; ", " ").split(" "))))
        return (type(v).__name__, (str(v),))

    return sorted(tuple(sorted((k, cell(v)) for k, v in r.items())) for r in rows)


@pytest.mark.parametrize(("name", "params"), NAMED_QUESTIONS, ids=[f"{n}-{p}" for n, p in NAMED_QUESTIONS])
def test_named_query_same_answer_from_the_server(name, params, store, remote):
    local = sparql.run(store, name, **params)
    there = sparql.run(remote, name, **params)
    assert local or name in IMPORTED_ONLY, f"{name} should return rows on the curated data"
    assert _comparable(there) == _comparable(local)


# Where a server's answer differs and our client cannot mend it: (server, query) -> why.
# Known server bugs that show on some runs only (so not strict): the answer is checked, and
# reported as XPASS when the server gets it right.
SERVER_SOMETIMES = {
    ("virtuoso", "gis-places"): (
        "Virtuoso 7.2's SELECT DISTINCT over a transitive path inside GRAPH ?og (rdfs:subClassOf+) "
        "keeps 0 to 7 duplicate rows, a different number on each run (415 distinct rows; 415, 420 "
        "and 422 seen on the merged data); the embedded store and the Oxigraph server give 415"),
}

SERVER_BUGS = {
    ("virtuoso", "actor-lifespans"): (
        "Virtuoso has no boolean type: ?person, bound by BIND(?type = skg:Person AS ?person), comes back "
        "as xsd:integer 1/0, as does even a literal true (openlink/virtuoso-opensource#733); "
        "kg fought reads it as a truth value, so its answers are unaffected"
    ),
    ("virtuoso", "actor-index"): "the same ?person as actor-lifespans: xsd:integer 1/0 from Virtuoso",
    ("virtuoso", "fought-pairs-by-year"): (
        "?linked, bound by BIND(EXISTS {...} AS ?linked), comes back as xsd:integer 1/0 from Virtuoso; "
        "kg fought reads it as a truth value (and reads the year index only on the embedded store)"
    ),
}


# A date compared by <= with a bound (or "x >= ?date"): an upper bound, which Virtuoso 7.2.5
# answers from its index as a range closed above and open below, and loses rows:
#   <e> <d> "2020-01-01"^^xsd:date .   (one triple, in any graph)
#   SELECT (COUNT(*) AS ?n) WHERE { ?e <d> ?d FILTER(?d <= "2021-01-01"^^xsd:date) }  -> 0, not 1
# (1 with <, with !(?d > ...), or with a lower bound beside it). Whether a query meets it
# depends on the plan, hence on the data: fought-events, events-of-actor and
# statements-in-window passed on the curated data of their day and failed later.
_DATE_UPPER_BOUND = re.compile(r"\?(start|end|to|from|fs|fe)\b\s*<=|>=\s*\?(start|end)\b")


@pytest.mark.parametrize("name", sorted(sparql.named_queries()))
def test_no_named_query_bounds_a_date_above_with_le(name):
    """Upper bounds on dates are written !(?start > ?to), which every store answers the same."""
    code = "\n".join(line for line in sparql.get(name).text.splitlines() if not line.lstrip().startswith("#"))
    assert not _DATE_UPPER_BOUND.search(code), f"{name}.rq: write !(?x > bound) instead of ?x <= bound"


@pytest.mark.parametrize("name", sorted(sparql.named_queries()))
def test_every_named_query_same_answer_from_the_server(name, server, store, remote, request):
    """Each named query, its parameters bound as its ``# example:`` says (an actor at least), as kg binds them."""
    if (server.name, name) in SERVER_BUGS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=SERVER_BUGS[server.name, name]))
    if (server.name, name) in SERVER_SOMETIMES:
        request.applymarker(pytest.mark.xfail(strict=False, reason=SERVER_SOMETIMES[server.name, name]))
    query = sparql.get(name)
    raw = dict(query.example)
    if any(p.name == "actor" for p in query.params):
        raw.setdefault("actor", "JNIM")
    params = convert_params(query, raw, store)
    local = sparql.run(store, name, **params)
    assert local or name in IMPORTED_ONLY, f"{name} should return rows on the curated data"
    assert _comparable(sparql.run(remote, name, **params)) == _comparable(local)


@pytest.mark.parametrize("args", [
    ("fought", "JNIM", "--year", "2024"),
    ("fought", "JNIM", "Wagner"),
    ("fought", "--year", "2013", "--format", "json"),
    ("fought", "Mali", "--from", "2012-01", "--to", "2013-06", "--format", "csv"),
    ("stats", "--format", "json"),
])
def test_cli_same_output_with_endpoint(args, pushed, kg):
    local = kg(*args)
    there = kg("--endpoint", pushed[0], *args)
    assert local.code == 0, local.stderr
    assert there.code == 0, there.stderr
    assert there.stdout == local.stdout
    if "json" in args:
        assert json.loads(there.stdout)


@pytest.mark.parametrize("args", [
    ("who-fought-in-year", "--param", "year=2013"),
    ("who-fought-in-year", "--param", "year=2024", "--format", "json"),
    ("leaders", "--param", "actor=JNIM", "--format", "csv"),
    ("successors", "--param", "actor=Wagner"),
    ("allies-in-year", "--param", "year=2015", "--format", "tsv"),
    ("events-at-place", "--param", "place=bamako", "--format", "csv"),
    # ORDER BY: JNIM has an English and a French label, in the engine's order without it
    ("SELECT ?l WHERE { GRAPH ?g { actor:jnim rdfs:label ?l } } ORDER BY STR(?l)", "--format", "json"),
    ("CONSTRUCT { actor:jnim ?p ?o } WHERE { GRAPH ?g { actor:jnim ?p ?o } }", "--format", "nt"),
])
def test_kg_query_same_output_with_endpoint(args, pushed, kg):
    local = kg("query", *args)
    there = kg("--endpoint", pushed[0], "query", *args)
    assert local.code == 0, local.stderr
    assert there.code == 0, there.stderr
    if "nt" in args:  # N-Triples lines in the engine's order
        assert sorted(there.stdout.splitlines()) == sorted(local.stdout.splitlines())
    elif "events-at-place" in args:  # its participants are a GROUP_CONCAT, in the engine's order
        assert _comparable(csv.DictReader(io.StringIO(there.stdout))) == _comparable(
            csv.DictReader(io.StringIO(local.stdout)))
    else:
        assert there.stdout == local.stdout
    assert local.stdout.strip()


# How each server names the place of a syntax error (after our prefix line is taken off).
ERROR_AT = {"oxigraph": "error at {line}:{column}", "virtuoso": "line {line}: syntax error"}


def test_kg_query_bad_sparql_on_the_server_exits_3(server, pushed, kg):
    result = kg("--endpoint", pushed[0], "query", "SELECT * WHERE { ?s ?p }")
    assert result.code == 3
    assert "Error:" in result.stderr
    assert ERROR_AT[server.name].format(line=1, column="")[:-1] in result.stderr
    assert "PREFIX skg:" not in result.stderr  # Virtuoso repeats the query: not our prefix line
    assert "Traceback" not in result.stderr


def test_endpoint_from_the_environment(pushed, kg):
    there = kg("fought", "JNIM", "Wagner", env={"KG_ENDPOINT": pushed[0]})
    assert there.code == 0, there.stderr
    assert there.stdout == kg("fought", "JNIM", "Wagner").stdout


def test_ask_and_serialize_results(store, remote):
    query = f"ASK {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}"
    assert remote.ask(query) is True and store.ask(query) is True
    kind, body = remote.serialize_results("SELECT ?s WHERE { GRAPH ?g { ?s a skg:Statement } } LIMIT 2", "csv")
    assert kind == "results" and body.decode().splitlines()[0] == "s"
    kind, body = remote.serialize_results(
        f"CONSTRUCT {{ <{ns.ACTOR}jnim> ?p ?o }} WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}", "nt"
    )
    assert kind == "rdf" and f"<{ns.ACTOR}jnim>" in body.decode()


# -- errors ---------------------------------------------------------------------


def test_bad_sparql_on_the_server_is_a_query_error_with_position(server, store, remote):
    query = "SELECT *\nWHERE {\n  ?s ?p }"
    with pytest.raises(QueryError) as local:
        store.select(query)
    with pytest.raises(QueryError, match="rejected the query: ") as there:
        remote.select(query)
    line, column = re.search(r"line (\d+), column (\d+)", str(local.value)).groups()
    assert line == "3"
    # the user's line, despite our prefix line
    assert ERROR_AT[server.name].format(line=line, column=column) in str(there.value)


def test_wrong_endpoint_path_exits_5(pushed, kg):
    result = kg("--endpoint", pushed[0].rsplit("/", 1)[0] + "/nosuch", "fought", "JNIM")
    assert result.code == 5
    assert result.stderr.startswith("Error: the server at http://127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_unreachable_server_exits_5(kg):
    result = kg("--endpoint", f"http://127.0.0.1:{free_port()}/query", "fought", "JNIM")
    assert result.code == 5
    assert "Error: cannot reach the SPARQL server at http://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_not_a_url_is_a_usage_error(kg):
    result = kg("--endpoint", "localhost:7878", "fought", "JNIM")
    assert result.code == 2
    assert "--endpoint: expected an http:// or https:// URL, got 'localhost:7878'" in result.stderr


def test_unreachable_server_raises_store_error():
    with pytest.raises(StoreError, match="cannot reach"):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query").select("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(UsageError):
        RemoteStore("ftp://example.org/sparql")


def test_default_store_url_follows_oxigraph_and_virtuoso_conventions():
    assert default_store_url("http://h:7878/query") == "http://h:7878/store"
    assert default_store_url("http://h:8890/sparql") == "http://h:8890/sparql-graph-crud"
    assert default_store_url("http://h:8890/sparql/") == "http://h:8890/sparql-graph-crud"
    assert default_store_url("http://h:3030/ds/sparql") == "http://h:3030/ds/store"
    assert default_store_url("http://h:3030/ds/") == "http://h:3030/ds/store"
