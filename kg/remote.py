"""The third store backend: any SPARQL 1.1 server, given by URL.

Queries go through the SPARQL 1.1 Protocol (an HTTP POST of
``application/sparql-query``, results asked as SPARQL JSON) and loading goes
through the SPARQL 1.1 Graph Store HTTP Protocol (a PUT of N-Triples per
named graph), so the same code works against Oxigraph server, Apache Jena
Fuseki, GraphDB, Virtuoso or ``kg serve``. Rows come back as the same plain
Python values as from the embedded stores (``terms.from_json_term``), and
parameters are bound by the same VALUES block (``store.with_values``): the
protocol has no pre-binding, and the library above never knows which store
answered.

Only the standard library is used (urllib): ``kg --endpoint URL fought ...``
must start as fast as the local path.

Every query is sent with our PREFIX declarations in front (on one line, so
that the line numbers of a server's parse error can be moved back), because
the embedded store accepts ``skg:`` and friends without them; a query that
declares a prefix itself overrides ours (SPARQL allows redeclaring).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import namespaces as ns
from .errors import QueryError, StoreError, UsageError
from .store import Row, query_kind, with_values
from .terms import from_json_term

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
    """The Graph Store Protocol URL beside a query endpoint, by Oxigraph's convention.

    Oxigraph serves queries at ``/query`` and graphs at ``/store``; a URL ending
    in ``/sparql`` is mapped the same way. Other servers name theirs
    differently (Fuseki: ``/ds/data``), hence ``--store-url``.
    """
    parts = urllib.parse.urlsplit(endpoint)
    head, _, last = parts.path.rstrip("/").rpartition("/")
    path = f"{head}/store" if last in ("query", "sparql") else parts.path.rstrip("/") + "/store"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class RemoteStore:
    """A SPARQL 1.1 server as a store: select, ask, serialize_results, and graph upload."""

    name = "remote"

    def __init__(self, url: str, *, store_url: str | None = None, timeout: float = 300.0):
        self.url = check_url(url)
        self.store_url = check_url(store_url, "--store-url") if store_url else default_store_url(url)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    # -- the SPARQL 1.1 Protocol ---------------------------------------

    def _post_query(self, query: str, bindings: dict[str, Any] | None, accept: str) -> bytes:
        text = PREFIX_LINE + with_values(query, bindings)
        request = urllib.request.Request(
            self.url, data=text.encode("utf-8"), method="POST",
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        )
        return self._send(request, query=True)

    def _send(self, request: urllib.request.Request, *, query: bool) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace").strip()[:MESSAGE_CHARS]
            if query and e.code == 400:
                message = _unshift_lines(body) or e.reason
                raise QueryError(f"the SPARQL endpoint rejected the query: {message}") from None
            raise StoreError(
                f"the server at {request.full_url} answered {e.code} {e.reason}" + (f": {body}" if body else "")
            ) from None
        except urllib.error.URLError as e:
            raise StoreError(f"cannot reach the SPARQL server at {request.full_url}: {e.reason}") from None
        except TimeoutError:
            raise StoreError(
                f"the SPARQL server at {request.full_url} did not answer within {self.timeout:g} s"
            ) from None
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
        """Run any query and return the server's own serialisation in ``fmt``."""
        if query_kind(query) in ("CONSTRUCT", "DESCRIBE"):
            if fmt not in RDF_MIME:
                raise UsageError(f"unknown RDF format '{fmt}'; expected one of: {', '.join(RDF_MIME)}")
            return "rdf", self._post_query(query, bindings, RDF_MIME[fmt])
        if fmt not in RESULT_MIME:
            raise UsageError(f"unknown results format '{fmt}'; expected one of: {', '.join(RESULT_MIME)}")
        return "results", self._post_query(query, bindings, RESULT_MIME[fmt])

    # -- reading graphs back (for export) ------------------------------

    def graphs(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
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


def push(
    endpoint: str,
    graphs: list[str] | None = None,
    *,
    store_url: str | None = None,
    source=None,
) -> list[dict[str, Any]]:
    """Upload the built graph's named graphs (all, or the given ones) to a SPARQL server.

    Each graph replaces the server's graph of the same IRI (Graph Store
    Protocol PUT), so pushing twice leaves one copy. ``graphs`` are data set
    names (``curated``, ``ontology``, ``acled``) or full IRIs. Each graph is
    dumped to a temporary N-Triples file and streamed, so memory stays flat
    at millions of triples. Returns one ``{"graph", "triples"}`` per graph.
    """
    import pyoxigraph as ox

    if source is None:
        from .cache import open_store

        source = open_store()
    remote = RemoteStore(endpoint, store_url=store_url)
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
        for graph in wanted:
            path = Path(tmp) / "graph.nt"
            source.store.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
            log.info("pushing %s (%d bytes) to %s", graph, path.stat().st_size, remote.store_url)
            done.append({"graph": graph, "triples": remote.put_graph(graph, path)})
            os.unlink(path)
    return done
