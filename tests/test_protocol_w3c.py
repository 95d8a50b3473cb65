"""The W3C SPARQL 1.1 Protocol tests (``sparql/sparql11/protocol/manifest.ttl`` in
github.com/w3c/rdf-tests) against a real ``kg serve``.

Every test of the manifest is here under its own name, its requests and
expectations written from the manifest: method, path and query string, body,
Content-Type, expected status class, result format ("boolean", "tabular",
"RDF") and boolean. The query-side tests run as written; ``kg serve`` is
read-only, so the update-side tests must get 403 (and leave the data as it
was). The manifest's data sets (``data1.nt`` .. ``data3.nt``: one triple
each, ``<dataN.rdf> a foaf:Document`` in the graph ``<dataN.rdf>``) are
loaded into a store of their own, which ``kg serve --store`` serves.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def q(**params) -> str:
    """A query string; a list value repeats the parameter."""
    return urllib.parse.urlencode([(k.replace("_", "-"), v) for k, vs in params.items()
                                   for v in (vs if isinstance(vs, list) else [vs])], quote_via=urllib.parse.quote)


DATA0 = KASEI + "data0.rdf"
D1, D2, D3 = (KASEI + f"data{i}.rdf" for i in (1, 2, 3))
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


@dataclass
class Case:
    name: str
    method: str
    query_string: str = ""
    body: bytes | None = None
    content_type: str | None = None
    status: int = 2  # the class: 2 for 2xx (the manifest allows 2xx or 3xx), 4 for 4xx
    fmt: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    headers: dict = field(default_factory=dict)


ASK_D1_D2_DEFAULT = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
ASK_D1_D2_NAMED = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"

QUERY_CASES = [
    Case("query_post_form", "POST", q(default_graph_uri=DATA0), b"query=ASK%20%7B%7D", FORM,
         fmt="boolean", boolean=True),
    Case("query_dataset_default_graphs_get", "GET", q(query=ASK_D1_D2_DEFAULT, default_graph_uri=[D1, D2]),
         fmt="boolean", boolean=True),
    Case("query_dataset_default_graphs_post", "POST", q(default_graph_uri=[D1, D2]), ASK_D1_D2_DEFAULT.encode(),
         DIRECT, fmt="boolean", boolean=True),
    Case("query_dataset_named_graphs_post", "POST", q(named_graph_uri=[D1, D2]), ASK_D1_D2_NAMED.encode(),
         DIRECT, fmt="boolean", boolean=True),
    Case("query_dataset_named_graphs_get", "GET", q(query=ASK_D1_D2_NAMED, named_graph_uri=[D1, D2]),
         fmt="boolean", boolean=True),
    Case("query_dataset_full", "POST", q(default_graph_uri=D3, named_graph_uri=[D1, D2]),
         f"ASK {{\n  <{D3}> a ?type\n  GRAPH ?g1 {{ <{D1}> a ?type }}\n  GRAPH ?g2 {{ <{D2}> a ?type }}\n}}".encode(),
         DIRECT, fmt="boolean", boolean=True),
    Case("query_multiple_dataset", "POST", q(named_graph_uri=[D1, D2]),
         f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}".encode(),
         DIRECT, fmt="boolean", boolean=True),
    Case("query_get", "GET", q(query="ASK {}", default_graph_uri=DATA0), fmt="boolean", boolean=True),
    Case("query_content_type_select", "POST", q(default_graph_uri=DATA0), b"SELECT (1 AS ?value) {}", DIRECT,
         fmt="tabular"),
    Case("query_content_type_ask", "POST", q(default_graph_uri=DATA0), b"ASK {}", DIRECT, fmt="boolean"),
    Case("query_content_type_describe", "POST", q(default_graph_uri=DATA0), b"DESCRIBE <http://example.org/>",
         DIRECT, fmt="RDF"),
    Case("query_content_type_construct", "POST", q(default_graph_uri=DATA0), b"CONSTRUCT { <s> <p> 1 } WHERE {}",
         DIRECT, fmt="RDF"),
    Case("query_post_direct", "POST", "", b"ASK {}", DIRECT, fmt="boolean", boolean=True),
    Case("bad_query_method", "PUT", q(query="ASK {}", default_graph_uri=DATA0), None, FORM, status=4),
    Case("bad_multiple_queries", "GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", status=4),
    Case("bad_query_wrong_media_type", "POST", "", b"ASK {}", "text/plain", status=4),
    Case("bad_query_missing_form_type", "POST", "", b"query=ASK%20%7B%7D", None, status=4),
    Case("bad_query_missing_direct_type", "POST", "", b"ASK {}", None, status=4),
    Case("bad_query_non_utf8", "POST", "", "ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16",
         status=4),
    Case("bad_query_syntax", "GET", "query=ASK%20%7B", status=4),
]

FOAF = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
UPDATE_CASES = [  # the update request of each update-side test; all must be refused with 403
    Case("update_dataset_default_graph", "POST", q(using_graph_uri=D1),
         (FOAF + f"CLEAR ALL ;\nINSERT DATA {{ GRAPH <{D1}> {{ <{D1}> a foaf:Document }} }} ;\n"
          "INSERT { GRAPH <http://example.org/protocol-update-dataset-test/> { ?s a dc:BibliographicResource } }\n"
          "WHERE { ?s a foaf:Document }").encode(), UPDATE, status=403),
    Case("update_dataset_default_graphs", "POST", q(using_graph_uri=[D1, D2]),
         (FOAF + f"DROP ALL ;\nINSERT DATA {{ GRAPH <{D1}> {{ <{D1}> a foaf:Document }} }} ;\n"
          "INSERT { GRAPH <http://example.org/protocol-update-dataset-graphs-test/> { ?s a dc:BibliographicResource } }\n"
          "WHERE { ?s a foaf:Document }").encode(), UPDATE, status=403),
    Case("update_dataset_named_graphs", "POST", q(using_named_graph_uri=[D1, D2]),
         (FOAF + "DROP ALL ;\nINSERT { GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> "
          "{ ?s a dc:BibliographicResource } }\nWHERE { GRAPH ?g { ?s a foaf:Document } }").encode(), UPDATE, status=403),
    Case("update_dataset_full", "POST", q(using_graph_uri=D1, using_named_graph_uri=D2),
         (FOAF + "DROP ALL ;\nINSERT DATA {\n" + "".join(f"  GRAPH <{d}> {{ <{d}> a foaf:Document }}\n" for d in (D1, D2, D3))
          + "} ;\nINSERT { GRAPH <http://example.org/protocol-update-dataset-full-test/> { ?s <http://example.org/in> ?in } }\n"
          "WHERE { { GRAPH ?g { ?s a foaf:Document } BIND(?g AS ?in) } UNION "
          "{ ?s a foaf:Document . BIND(\"default\" AS ?in) } }").encode(), UPDATE, status=403),
    Case("update_post_form", "POST", "", b"update=CLEAR+ALL", FORM, status=403),
    Case("update_post_direct", "POST", "", b"CLEAR ALL", UPDATE, status=403),
    Case("update_base_uri", "POST", "",
         b"CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ;\nINSERT DATA { GRAPH "
         b"<http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }",
         UPDATE, status=403),
    Case("bad_update_get", "GET", "update=CLEAR%20ALL", status=403),
    Case("bad_multiple_updates", "POST", "", b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM, status=403),
    Case("bad_update_wrong_media_type", "POST", "", b"CLEAR NAMED", "text/plain", status=403),
    Case("bad_update_missing_form_type", "POST", "", b"update=CLEAR%20NAMED", None, status=403),
    Case("bad_update_non_utf8", "POST", "", "CLEAR NAMED".encode("utf-16"), "application/sparql-update; charset=UTF-16",
         status=403),
    Case("bad_update_syntax", "POST", "", b"update=CLEAR%20XYZ", FORM, status=403),
    Case("bad_update_dataset_conflict", "POST", "using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
         (FOAF + "WITH <http://example/addresses>\nDELETE { ?person foaf:givenName 'Bill' }\n"
          "INSERT { ?person foaf:givenName 'William' }\nWHERE { ?person foaf:givenName 'Bill' }").encode(),
         UPDATE, status=403),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``kg serve --store`` over a store holding the manifest's three one-triple graphs: (host, port, path)."""
    base = tmp_path_factory.mktemp("w3c-protocol")
    store = ox.Store(str(base / "store"))
    for graph in (D1, D2, D3):
        store.add(ox.Quad(ox.NamedNode(graph), ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF_DOCUMENT), ox.NamedNode(graph)))
    store.flush()
    del store
    env = {**os.environ, "KG_HOME": str(base / "home")}
    env.pop("KG_ENDPOINT", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", "0", "--store", str(base / "store"), "--timeout", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    line = process.stdout.readline()
    if not line.startswith("SPARQL endpoint: "):
        process.kill()
        pytest.fail(f"kg serve did not start: {line}{process.stderr.read()}")
    url = urllib.parse.urlsplit(line.split()[2])
    try:
        yield url.hostname, url.port
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0


def send(server, case: Case) -> tuple[int, str, bytes]:
    """One request exactly as the manifest gives it (no Content-Type unless it names one)."""
    host, port = server
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        path = "/sparql/" + ("?" + case.query_string if case.query_string else "")
        connection.putrequest(case.method, path, skip_accept_encoding=True)
        if case.content_type:
            connection.putheader("Content-Type", case.content_type)
        for k, v in case.headers.items():
            connection.putheader(k, v)
        if case.body is not None:
            connection.putheader("Content-Length", str(len(case.body)))
        connection.endheaders(case.body)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def read_boolean(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    if media == "application/sparql-results+xml":
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML).__bool__()
    raise AssertionError(f"a boolean result in {media}")


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda c: c.name)
def test_query_side(server, case):
    status, content_type, body = send(server, case)
    assert status // 100 == case.status, (status, body)
    media = content_type.split(";")[0].strip()
    if case.fmt == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml"), media
        value = read_boolean(media, body)
        if case.boolean is not None:
            assert value is case.boolean
    elif case.fmt == "tabular":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                         "text/tab-separated-values"), media
        rows = list(ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media)))
        assert [r["value"].value for r in rows] == ["1"]
    elif case.fmt == "RDF":
        assert media in ("application/rdf+xml", "text/turtle", "application/n-triples"), media
        triples = list(ox.parse(body, format=ox.RdfFormat.from_media_type(media)))
        if case.name == "query_content_type_construct":  # <s> <p> resolved against the endpoint's URL
            host, port = server
            assert [(t.subject.value, t.predicate.value, t.object.value) for t in triples] == [
                (f"http://{host}:{port}/sparql/s", f"http://{host}:{port}/sparql/p", "1")]


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_update_side_is_refused(server, case):
    status, _, body = send(server, case)
    assert status == 403, body
    assert b"read-only" in body


def test_the_data_survives_the_update_tests(server):
    """After every refused update, the three graphs are still there, each with its triple."""
    case = Case("count", "GET", q(query="SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s a ?t } }"),
                headers={"Accept": "text/csv"})
    status, _, body = send(server, case)
    assert status == 200 and body.decode().split() == ["n", "3"]


def test_every_manifest_test_is_here():
    """The manifest's 34 entries, by name: 20 on the query side, 14 on the update side."""
    names = [c.name for c in QUERY_CASES + UPDATE_CASES]
    assert len(names) == len(set(names)) == 34
    assert sum("update" in n for n in names) == len(UPDATE_CASES) == 14
