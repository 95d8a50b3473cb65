"""The named query library: every query documented, runnable, and answering the
same on the embedded Oxigraph store and on rdflib; kg query from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg.store import sparql
from kg.store.embedded import RdflibStore
from kg.store.params import convert_params, convert_value

QUERIES = sorted(sparql.named_queries())
# Queries of what only an import writes (a data set's own names, "A and/or B" battles): no
# rows on the curated data; tests/test_real_exports.py runs them on imported files.
IMPORTED_ONLY = {"dataset-names", "fought-possible"}


@pytest.fixture(scope="module")
def rdflib_store(store):
    return RdflibStore(store.quads())


def canonical(rows):
    """Rows as comparable tuples; GROUP_CONCAT lists in sorted order (SPARQL leaves it open)."""

    def value(key, v):
        if key in ("aliases", "sources", "participants") and isinstance(v, str):
            return " ".join(sorted(p for p in v.replace("; ", " ").split(" ") if p))
        return str(v)

    return sorted(tuple(sorted((k, value(k, v)) for k, v in r.items())) for r in rows)


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_is_documented(name):
    q = sparql.get(name)
    assert q.title and q.title != name
    assert q.description
    required = {p.name for p in q.params if not p.optional}
    assert required <= set(q.example), "required parameters need an example"


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_returns_rows_and_the_same_on_both_engines(name, store, rdflib_store):
    q = sparql.get(name)
    on_oxigraph = sparql.run(store, name, **convert_params(q, q.example, store))
    on_rdflib = sparql.run(rdflib_store, name, **convert_params(q, q.example, rdflib_store))
    assert on_oxigraph or name in IMPORTED_ONLY, f"{name} returned no rows on the curated data"
    assert canonical(on_oxigraph) == canonical(on_rdflib)


def test_successors_of_wagner_is_africa_corps(store):
    rows = sparql.run(store, "successors", actor=convert_value(sparql.get("successors").params[0], "Wagner", store))
    assert [r["successorLabel"] for r in rows] == ["Africa Corps"]


def test_successors_follow_chains_and_mergers(kg):
    serval = kg("query", "successors", "--param", "actor=Operation Serval", "-f", "json")
    labels = [b["successorLabel"]["value"] for b in json.loads(serval.stdout)["results"]["bindings"]]
    # Barkhane succeeded Serval; Wagner, as the article frames it, Barkhane; Africa Corps, Wagner
    assert labels == ["Operation Barkhane", "Wagner Group", "Africa Corps"]
    ansar = kg("query", "successors", "-p", "actor=Ansar Dine", "-f", "csv")
    assert "Jama'at Nusrat al-Islam wal-Muslimin" in ansar.stdout


def test_leaders_of_the_malian_junta_over_time(kg):
    result = kg("query", "leaders", "-p", "actor=mali_junta", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["leaderLabel"] for r in rows] == ["Assimi Goïta", "Bah Ndaw", "Assimi Goïta"]
    assert rows[0]["start"] == "2020-08-18" and rows[1]["end"] == "2021-05-24"


def test_who_fought_in_year_as_standard_sparql_json(kg):
    result = kg("query", "who-fought-in-year", "--param", "year=2013", "--format", "json")
    doc = json.loads(result.stdout)
    assert set(doc["head"]["vars"]) >= {"actor", "opponent", "start", "end"}
    pairs = {(b["actorLabel"]["value"], b["opponentLabel"]["value"]) for b in doc["results"]["bindings"]}
    assert ("Ansar Dine", "Operation Serval") in pairs
    assert not any("Wagner" in a or "Wagner" in b for a, b in pairs)


def test_tsv_xml_and_ask(kg):
    tsv = kg("query", "allies-in-year", "-p", "year=2024", "-f", "tsv")
    assert tsv.stdout.startswith("?actorLabel\t?allyLabel")
    xml = kg("query", "allies-in-year", "-p", "year=2024", "-f", "xml")
    assert "<sparql" in xml.stdout
    ask = kg("query", "ASK { GRAPH ?g { actor:jnim skg:fought actor:wagner_group } }")
    assert ask.stdout.strip() == "true"


def test_construct_prints_turtle(kg):
    result = kg("query", "CONSTRUCT { ?a skg:fought ?b } WHERE { GRAPH ?g { ?a skg:fought ?b . FILTER(?a = actor:jnim) } }")
    assert result.code == 0
    assert "@prefix" in result.stdout and "wagner_group" in result.stdout


def test_query_from_a_file_and_from_stdin(kg, tmp_path):
    text = "SELECT ?label WHERE { GRAPH ?g { actor:jnim rdfs:label ?label } }"
    path = tmp_path / "q.rq"
    path.write_text(text)
    assert "Jama'at Nusrat" in kg("query", "--file", str(path)).stdout
    assert "Jama'at Nusrat" in kg("query", input=text).stdout
    assert "Jama'at Nusrat" in kg("query", "-", input=text).stdout


def test_a_one_line_query_with_its_own_prefixes(kg):
    """The '#' of an IRI such as ontology# does not start a comment."""
    text = ("PREFIX skg: <https://w3id.org/sahel-kg/ontology#> SELECT (COUNT(*) AS ?n) "
            "WHERE { GRAPH ?g { ?s a skg:PairYear ; skg:year 2013 } }")
    result = kg("query", text, "-f", "csv")
    assert result.code == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 10


@pytest.mark.parametrize("text, kind", [
    ("PREFIX x: <http://e.org/o#> ASK { ?s ?p ?o }", "ASK"),
    ('SELECT * WHERE { ?s ?p "# not a comment; CONSTRUCT" }', "SELECT"),
    ("# CONSTRUCT in a comment\nDESCRIBE <http://e.org/SELECT#x>", "DESCRIBE"),
    ("# what's this\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p 'SELECT' }", "CONSTRUCT"),
])
def test_query_kind_skips_iris_strings_and_comments(text, kind):
    from kg.store.embedded import query_kind

    assert query_kind(text) == kind


def test_parameters_are_bound_as_terms_not_pasted(kg):
    """A value full of SPARQL syntax is only ever a string literal."""
    text = "SELECT ?x WHERE { GRAPH ?g { ?x rdfs:label ?name } }"
    result = kg("query", text, "--param", 'name=x" } } SELECT * WHERE { ?s ?p ?o', "-f", "csv")
    assert result.code == 0 and result.stdout.strip() == "x"


def test_a_syntax_error_says_where_and_exits_3(kg):
    result = kg("query", "SELECT ?x WHERE {\n  ?x ?y \n}")
    assert result.code == 3
    assert result.stderr.startswith("Error: SPARQL syntax error at line 3, column ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message, code",
    [
        (("query", "who-fought-in-yeer"), "no named query 'who-fought-in-yeer'; did you mean: who-fought-in-year", 2),
        (("query", "who-fought-in-year"), "needs --param year=", 2),
        (("query", "who-fought-in-year", "-p", "year=two"), "parameter year: 'two' is not a whole number", 3),
        (("query", "who-fought-in-year", "-p", "yr=2013"), "has no parameter yr", 2),
        (("query", "who-fought-in-year", "-p", "year=2013", "-f", "ttl"), "format 'ttl' does not suit SELECT", 2),
        (("query", "leaders", "-p", "actor=Wagnr"), "did you mean: Wagner Group", 2),
    ],
)
def test_query_usage_errors(kg, args, message, code):
    result = kg(*args)
    assert result.code == code
    assert message in result.stderr


def test_list_shows_every_named_query(kg):
    listed = kg("query", "--list").stdout
    for name in QUERIES:
        assert name in listed
