"""The third store backend: any SPARQL 1.1 server, given by URL.

Queries go through the SPARQL 1.1 Protocol (an HTTP POST of a URL-encoded
``query=``, results asked as SPARQL JSON) and loading goes
through the SPARQL 1.1 Graph Store HTTP Protocol (a PUT of N-Triples per
named graph), so the same code works against Oxigraph server, Apache Jena
Fuseki, GraphDB, Virtuoso or ``kg serve``. Rows come back as the same plain
Python values as from the embedded stores (``terms.from_json_term``), and
parameters are bound by VALUES blocks at the same place as on the embedded
stores (``store.with_values``; one block per variable, see ``bind``): the
protocol has no pre-binding, and the library above never knows which store
answered.

Only the standard library is used (urllib): ``kg --endpoint URL fought ...``
must start as fast as the local path.

Every wait on the server is bounded: the connection must open within
``connect_timeout`` (10 s) and the whole answer arrive within ``timeout``
(60 s for a query, 600 s for each graph of a push); each read and write of
the socket waits at most the time left. A server that accepts and never
answers gets an error naming the limit and the option that sets it.

Every query is sent with our PREFIX declarations in front (on one line, so
that the line numbers of a server's parse error can be moved back), because
the embedded store accepts ``skg:`` and friends without them; a query that
declares a prefix itself overrides ours (SPARQL allows redeclaring).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import QueryError, StoreError, UsageError
from kg.graph import namespaces as ns
from kg.graph.terms import from_json_term, to_ntriples
from kg.store.embedded import Row, insert_values, query_kind

log = logging.getLogger("kg")

RESULT_MIME = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RDF_MIME = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "xml": "application/rdf+xml",
}
# How much of a server's error body to repeat to the user.
MESSAGE_CHARS = 2000
# Our prefixes, declared on one line before the user's query; error positions
# that servers report are moved back by that line (see _unshift_lines).
PREFIX_LINE = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in ns.PREFIXES.items()) + "\n"
_POSITION = re.compile(r"\b(at |line )(\d+)(?=[:,]| column)")


def _unshift_lines(message: str) -> str:
    """A server's parse error with its line numbers counted in the user's query, not ours."""
    return _POSITION.sub(lambda m: f"{m.group(1)}{max(1, int(m.group(2)) - 1)}", message)


def check_url(url: str, what: str = "--endpoint") -> str:
    """An http(s) URL with a host, or a usage error saying what was expected."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{what}: expected an http:// or https:// URL, got '{url}'")
    return url


def default_store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL beside a query endpoint.

    Oxigraph serves queries at ``/query`` and graphs at ``/store``; Virtuoso
    serves queries at ``/sparql`` (always at the root) and graphs at
    ``/sparql-graph-crud``. Any other path gets ``/store`` by Oxigraph's
    convention; other servers name theirs differently (Fuseki:
    ``/ds/data``), hence ``--store-url``.
    """
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    if path == "/sparql":
        path = "/sparql-graph-crud"
    elif last in ("query", "sparql"):
        path = f"{head}/store"
    else:
        path += "/store"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


_DECLARED = re.compile(r"^#\s*param:\s*(\w+)", re.MULTILINE)


def bind(query: str, bindings: dict[str, Any] | None) -> str:
    """The query with its parameters bound by one VALUES block each, where ``with_values`` puts its one.

    Semantically the same as the embedded stores' one block (``VALUES (?a ?b)
    { (x y) }`` joins like ``VALUES ?a { x } VALUES ?b { y }``, and ``VALUES ?c
    { UNDEF }`` binds nothing), but Virtuoso 7 gets that form wrong: it treats
    the variables of a one-row VALUES of several variables as constants and
    then miscompiles FILTERs that use them (no rows at all for
    fought-statements with an actor and a window, or "SP031 ... Internal
    error: ssg_print_rvr_fixed_val(): no SPART_VARR_FIXED",
    openlink/virtuoso-opensource#839); and a FILTER comparing with
    ``COALESCE(?to, ...)`` where ``?to`` occurs nowhere else drops rows when
    the query also has a property path (events-of-actor without a window).
    So each parameter gets its own block, and a named query's declared
    parameters (its ``# param:`` lines) that are not given get an UNDEF one.
    """
    bindings = dict(bindings or {})
    declared = [n for n in _DECLARED.findall(query) if n not in bindings]
    if not bindings and not declared:
        return query
    blocks = [f"VALUES ?{n} {{ {to_ntriples(v)} }}" for n, v in bindings.items()]
    blocks += [f"VALUES ?{n} {{ UNDEF }}" for n in declared]
    return insert_values(query, " ".join(blocks))


CONNECT_TIMEOUT = 10.0  # seconds for the server to accept the connection (kg --connect-timeout)
QUERY_TIMEOUT = 60.0  # seconds for a whole answer (kg --endpoint-timeout; kg query --timeout)
PUSH_TIMEOUT = 600.0  # seconds for each graph's upload and the server's answer (kg push --timeout)


class _ConnectTimeout(TimeoutError):
    """The server did not accept the connection in time (told apart from a slow answer)."""


def _bounded(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
    class Bounded(base):  # type: ignore[valid-type, misc]
        """Connects within the connect timeout, then reads and writes within ``io_timeout``."""

        io_timeout: float = QUERY_TIMEOUT

        def connect(self) -> None:
            try:
                super().connect()
            except TimeoutError as e:
                raise _ConnectTimeout(str(e)) from None
            self.sock.settimeout(self.io_timeout)

    return Bounded


_HTTP, _HTTPS = _bounded(http.client.HTTPConnection), _bounded(http.client.HTTPSConnection)


class _Handler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    def __init__(self, io_timeout: float):
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self.io_timeout = io_timeout

    def _class(self, base):
        return type(base.__name__, (base,), {"io_timeout": self.io_timeout})

    def http_open(self, req):
        return self.do_open(self._class(_HTTP), req)

    def https_open(self, req):
        return self.do_open(self._class(_HTTPS), req, context=self._context)


class RemoteStore:
    """A SPARQL 1.1 server as a store: select, ask, serialize_results, and graph upload.

    ``connect_timeout`` bounds the wait for the connection, ``timeout`` the
    whole exchange; ``timeout_option`` names the option that sets it, for the message.
    """

    name = "remote"

    def __init__(self, url: str, *, store_url: str | None = None, timeout: float | None = None,
                 connect_timeout: float | None = None, timeout_option: str = "kg --endpoint-timeout"):
        self.url = check_url(url)
        self.store_url = check_url(store_url, "--store-url") if store_url else default_store_url(url)
        self.timeout = timeout or default_timeouts["query"]
        self.connect_timeout = connect_timeout or default_timeouts["connect"]
        self.timeout_option = timeout_option

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    # -- the SPARQL 1.1 Protocol ---------------------------------------

    def _post_query(self, query: str, bindings: dict[str, Any] | None, accept: str) -> bytes:
        text = PREFIX_LINE + bind(query, bindings)
        # A URL-encoded form (query=...), the protocol's other POST: Virtuoso 7
        # never answers a POST of application/sparql-query (the connection
        # hangs; openlink/virtuoso-opensource#842), and every server takes this.
        request = urllib.request.Request(
            self.url, data=urllib.parse.urlencode({"query": text}).encode("ascii"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        return self._send(request, query=True)

    def _send(self, request: urllib.request.Request, *, query: bool) -> bytes:
        deadline = time.monotonic() + self.timeout
        opener = urllib.request.build_opener(_Handler(self.timeout))
        late = StoreError(f"the SPARQL server at {request.full_url} accepted the connection but did not "
                          f"{'answer' if query else 'take the upload and answer'} within {self.timeout:g} s "
                          f"({self.timeout_option} sets the limit)")
        try:
            with opener.open(request, timeout=self.connect_timeout) as response:
                parts = []
                while chunk := response.read(1 << 16):
                    parts.append(chunk)
                    if time.monotonic() > deadline:  # a server that trickles its answer
                        raise late
                return b"".join(parts)
        except urllib.error.HTTPError as e:
            # Virtuoso repeats the query after its message: without our prefixes.
            body = e.read().decode("utf-8", "replace").replace(PREFIX_LINE, "").strip()[:MESSAGE_CHARS]
            if query and e.code == 400:
                message = _unshift_lines(body) or e.reason
                raise QueryError(f"the SPARQL endpoint rejected the query: {message}") from None
            raise StoreError(
                f"the server at {request.full_url} answered {e.code} {e.reason}" + (f": {body}" if body else "")
            ) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, _ConnectTimeout):
                raise StoreError(f"the SPARQL server at {request.full_url} did not accept a connection within "
                                 f"{self.connect_timeout:g} s (kg --connect-timeout sets the limit)") from None
            if isinstance(e.reason, TimeoutError):
                raise late from None
            raise StoreError(f"cannot reach the SPARQL server at {request.full_url}: {e.reason}") from None
        except TimeoutError:
            raise late from None
        except OSError as e:
            raise StoreError(f"talking to the SPARQL server at {request.full_url} failed: {e}") from None

    def _json(self, query: str, bindings: dict[str, Any] | None) -> dict:
        body = self._post_query(query, bindings, RESULT_MIME["json"])
        try:
            return json.loads(body)
        except ValueError:
            raise StoreError(
                f"the SPARQL endpoint {self.url} did not answer in SPARQL JSON: {body[:200]!r}"
            ) from None

    def select(self, query: str, bindings: dict[str, Any] | None = None) -> list[Row]:
        data = self._json(query, bindings)
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        names = data["head"].get("vars", [])
        return [
            {n: from_json_term(b.get(n)) for n in names} for b in data["results"]["bindings"]
        ]

    def ask(self, query: str, bindings: dict[str, Any] | None = None) -> bool:
        data = self._json(query, bindings)
        if "boolean" not in data:
            raise QueryError("expected an ASK query")
        return bool(data["boolean"])

    def serialize_results(
        self, query: str, fmt: str, bindings: dict[str, Any] | None = None
    ) -> tuple[str, bytes]:
        """Run any query and serialise its result in ``fmt``, byte for byte as the embedded store does.

        The server's answer is fetched in one well-supported format (SPARQL XML
        results; N-Triples for CONSTRUCT/DESCRIBE) and written out again by
        pyoxigraph, as ``OxigraphStore`` does. Passing the server's own
        serialisation through would make ``kg query --format`` depend on the
        server: Virtuoso's CSV quotes every field, its TSV is not SPARQL TSV
        (no ``?`` in the header, no datatypes or language tags), its JSON
        writes ``"1"`` for a stored ``true`` (its XML writes ``true``).
        """
        import pyoxigraph as ox

        from kg.store.embedded import _ox_rdf_format

        if query_kind(query) in ("CONSTRUCT", "DESCRIBE"):
            if fmt not in RDF_MIME:
                raise UsageError(f"unknown RDF format '{fmt}'; expected one of: {', '.join(RDF_MIME)}")
            body = self._post_query(query, bindings, RDF_MIME["nt"])
            triples = self._parse(lambda: list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))
            # In subject and predicate order, so that Turtle groups them (Virtuoso's order is its hash's).
            triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            return "rdf", ox.serialize(triples, format=_ox_rdf_format(ox, fmt), prefixes=ns.PREFIXES)
        if fmt not in RESULT_MIME:
            raise UsageError(f"unknown results format '{fmt}'; expected one of: {', '.join(RESULT_MIME)}")
        body = self._post_query(query, bindings, RESULT_MIME["xml"])
        result = self._parse(lambda: ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))
        formats = {
            "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
        }
        return "results", result.serialize(format=formats[fmt])

    def _parse(self, parse):
        try:
            return parse()
        except (SyntaxError, ValueError, OSError) as e:
            raise StoreError(f"the SPARQL endpoint {self.url} sent an answer that does not parse: {e}") from None

    # -- reading graphs back (for export) ------------------------------

    def graphs(self) -> list[str]:
        """Our named graphs on the server (``.../graph/NAME``), not the server's own.

        A server may hold other graphs: Virtuoso always has its system graphs
        (``http://www.openlinksw.com/schemas/virtrdf#`` and a few more), and a
        shared server other people's data; ``kg export`` copies only ours.
        """
        rows = self.select(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{ns.GRAPH}")) }}'
        )
        return sorted(str(r["g"]) for r in rows)

    def quads(self, graph: str | None = None) -> list:
        """The quads of one named graph (or all), fetched by a CONSTRUCT as N-Triples."""
        import pyoxigraph as ox

        out = []
        for name in [graph] if graph else self.graphs():
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            data = self._post_query(query, None, RDF_MIME["nt"])
            g = ox.NamedNode(name)
            out.extend(ox.Quad(t.subject, t.predicate, t.object, g)
                       for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        return out

    # -- the Graph Store Protocol --------------------------------------

    def put_graph(self, graph: str, ntriples: Path) -> int:
        """Replace one named graph on the server by the N-Triples file; the triple count."""
        size = ntriples.stat().st_size
        lines = [0]

        def chunks() -> Iterator[bytes]:
            with open(ntriples, "rb") as f:
                while block := f.read(1 << 20):
                    lines[0] += block.count(b"\n")
                    yield block

        url = self.store_url + "?" + urllib.parse.urlencode({"graph": graph})
        request = urllib.request.Request(
            url, data=chunks(), method="PUT",
            headers={"Content-Type": "application/n-triples", "Content-Length": str(size)},
        )
        self._send(request, query=False)
        return lines[0]


default_timeouts = {"connect": CONNECT_TIMEOUT, "query": QUERY_TIMEOUT}  # kg's global options change them


def push(
    endpoint: str,
    graphs: list[str] | None = None,
    *,
    store_url: str | None = None,
    source=None,
    wait: bool | float = True,
    timeout: float = PUSH_TIMEOUT,
) -> list[dict[str, Any]]:
    """Upload the built graph's named graphs (all, or the given ones) to a SPARQL server.

    Each graph replaces the server's graph of the same IRI (Graph Store
    Protocol PUT), so pushing twice leaves one copy. ``graphs`` are data set
    names (``curated``, ``ontology``, ``acled``) or full IRIs. Each graph is
    dumped to a temporary N-Triples file and streamed, so memory stays flat
    at millions of triples. Returns one ``{"graph", "triples"}`` per graph.

    The local side (reading the graphs out of the on-disk store) holds the
    store's writer lock, like every other process that touches the store
    (``kg.store.locks``; ``wait`` False fails at once if another holds it); the
    upload does not, so a slow server holds up no import. Each graph's upload
    and the server's answer take at most ``timeout`` seconds.
    """
    import pyoxigraph as ox

    if source is None:
        from kg.store.cache import open_store

        source = open_store()
    remote = RemoteStore(endpoint, store_url=store_url, timeout=timeout, timeout_option="kg push --timeout")
    available = source.graphs()
    if graphs:
        wanted = [g if "://" in g else ns.dataset_graph(g) for g in graphs]
        unknown = [g for g in wanted if g not in available]
        if unknown:
            names = ", ".join(ns.local_id(g) for g in available)
            raise UsageError(f"no graph {', '.join(unknown)} in the built store; it has: {names}")
    else:
        wanted = available
    done = []
    with tempfile.TemporaryDirectory(prefix="kg-push-") as tmp:
        dumps = []
        with _local_side(source, wait):
            for i, graph in enumerate(wanted):
                path = Path(tmp) / f"graph-{i}.nt"
                source.store.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
                dumps.append((graph, path))
        for graph, path in dumps:
            log.info("pushing %s (%d bytes) to %s", graph, path.stat().st_size, remote.store_url)
            done.append({"graph": graph, "triples": remote.put_graph(graph, path)})
            os.unlink(path)
    return done


def _local_side(source, wait: bool):
    """The writer lock of ``$KG_HOME`` when ``source`` is a store on disk there; else nothing to hold."""
    import contextlib

    if getattr(source, "path", None) is None:
        return contextlib.nullcontext()
    from kg.store import live, locks

    return locks.writer_lock(live.home(), "kg push", wait=wait)
