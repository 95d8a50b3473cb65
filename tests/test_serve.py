"""``kg serve`` answered by real clients: SPARQLWrapper, curl and urllib.

The server runs as a user would start it (``kg serve --port 0``, a fresh
process) over the session's built store, with a short time limit and a small
result-size limit so that both limits can be reached on the curated data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from kg.graph import namespaces as ns
from kg.serve.endpoint import Limits, QueryPool, QueryTimeoutError, examples, snapshot, uses_service
from kg.store import sparql
from kg.store.embedded import with_values

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 2
# A query no engine answers in 2 s on ten thousand triples: a triple cross product.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def endpoint(store, kg_home):
    """``kg serve`` in its own process, with the short time limit; the URL of its /sparql endpoint."""
    yield from _serve(kg_home, TIMEOUT)


@pytest.fixture(scope="module")
def unhurried_endpoint(store, kg_home):
    """``kg serve`` with a time limit no busy machine makes a query miss (a day): for tests
    of answers, which must not depend on the machine's load (2 s failed 5 times in 10)."""
    yield from _serve(kg_home, 86_400)


def _serve(kg_home, timeout: float):
    env = {**os.environ, "KG_HOME": str(kg_home)}
    env.pop("KG_ENDPOINT", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", "0", "--timeout", str(timeout), "--max-result-mb", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    line = process.stdout.readline()
    if not line.startswith("SPARQL endpoint: "):
        process.kill()
        pytest.fail(f"kg serve did not start: {line}{process.stderr.read()}")
    url = line.split()[2]
    try:
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
        # its own snapshot (the other server of this module may still run, with its own)
        assert not (kg_home / "serve" / f"snapshot-{process.pid}").exists(), "the snapshot should be removed on exit"


def http(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of one request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=600) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8")


def form(query: str, **extra) -> bytes:
    return urllib.parse.urlencode({"query": query, **extra}).encode()


def who_fought_2013() -> str:
    return with_values(sparql.get("who-fought-in-year").text, {"year": 2013})


# -- a real client ----------------------------------------------------------------


def test_sparqlwrapper_select_gives_the_embedded_answer(endpoint, store):
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setQuery(who_fought_2013())
    client.setReturnFormat(JSON)
    data = client.query().convert()
    served = [(b["actorLabel"]["value"], b["opponentLabel"]["value"], b["start"]["value"])
              for b in data["results"]["bindings"]]
    local = [(r["actorLabel"], r["opponentLabel"], r["start"].isoformat()) for r in store.select(who_fought_2013())]
    assert served == local
    assert ("Ansar Dine", "French Armed Forces", "2013-01-11") in served or len(served) > 5


def test_sparqlwrapper_post_ask_and_construct(endpoint, store):
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery(f"ASK {{ GRAPH ?g {{ <{ns.ACTOR}jnim> a ?t }} }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True

    client.setQuery(f"CONSTRUCT {{ <{ns.ACTOR}jnim> ?p ?o }} WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}")
    client.setReturnFormat(TURTLE)
    import rdflib

    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    local = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}")[0]["n"]
    assert len(graph) == local > 10


def test_our_own_remote_store_answers_through_kg_serve(endpoint, kg):
    """kg serve is a SPARQL endpoint like any other: kg --endpoint works against it."""
    local = kg("fought", "JNIM", "--year", "2024")
    there = kg("--endpoint", endpoint, "fought", "JNIM", "--year", "2024")
    assert there.code == 0, there.stderr
    assert there.stdout == local.stdout


def test_every_example_on_the_page_runs(unhurried_endpoint, store):
    for example in examples(store):
        status, _, body = http(unhurried_endpoint, data=form(example["query"]), headers={"Accept": "application/sparql-results+json"})
        assert status == 200, (example["name"], body)
        assert "results" in json.loads(body)


# -- curl, content negotiation, CORS ------------------------------------------------


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_get_csv(endpoint):
    query = 'SELECT ?label WHERE { GRAPH ?g { actor:jnim rdfs:label ?label FILTER(LANG(?label) = "en") } }'  # @fr too
    out = subprocess.run(
        ["curl", "-sS", "-G", "--data-urlencode", f"query={query}", "-H", "Accept: text/csv", endpoint],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    assert out.splitlines() == ["label", "Jama'at Nusrat al-Islam wal-Muslimin"]


@pytest.mark.parametrize(("accept", "media", "check"), [
    ("application/sparql-results+json", "application/sparql-results+json", lambda b: json.loads(b)["results"]),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: "<sparql" in b),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.startswith("?label\n")),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json", lambda b: json.loads(b)),
    (None, "application/sparql-results+json", lambda b: json.loads(b)),
])
def test_select_content_negotiation(endpoint, accept, media, check):
    query = 'SELECT ?label WHERE { GRAPH ?g { actor:jnim rdfs:label ?label FILTER(LANG(?label) = "en") } }'  # @fr too
    status, headers, body = http(endpoint + "?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": accept} if accept else {})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert check(body)
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_content_negotiation(endpoint, accept, fmt):
    query = f"CONSTRUCT {{ <{ns.ACTOR}jnim> ?p ?o }} WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}"
    status, headers, body = http(endpoint, data=form(query), headers={"Accept": accept})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == accept
    triples = list(ox.parse(body.encode(), format=fmt))
    assert len(triples) > 10


def test_format_parameter_overrides_accept(endpoint):
    status, headers, body = http(endpoint, data=form("ASK { ?s ?p ?o }", format="xml"),
                                 headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    assert "<boolean>true</boolean>" in body


def test_post_sparql_query_body_and_union_default_graph(endpoint):
    status, _, body = http(endpoint, data=b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                           headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200, body
    assert int(body.splitlines()[1]) > 5000  # the default graph is the union of the named graphs


def test_cors_preflight(endpoint):
    status, headers, _ = http(endpoint, method="OPTIONS", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_service_description(endpoint):
    status, headers, body = http(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"] == "text/turtle"
    graph = list(ox.parse(body.encode(), format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    values = {(t.predicate.value, t.object.value) for t in graph}
    assert (sd + "endpoint", endpoint) in values
    assert (sd + "supportedLanguage", sd + "SPARQL11Query") in values
    assert (sd + "name", ns.CURATED_GRAPH) in values
    assert (sd + "resultFormat", "http://www.w3.org/ns/formats/SPARQL_Results_CSV") in values


def test_html_page_has_a_form_and_the_named_queries(endpoint):
    status, headers, body = http(endpoint.rsplit("/", 1)[0] + "/", headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<form id="form" method="get" action="' + endpoint + '"' in body
    for q in sparql.named_queries().values():
        assert q.title.replace("'", "&#x27;").replace('"', "&quot;") in body
    data = body.split('<script type="application/json" id="example-data">', 1)[1].split("</script>", 1)[0]
    assert len(json.loads(data)) == len(sparql.named_queries())
    # a browser asking the endpoint itself with no query also gets the page
    assert "<title>sahel-kg SPARQL endpoint</title>" in http(endpoint, headers={"Accept": "text/html"})[2]


# -- safety ---------------------------------------------------------------------------


def test_update_is_refused(endpoint, store):
    update = f"INSERT DATA {{ GRAPH <{ns.CURATED_GRAPH}> {{ <{ns.ACTOR}x> <{ns.RDFS}label> \"x\" }} }}"
    status, _, body = http(endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and "read-only" in body
    status, _, body = http(endpoint, data=urllib.parse.urlencode({"update": update}).encode())
    assert status == 403 and "SPARQL Update is refused" in body
    status, _, body = http(endpoint, data=form(update))  # an update sent as a query does not parse
    assert status == 400
    status, _, body = http(endpoint, data=form(f"ASK {{ GRAPH ?g {{ <{ns.ACTOR}x> ?p ?o }} }}"),
                           headers={"Accept": "application/json"})
    assert json.loads(body)["boolean"] is False


def test_sparqlwrapper_update_is_refused(endpoint):
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint, updateEndpoint=endpoint)
    client.setMethod(POST)
    client.setQuery("CLEAR ALL")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        client.query()


def test_bad_query_gets_400_with_the_parse_error(endpoint):
    status, headers, body = http(endpoint, data=form("SELECT * WHERE {\n  ?s ?p }"))
    assert status == 400
    assert headers["Content-Type"].startswith("text/plain")
    assert body.startswith("SPARQL syntax error: error at 2:")


def test_query_over_the_time_limit_is_stopped(endpoint):
    status, _, body = http(endpoint, data=form(SLOW))
    assert status == 503
    assert f"the query was stopped after {TIMEOUT} s, the server's time limit per query" in body
    # the server goes on answering with a fresh worker
    status, _, body = http(endpoint, data=form("ASK { ?s ?p ?o }"), headers={"Accept": "application/json"})
    assert status == 200 and json.loads(body)["boolean"] is True


def test_answer_over_the_size_limit_is_refused(endpoint):
    status, _, body = http(endpoint, data=form("SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 100000"))
    assert status == 413
    assert "larger than 5,000,000 bytes, the server's result-size limit; add a LIMIT" in body
    status, _, body = http(endpoint, data=form("SELECT * WHERE { ?s ?p ?o } LIMIT 5"), headers={"Accept": "text/csv"})
    assert status == 200 and len(body.splitlines()) == 6


def test_federated_query_is_refused(endpoint):
    status, _, body = http(endpoint, data=form("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"))
    assert status == 403 and "SERVICE" in body


@pytest.mark.parametrize(("method", "headers", "status"), [
    ("PUT", {"Content-Type": "text/turtle"}, 405),
    ("POST", {"Content-Type": "text/turtle"}, 415),
])
def test_wrong_method_or_body(endpoint, method, headers, status):
    assert http(endpoint, data=b"<a:a> <a:a> <a:a> .", headers=headers, method=method)[0] == status


def test_unacceptable_format_gets_406(endpoint):
    status, _, body = http(endpoint, data=form("SELECT * WHERE { ?s ?p ?o } LIMIT 1"), headers={"Accept": "image/png"})
    assert status == 406 and "application/sparql-results+json" in body


def test_push_to_the_read_only_server_fails_clearly(endpoint, kg):
    result = kg("push", "--endpoint", endpoint)
    assert result.code == 5
    assert "Error: the server at " in result.stderr and "404" in result.stderr


def test_busy_port_is_a_usage_error(endpoint, kg):
    port = urllib.parse.urlsplit(endpoint).port
    result = kg("serve", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


# -- the worker pool, in process ---------------------------------------------------------


def test_time_limit_kills_the_worker_process(store, tmp_path):
    path = snapshot(store, tmp_path)
    pool = QueryPool(path, Limits(timeout=1, workers=1))
    try:
        (before,) = pool.pids()
        with pytest.raises(QueryTimeoutError, match="stopped after 1 s"):
            pool.run({"query": SLOW, "results_type": "text/csv", "rdf_type": None})
        answer = pool.run({"query": "ASK { ?s ?p ?o }", "results_type": "application/json", "rdf_type": None})
        assert answer[0] == "ok" and json.loads(answer[2])["boolean"] is True
        (after,) = pool.pids()  # a fresh worker answered; never more than the limit of one
        assert after != before
        with pytest.raises(ProcessLookupError):  # really gone, not left computing
            os.kill(before, 0)
    finally:
        pool.close()
    with pytest.raises(ProcessLookupError):
        os.kill(after, 0)


def test_a_client_at_its_share_waits_and_others_go_on(store, tmp_path, caplog):
    """One client's slow queries use up its own share of the workers, not everyone's."""
    import threading

    path = snapshot(store, tmp_path)
    pool = QueryPool(path, Limits(timeout=2, workers=3, per_client=1))
    ask = {"query": "ASK { ?s ?p ?o }", "results_type": "application/json", "rdf_type": None}
    try:
        def run_slow():
            with pytest.raises(QueryTimeoutError):
                pool.run({"query": SLOW, "results_type": "text/csv"}, "10.0.0.1")

        slow = threading.Thread(target=run_slow)
        slow.start()
        while "10.0.0.1" not in pool._clients:  # the slow query has its turn
            threading.Event().wait(0.01)
        assert pool.run(ask, "10.0.0.2")[0] == "ok"  # another client is answered meanwhile
        assert "stopping query worker" not in caplog.text
        assert pool.run(ask, "10.0.0.1")[0] == "ok"  # the same client waited behind its own slow query:
        assert "stopping query worker" in caplog.text  # it was stopped at the limit before this one ran
        slow.join()
        assert len(pool.pids()) <= 3
    finally:
        pool.close()


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("select * where { service silent <http://x/> { ?s ?p ?o } }", True),
    ("SELECT ?service WHERE { ?service a <http://x/SERVICE> }", False),
    ('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE', False),
    ("PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }", False),
])
def test_uses_service(query, expected):
    assert uses_service(query) is expected


def test_query_page_in_a_browser(endpoint, store):
    """A person's path: open the page, pick an example, run it, read the table."""
    chromium = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(chromium):
        pytest.skip(f"{chromium} is not installed (make test installs it: scripts/install-debian.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    expected = sparql.run(store, "who-fought-in-year", year=2013)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(endpoint.rsplit("/", 1)[0] + "/")
            # the page works under its own Content-Security-Policy (a blocked script or style is a console error)
            assert "script-src 'sha256-" in response.headers["content-security-policy"]
            page.get_by_text("Who fought whom in a year").click()
            assert "VALUES (?year)" in page.locator("#query").input_value()
            page.get_by_role("button", name="Run").click()
            page.wait_for_selector("#result table", timeout=30000)
            assert page.locator("#result tbody tr").count() == len(expected)
            assert page.locator("#status").inner_text().startswith(f"{len(expected)} rows in ")
            assert page.locator("#result th").all_inner_texts()[:2] == ["actor", "actorLabel"]
            # a bad query shows the server's 400 message
            page.locator("#query").fill("SELECT * WHERE {")
            page.get_by_role("button", name="Run").click()
            page.wait_for_selector("#status.error")
            assert page.locator("#status").inner_text().startswith("400: SPARQL syntax error")
            # the table view of a CONSTRUCT: the raw Turtle, through the same fetch()
            page.locator("#query").fill(JNIM_GRAPH)
            page.locator("#format").select_option("ttl")
            page.get_by_role("button", name="Run").click()
            page.wait_for_selector("#raw")
            assert "Nusrat al-Islam" in page.locator("#raw").inner_text()
            assert not [e for e in errors if "400" not in e]
            assert not [e for e in errors if "Content Security Policy" in e]
        finally:
            browser.close()


# -- the dataset: FROM, FROM NAMED, the protocol's graph parameters ------------------------

CURATED, ONTOLOGY = ns.CURATED_GRAPH, ns.dataset_graph("ontology")
DATASET_QUERIES = [  # each names its dataset, so every engine must give the same answer
    f"SELECT (COUNT(*) AS ?n) FROM <{CURATED}> WHERE {{ ?s ?p ?o }}",
    f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}",
    f"SELECT (COUNT(*) AS ?n) FROM <{CURATED}> FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}",
    f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}",  # the default graph is empty
    f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g",
    f"SELECT ?g (COUNT(*) AS ?n) FROM <{ONTOLOGY}> FROM NAMED <{CURATED}> "
    f"WHERE {{ ?c a <{ns.OWL}Class> . GRAPH ?g {{ ?x a ?c }} }} GROUP BY ?g",
    f"SELECT ?label FROM <{CURATED}> WHERE {{ <{ns.ACTOR}jnim> <{ns.RDFS}label> ?label }}",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
]


@pytest.fixture(scope="module")
def oxigraph(kg, endpoint):
    """Oxigraph's own server (``oxigraph serve``) holding the same graphs, pushed with kg push."""
    from tests.servers import oxigraph_server

    with oxigraph_server() as server:
        pushed = kg("push", "--endpoint", server.endpoint)
        assert pushed.code == 0, pushed.stderr
        yield server.endpoint


def csv_of(url: str, query: str, **params) -> list[str]:
    status, _, body = http(url, data=form(query, **params), headers={"Accept": "text/csv"})
    assert status == 200, body
    return sorted(body.splitlines()[1:])


@pytest.mark.parametrize("query", DATASET_QUERIES)
def test_the_query_names_its_dataset_same_answer_everywhere(endpoint, oxigraph, kg, query):
    served = csv_of(endpoint, query)
    local = kg("query", query, "--format", "csv")
    assert local.code == 0, local.stderr
    assert served == sorted(local.stdout.splitlines()[1:]) == csv_of(oxigraph, query)
    assert served and served != ["0"] or "FROM NAMED" in query


def test_from_is_honoured(endpoint):
    """The issue's case: FROM <graph> counts that graph, not the union."""
    one = csv_of(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}")
    union = csv_of(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert 0 < int(one[0]) < int(union[0])


@pytest.mark.parametrize(("params", "query"), [
    ({"default-graph-uri": ONTOLOGY}, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
    ({"named-graph-uri": ONTOLOGY}, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),  # the default graph is empty
    ({"named-graph-uri": ONTOLOGY}, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"),
    ({"default-graph-uri": ONTOLOGY}, f"SELECT (COUNT(*) AS ?n) FROM <{CURATED}> WHERE {{ ?s ?p ?o }}"),  # params win
    ({"named-graph-uri": ONTOLOGY}, f"SELECT (COUNT(*) AS ?n) FROM <{CURATED}> WHERE {{ ?s ?p ?o }}"),
])
def test_protocol_graph_parameters_same_answer_as_oxigraph(endpoint, oxigraph, params, query):
    assert csv_of(endpoint, query, **params) == csv_of(oxigraph, query, **params)


def test_no_dataset_means_the_union_as_on_oxigraph(endpoint, oxigraph):
    """With neither FROM nor graph parameters the default graph is the union of the named graphs:
    what Oxigraph's server gives for union-default-graph."""
    query = "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type"
    served = csv_of(endpoint, query)
    assert served == csv_of(oxigraph + "?union-default-graph", query)
    assert len(served) > 10


# -- the base IRI -------------------------------------------------------------------------


def test_relative_iris_resolve_against_the_endpoint(endpoint):
    status, headers, body = http(endpoint, data=b'CONSTRUCT { <s> <p> "o" } WHERE {}',
                                 headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert status == 200, body
    base = endpoint.rsplit("/", 1)[0]
    assert body.strip() == f'<{base}/s> <{base}/p> "o" .'
    status, _, body = http(endpoint, data=form('BASE <http://example.org/x/> SELECT ?i { BIND(<y> AS ?i) }'),
                           headers={"Accept": "text/csv"})
    assert body.splitlines()[1] == "http://example.org/x/y"  # the query's own BASE comes first


# -- clients: SPARQLWrapper's formats with its defaults, rdflib's SPARQLStore -------------------

JNIM_GRAPH = f"CONSTRUCT {{ <{ns.ACTOR}jnim> ?p ?o }} WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}"
JNIM_DESCRIBE = f"DESCRIBE <{ns.ACTOR}jnim>"
SPARQLWRAPPER_FORMATS = ["json", "xml", "turtle", "n3", "rdf", "rdf+xml", "csv", "tsv", "json-ld"]
FITS_A_GRAPH = {"json", "xml", "turtle", "n3", "rdf", "rdf+xml", "json-ld"}  # SPARQLWrapper gets what it asked for


def triples_of(converted) -> set:
    """What SPARQLWrapper's convert() gives for a graph (an rdflib graph, or Turtle bytes), as a set of triples."""
    import rdflib

    if isinstance(converted, bytes):
        converted = rdflib.Graph().parse(data=converted, format="turtle")
    return {tuple(str(x) for x in t[:3]) for t in converted.triples((None, None, None))}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", [JNIM_GRAPH, JNIM_DESCRIBE], ids=["construct", "describe"])
@pytest.mark.parametrize("fmt", SPARQLWRAPPER_FORMATS)
def test_sparqlwrapper_graph_queries_in_every_format(endpoint, store, recwarn, fmt, query, method):
    from SPARQLWrapper import SPARQLWrapper

    expected = {(str(t.subject.value), str(t.predicate.value), str(t.object.value))
                for t in store.store.query(query, use_default_graph_as_union=True)}
    client = SPARQLWrapper(endpoint)  # its defaults: format=/output=/results= beside Accept
    client.setMethod(method)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    result = client.query()
    media = result.info()["content-type"].split(";")[0]
    assert triples_of(result.convert()) == expected and len(expected) > 10
    mismatch = [str(w.message) for w in recwarn if "Format requested was" in str(w.message)]
    if fmt in FITS_A_GRAPH:
        assert not mismatch, (media, mismatch)
    else:  # csv/tsv do not fit a graph: SPARQLWrapper sends Accept */*, the default (Turtle) comes back
        assert media == "text/turtle"


@pytest.mark.parametrize("fmt", SPARQLWRAPPER_FORMATS)
def test_sparqlwrapper_select_and_ask_in_every_format(endpoint, fmt):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setQuery(f"SELECT ?label WHERE {{ GRAPH ?g {{ <{ns.ACTOR}jnim> <{ns.RDFS}label> ?label }} }}")
    client.setReturnFormat(fmt)
    result = client.query()
    media = result.info()["content-type"].split(";")[0]
    body = result.response.read().decode()
    assert "Nusrat al-Islam wal-Muslimin" in body
    expected = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
    assert media == expected.get(fmt, "application/sparql-results+json")  # RDF formats do not fit: the default
    client.setQuery(f"ASK {{ GRAPH ?g {{ <{ns.ACTOR}jnim> ?p ?o }} }}")
    answer = client.query()
    assert answer.info()["content-type"].split(";")[0] == media
    assert "true" in answer.response.read().decode()


def test_rdflib_sparqlstore(endpoint, store):
    """rdflib's SPARQLStore: a graph bound to one named graph (default-graph-uri), and the whole dataset."""
    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    sparql_store = SPARQLStore(endpoint, returnFormat="xml")
    ontology = rdflib.Graph(sparql_store, identifier=rdflib.URIRef(ONTOLOGY))
    local = len(store.quads(ONTOLOGY))
    assert len(ontology) == local > 100
    assert (rdflib.URIRef(ns.SKG + "fought"), rdflib.RDF.type, rdflib.OWL.ObjectProperty) in ontology
    rows = list(ontology.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert int(rows[0][0]) == local
    dataset = rdflib.Dataset(SPARQLStore(endpoint), default_union=True)  # sends no default-graph-uri
    labels = list(dataset.query(f'SELECT ?l WHERE {{ <{ns.ACTOR}jnim> <{ns.RDFS}label> ?l FILTER(LANG(?l) = "en") }}'))
    assert [str(r[0]) for r in labels] == ["Jama'at Nusrat al-Islam wal-Muslimin"]
    assert {str(c) for c in sparql_store.contexts()} >= {CURATED, ONTOLOGY}  # (Dataset.contexts() adds a graph)


# -- format parameters and Accept ---------------------------------------------------------------


@pytest.mark.parametrize(("query", "params", "accept", "media"), [
    (JNIM_GRAPH, {"format": "xml"}, None, "application/rdf+xml"),  # xml means RDF/XML for a graph
    ("ASK {}", {"format": "xml"}, None, "application/sparql-results+xml"),  # and SPARQL XML for results
    (JNIM_GRAPH, {"output": "json"}, None, "application/ld+json"),
    (JNIM_GRAPH, {"results": "n3"}, None, "text/turtle"),
    (JNIM_GRAPH, {"format": "csv"}, "application/n-triples", "application/n-triples"),  # unfit: Accept decides
    (JNIM_GRAPH, {"format": "csv"}, None, "text/turtle"),  # unfit, no Accept: the form's default
    ("SELECT * {} ", {"format": "turtle"}, "text/tab-separated-values", "text/tab-separated-values"),
    ("SELECT * {} ", {"format": "no-such-format"}, "*/*", "application/sparql-results+json"),
    (JNIM_GRAPH, {"format": "application/ld+json,application/x-json+ld"}, "*/*", "application/ld+json"),
    ("SELECT * {} ", {"format": "text/tab-separated-values"}, "image/png", "text/tab-separated-values"),
])
def test_format_parameters(endpoint, query, params, accept, media):
    status, headers, body = http(endpoint, data=form(query, **params), headers={"Accept": accept} if accept else {})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media


def test_nothing_fits_is_406(endpoint):
    status, _, body = http(endpoint, data=form(JNIM_GRAPH, format="csv"), headers={"Accept": "text/csv"})
    assert status == 406 and "this query gives an RDF graph; accept one of: text/turtle" in body


# -- requests: what is missing, charsets, sizes --------------------------------------------------


def test_post_without_a_query_is_400(endpoint):
    status, _, body = http(endpoint, data=urllib.parse.urlencode({"default-graph-uri": CURATED}).encode())
    assert status == 400 and body.startswith("no query: send it as the query= field")
    status, _, body = http(endpoint, data=b"", headers={"Content-Type": "application/sparql-query"})
    assert status == 400 and "no query" not in body and "empty" in body


@pytest.mark.parametrize("charset", ["ISO-8859-1", "windows-1252", "utf-8"])
def test_declared_charset_is_honoured(endpoint, charset):
    query = 'SELECT ?x WHERE { BIND("Goïta à Ségou" AS ?x) }'
    status, _, body = http(endpoint, data=query.encode(charset),
                           headers={"Content-Type": f"application/sparql-query; charset={charset}", "Accept": "text/csv"})
    assert status == 200, body
    assert body.splitlines()[1] == "Goïta à Ségou"
    form_body = urllib.parse.urlencode({"query": query}, encoding=charset).encode()
    status, _, body = http(endpoint, data=form_body, headers={
        "Content-Type": f"application/x-www-form-urlencoded; charset={charset}", "Accept": "text/csv"})
    assert body.splitlines()[1] == "Goïta à Ségou"


@pytest.mark.parametrize(("content_type", "data", "status", "message"), [
    ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 415, "charset 'UTF-16' is not accepted"),
    ("application/sparql-query; charset=klingon", b"ASK {}", 415, "unknown charset 'klingon'"),
    ("application/sparql-query", 'ASK { FILTER("Goïta" != "") }'.encode("latin-1"), 400,
     "the query is not valid UTF-8: byte 16 (0xef)"),
])
def test_undecodable_bodies(endpoint, content_type, data, status, message):
    got, _, body = http(endpoint, data=data, headers={"Content-Type": content_type})
    assert got == status and message in body


def raw_post(url: str, headers: dict, chunks) -> tuple[int, str]:
    """POST with http.client, the body sent as given (a chunked iterator or bytes); (status, body)."""
    import http.client

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("POST", parts.path, body=chunks, headers=headers,
                           encode_chunked=not isinstance(chunks, bytes))
        response = connection.getresponse()
        return response.status, response.read().decode()
    except (BrokenPipeError, ConnectionResetError) as e:  # the server may close before the body is sent
        return 0, str(e)
    finally:
        connection.close()


def test_oversized_bodies_are_413_before_they_are_read(endpoint):
    limit = 1024 * 1024  # the default --max-request-kb 1024
    query = b"ASK {}" + b" " * (limit - 6)
    status, body = raw_post(endpoint, {"Content-Type": "application/sparql-query", "Accept": "text/csv"}, query)
    assert status == 200 and body == "true"  # exactly at the limit
    status, body = raw_post(endpoint, {"Content-Type": "application/sparql-query",
                                       "Content-Length": str(300 * limit)}, b"ASK {}")  # a 300 MB claim, never sent
    assert status == 413 and "larger than 1,048,576 bytes, the server's limit (--max-request-kb)" in body
    chunks = (b"#" + b" " * 65535 for _ in range(40))  # 2.6 MB, chunked: no length to check
    status, body = raw_post(endpoint, {"Content-Type": "application/sparql-query"}, chunks)
    assert status in (413, 0), body
    status, body = raw_post(endpoint, {"Content-Type": "application/sparql-query", "Accept": "text/csv"},
                            iter([b"ASK ", b"{}"]))
    assert status == 200 and body == "true"


@pytest.mark.parametrize(("accept", "media"), [
    ("*/*", "text/turtle"),  # curl's default
    (None, "text/turtle"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),  # a browser
])
def test_get_without_a_query(endpoint, accept, media):
    status, headers, body = http(endpoint, headers={"Accept": accept} if accept else {})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert ("<title>sahel-kg SPARQL endpoint</title>" in body) == (media == "text/html")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_html_page_has_nosniff_and_a_csp(endpoint):
    status, headers, body = http(endpoint.rsplit("/", 1)[0] + "/")
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'sha256-" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize(("query", "accept", "media"), [
    # YASGUI (@triply/yasqe) posts a form with its acceptHeaderSelect / acceptHeaderGraph: the older defaults
    # with */*;q=0.9, the newer without
    ("SELECT * { ?s ?p ?o } LIMIT 1", "application/sparql-results+json,*/*;q=0.9", "application/sparql-results+json"),
    ("ASK { ?s ?p ?o }", "application/sparql-results+json", "application/sparql-results+json"),
    (JNIM_GRAPH, "text/turtle,*/*;q=0.9", "text/turtle"),
    (JNIM_DESCRIBE, "text/turtle", "text/turtle"),
    (JNIM_GRAPH, "text/turtle,application/n-triples,application/rdf+xml,application/trig,application/n-quads",
     "text/turtle"),
])
def test_yasgui_requests(endpoint, query, accept, media):
    status, headers, body = http(endpoint, data=form(query), headers={
        "Accept": accept, "Origin": "https://yasgui.triply.cc"})
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_store_that_is_not_an_oxigraph_store_is_a_usage_error(kg, tmp_path):
    result = kg("serve", "--port", "0", "--store", str(tmp_path))
    assert result.code == 2
    assert f"--store {tmp_path}: not an Oxigraph store directory" in result.stderr
