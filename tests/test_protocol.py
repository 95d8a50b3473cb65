"""kg.serve.protocol: the SPARQL 1.1 Protocol's rules on their own (formats, the dataset, bodies).

The same rules through a real server are in test_serve.py and test_protocol_w3c.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kg.serve.protocol import (
    Dataset,
    ProtocolError,
    choose_format,
    codec_for,
    dataset,
    decode,
    format_from_param,
    has_dataset_clause,
    looks_like_update,
    parse_form,
    uses_service,
)


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


@pytest.mark.parametrize(("value", "kind", "media"), [
    ("json", "results", "application/sparql-results+json"),
    ("json", "rdf", "application/ld+json"),
    ("xml", "results", "application/sparql-results+xml"),
    ("xml", "rdf", "application/rdf+xml"),
    ("rdf", "rdf", "application/rdf+xml"),
    ("rdf+xml", "rdf", "application/rdf+xml"),
    ("n3", "rdf", "text/turtle"),
    ("TURTLE", "rdf", "text/turtle"),
    ("json-ld", "rdf", "application/ld+json"),
    ("application/ld+json,application/x-json+ld", "rdf", "application/ld+json"),  # SPARQLWrapper's JSON-LD
    ("text/tab-separated-values", "results", "text/tab-separated-values"),
    ("application/x-sparqlstar-results+json", "results", "application/sparql-results+json"),
    ("csv", "rdf", None),  # does not fit a graph
    ("turtle", "results", None),  # nor Turtle a table
    ("rdf+xml", "results", None),
    ("no-such-format", "results", None),
])
def test_format_from_param(value, kind, media):
    assert format_from_param(value, kind) == media


@pytest.mark.parametrize(("kind", "params", "header", "media"), [
    ("rdf", ["xml", "application/rdf+xml"], "application/rdf+xml", "application/rdf+xml"),  # SPARQLWrapper, XML
    ("rdf", ["csv"], "*/*", "text/turtle"),  # unfit parameter, */*: the form's default
    ("rdf", ["csv"], "application/n-triples", "application/n-triples"),  # unfit parameter: Accept decides
    ("rdf", ["tsv", ""], None, "text/turtle"),  # no Accept at all: the default
    ("results", ["turtle"], "text/csv", "text/csv"),
    ("results", [], "application/json", "application/json"),
    ("results", ["csv"], "image/png", "text/csv"),  # a parameter that fits wins over Accept
    ("results", [], "image/png", None),  # nothing fits: 406
    ("rdf", ["csv"], "text/csv", None),
])
def test_choose_format(kind, params, header, media):
    assert choose_format(kind, params, accept(header)) == media


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * FROM <http://g> { ?s ?p ?o }", True),
    ("select * from named <http://g> { graph ?g { ?s ?p ?o } }", True),
    ("PREFIX from: <http://x/> SELECT * { ?s from:p ?o }", False),
    ("SELECT ?from { ?from ?p ?o }", False),
    ('SELECT * { ?s ?p "FROM <x>" } # FROM <y>', False),
    ("SELECT * { ?s <http://x/FROM> ?o }", False),
])
def test_has_dataset_clause(query, expected):
    assert has_dataset_clause(query) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("CLEAR NAMED", True),
    ("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
    ("# a comment\nINSERT DATA { <a:a> <a:a> <a:a> }", True),
    ("BASE <http://x/> LOAD <http://example.org/data>", True),
    ("ASK {}", False),
    ("PREFIX insert: <http://x/> SELECT * { ?s insert:p ?o }", False),
    ("<a:a> <a:a> <a:a> .", False),
])
def test_looks_like_update(text, expected):
    assert looks_like_update(text) is expected


def test_uses_service_ignores_strings_and_names():
    assert uses_service("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")
    assert not uses_service('SELECT * { ?s ?p "SERVICE" }')


@pytest.mark.parametrize(("query", "default", "named", "expected"), [
    ("SELECT * { ?s ?p ?o }", [], [], Dataset(union=True)),
    ("SELECT * FROM <http://g> { ?s ?p ?o }", [], [], Dataset()),  # the query's own dataset
    ("SELECT * FROM NAMED <http://g> { ?s ?p ?o }", [], [], Dataset()),
    ("SELECT * { ?s ?p ?o }", ["http://g"], [], Dataset(default_graph=["http://g"], named_graphs=[])),
    ("SELECT * { ?s ?p ?o }", [], ["http://g"], Dataset(default_graph=[], named_graphs=["http://g"])),
    ("SELECT * FROM <http://q> { ?s ?p ?o }", [], ["http://g"], Dataset(default_graph=[], named_graphs=["http://g"])),
])
def test_dataset(query, default, named, expected):
    assert dataset(query, default, named, union=True) == expected


def test_dataset_on_a_store():
    """What each rule means on pyoxigraph: FROM NAMED alone, or named-graph-uri alone, empties the default graph."""
    store = ox.Store()
    g1, g2 = ox.NamedNode("http://g/1"), ox.NamedNode("http://g/2")
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://p"), ox.Literal("1"), g1))
    store.add(ox.Quad(ox.NamedNode("http://b"), ox.NamedNode("http://p"), ox.Literal("2"), g2))

    def count(query, default=(), named=()):
        options = dataset(query, list(default), list(named), union=True).options()
        return int(next(iter(store.query(query, **options)))["n"].value)

    plain = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(plain) == 2  # the union
    assert count("SELECT (COUNT(*) AS ?n) FROM <http://g/1> WHERE { ?s ?p ?o }") == 1
    assert count("SELECT (COUNT(*) AS ?n) FROM NAMED <http://g/1> WHERE { ?s ?p ?o }") == 0
    assert count(plain, named=["http://g/1"]) == 0
    assert count(plain, default=["http://g/2"]) == 1
    assert count("SELECT (COUNT(*) AS ?n) FROM <http://g/1> FROM <http://g/2> WHERE { ?s ?p ?o }",
                 default=["http://g/2"]) == 1  # the protocol's parameters win
    assert count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", default=["http://g/1"]) == 0


@pytest.mark.parametrize("charset", [None, "utf-8", "UTF8", "ISO-8859-1", "latin1", "windows-1252", "us-ascii"])
def test_ascii_compatible_charsets_are_accepted(charset):
    assert codec_for(charset)


@pytest.mark.parametrize(("charset", "message"), [
    ("UTF-16", "charset 'UTF-16' is not accepted"),
    ("utf-32-le", "is not accepted"),
    ("no-such-charset", "unknown charset 'no-such-charset'"),
])
def test_other_charsets_are_415(charset, message):
    with pytest.raises(ProtocolError, match=message) as e:
        codec_for(charset)
    assert e.value.status == 415


def test_decode_names_the_bad_byte():
    assert decode("Ségou".encode("latin-1"), "ISO-8859-1", "the query") == "Ségou"
    with pytest.raises(ProtocolError, match=r"the query is not valid UTF-8: byte 1 \(0xe9\)") as e:
        decode("Ségou".encode("latin-1"), None, "the query")
    assert e.value.status == 400


def test_parse_form_decodes_percent_escapes_in_the_declared_charset():
    assert parse_form(b"query=S%E9gou&format=json&x=", "ISO-8859-1", "the form") == [
        ("query", "Ségou"), ("format", "json"), ("x", "")]
    assert parse_form(b"query=S%C3%A9gou+x", None, "the form") == [("query", "Ségou x")]
    with pytest.raises(ProtocolError, match="the form field 'query' is not valid UTF-8"):
        parse_form(b"query=S%E9gou", None, "the form")
