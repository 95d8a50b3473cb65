"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

For researchers' own tools (YASGUI, SPARQLWrapper, curl, R): GET and POST
queries at ``/sparql``, results by content negotiation (SPARQL JSON, XML,
CSV, TSV; Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML for CONSTRUCT
and DESCRIBE), CORS headers, a service description (GET ``/sparql`` without
a query), and a small HTML page at ``/`` with a query form and the named
queries of ``kg/queries/`` as examples.

The HTTP side is werkzeug (its request parsing, Accept negotiation and
threaded WSGI server); the SPARQL side is pyoxigraph. What this module adds
is the safety a public-facing endpoint needs:

- **Read-only.** SPARQL Update (``application/sparql-update`` or an
  ``update=`` form field) is refused with 403, and the workers open the
  store read-only, so no request can write. Federated queries (``SERVICE``)
  are refused too unless ``allow_service`` is set, since they would make the
  server fetch any URL a client names.
- **A snapshot.** The served store is a checkpoint of the cached store
  (``Store.backup``: hard links, cheap on the same disk), so a ``kg build``
  running meanwhile cannot change the data under a query.
- **A time limit that really stops the query.** Each query runs in a worker
  *process* (``python -c 'from kg.serve import worker_main; ...'``), not a
  thread: a thread cannot be interrupted inside the engine. The request
  thread waits on the worker's pipe for at most ``timeout`` seconds; past
  that it SIGKILLs the worker (freeing its CPU and memory at once), starts
  a fresh one, and answers 503 with the limit. Workers are plain
  subprocesses rather than multiprocessing children so that starting them
  never re-runs the ``kg`` entry point (multiprocessing's spawn re-imports
  ``__main__``).
- **A result-size limit.** The worker serialises into a buffer that raises
  once the answer passes ``max_result_bytes``; the client gets 413 and a
  hint to add a LIMIT rather than a truncated document.
- **Clear errors.** A query that does not parse gets 400 with the parser's
  message and position; a wrong method 405; an unsupported body type 415;
  an Accept header no format matches 406.

The default graph is the union of the named graphs (like Oxigraph server's
``--union-default-graph``), so ``SELECT * { ?s ?p ?o }`` finds something;
``GRAPH`` patterns, which the named queries use, work as everywhere. Our
prefixes (``skg:``, ``actor:``, ``rdfs:`` ...) are predeclared.
"""

from __future__ import annotations

import html
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from . import namespaces as ns
from .errors import QueryError, StoreError, UsageError

log = logging.getLogger("kg")

# Media types offered, the default first (what */* or no Accept header gets).
RESULT_TYPES = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
    "application/xml": "XML",
}
RDF_TYPES = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/n-quads": "N_QUADS",
    "application/trig": "TRIG",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "text/plain": "N_TRIPLES",
}
# ?format= shortcuts, for links and browsers that cannot set Accept.
FORMAT_PARAM = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "ttl": "text/turtle", "turtle": "text/turtle",
    "nt": "application/n-triples", "nq": "application/n-quads", "trig": "application/trig",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
}
FORMAT_IRIS = {
    "JSON": "SPARQL_Results_JSON", "XML": "SPARQL_Results_XML", "CSV": "SPARQL_Results_CSV",
    "TSV": "SPARQL_Results_TSV", "TURTLE": "Turtle", "N_TRIPLES": "N-Triples", "N_QUADS": "N-Quads",
    "TRIG": "TriG", "JSON_LD": "JSON-LD", "RDF_XML": "RDF_XML",
}
SD = "http://www.w3.org/ns/sparql-service-description#"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}


@dataclass(frozen=True)
class Limits:
    """What one query may cost: wall-clock seconds and bytes of answer; how many run at once."""

    timeout: float = 30.0
    max_result_bytes: int = 50_000_000
    workers: int = 2


class QueryTimeoutError(QueryError):
    """A query stopped at the server's time limit."""


# -- the worker process ------------------------------------------------------


class _Limited:
    """A write-only buffer that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError(self.limit)
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def execute(store, job: dict[str, Any]) -> tuple:
    """Run one query job on a pyoxigraph store: ``("ok", media_type, body)`` or an error tuple.

    Runs inside the worker; kept a plain function so that it can be tested
    in-process too.
    """
    import pyoxigraph as ox

    options: dict[str, Any] = {"prefixes": ns.PREFIXES}
    if job.get("default_graph"):
        options["default_graph"] = [ox.NamedNode(g) for g in job["default_graph"]]
    elif job.get("union", True):
        options["use_default_graph_as_union"] = True
    if job.get("named_graphs"):
        options["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        result = store.query(job["query"], **options)
    except SyntaxError as e:
        return ("syntax", str(e))
    except (OSError, ValueError, RuntimeError) as e:
        return ("error", str(e))
    out = _Limited(job["max_bytes"])
    try:
        if isinstance(result, ox.QueryTriples):
            media = job.get("rdf_type")
            if media is None:
                return ("not_acceptable", "an RDF graph", list(RDF_TYPES))
            ox.serialize(result, out, getattr(ox.RdfFormat, RDF_TYPES[media]), prefixes=ns.PREFIXES)
        else:
            media = job.get("results_type")
            if media is None:
                return ("not_acceptable", "SPARQL results", list(RESULT_TYPES))
            result.serialize(out, getattr(ox.QueryResultsFormat, RESULT_TYPES[media]))
    except OverflowError:
        return ("too_large", job["max_bytes"])
    except (OSError, ValueError, RuntimeError) as e:
        return ("error", str(e))
    return ("ok", media, b"".join(out.parts))


def worker_main() -> None:
    """Entry point of a worker process: ``argv`` = connection fd, store path."""
    from multiprocessing.connection import Connection

    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us, not Ctrl-C
    conn = Connection(int(sys.argv[1]))
    store = ox.Store.read_only(sys.argv[2])
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


@dataclass(eq=False)  # hashed by identity
class _Worker:
    process: subprocess.Popen
    conn: Any


class QueryPool:
    """Worker processes over one read-only store, each query under the time limit."""

    def __init__(self, store_path: Path, limits: Limits):
        self.store_path = Path(store_path)
        self.limits = limits
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.closed = False
        for _ in range(max(1, limits.workers)):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        from multiprocessing.connection import Pipe

        parent, child = Pipe()
        process = subprocess.Popen(
            [sys.executable, "-c", "from kg.serve import worker_main; worker_main()",
             str(child.fileno()), str(self.store_path)],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
        )
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _stop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.wait()
        worker.conn.close()
        with self._lock:
            self._all.discard(worker)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and logs)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def run(self, job: dict[str, Any]) -> tuple:
        """Send a job to an idle worker; kill it and raise QueryTimeoutError past the limit."""
        timeout = self.limits.timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeoutError(
                f"every query worker stayed busy for {timeout:g} s (the server's time limit); try again later"
            ) from None
        healthy = False
        try:
            worker.conn.send({**job, "max_bytes": self.limits.max_result_bytes})
            if not worker.conn.poll(timeout):
                raise QueryTimeoutError(
                    f"the query was stopped after {timeout:g} s, the server's time limit per query; "
                    "narrow it (a more selective pattern, a LIMIT) or ask the server's operator"
                )
            answer = worker.conn.recv()
            healthy = True
            return answer
        except (EOFError, OSError) as e:
            raise StoreError(f"the query worker died ({e or 'no answer'}); it has been restarted") from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                log.warning("stopping query worker %d", worker.process.pid)
                self._stop(worker)
                if not self.closed:
                    self._idle.put(self._start())

    def close(self) -> None:
        self.closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            self._stop(w)


# -- requests ----------------------------------------------------------------

_STRINGS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*",
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![?$:\w-])SERVICE(?![\w:-])", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """Whether a query has a SERVICE clause (outside strings, IRIs and comments)."""
    return bool(_SERVICE.search(_STRINGS_IRIS_COMMENTS.sub(" ", query)))


def examples(store=None) -> list[dict[str, str]]:
    """The named queries as runnable examples: required parameters bound to an example value.

    The values are the query's own ``# example:`` header where it has one;
    else the one the parameter's description gives ("e.g. 2013"), else a
    typical one for its type; one that does not resolve is left unbound.
    Optional parameters stay free unless the example names them, except an
    actor (one actor keeps the example's answer small).
    """
    from . import sparql
    from .store import with_values

    typical = {"actor": "jnim", "xsd:integer": "2013", "place": "bamako", "source": "ft_2025_bamako_blockade"}
    out = []
    for q in sparql.named_queries().values():
        bound, notes = {}, []
        given = getattr(q, "example", None) or {}
        for p in q.params:
            if p.optional and p.type != "actor" and p.name not in given:  # an unbound actor: megabytes
                notes.append(f"?{p.name} (optional): {p.description}")
                continue
            m = re.search(r"e\.g\.\s*([\w-]+)", p.description)
            value = given.get(p.name) or (m.group(1) if m else typical.get(p.type))
            try:
                if value is None:
                    raise UsageError("no example")
                bound[p.name] = sparql.convert_value(p, value, store)
                notes.append(f"?{p.name} = {value}: {p.description}")
            except Exception:  # noqa: BLE001  (an example we cannot bind stays unbound)
                notes.append(f"?{p.name}: {p.description} (bind it with VALUES)")
        text = with_values(q.text, bound) if bound else q.text
        out.append({"name": q.name, "title": q.title, "description": q.description,
                    "params": notes, "query": text})
    return out


def service_description(endpoint: str, graphs: list[str], limits: Limits, union: bool, fmt: str) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint, in an RDF format."""
    import pyoxigraph as ox

    rdf = ox.NamedNode(ns.RDF + "type")
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, rdf, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(service, ox.NamedNode(ns.DCTERMS + "title"), ox.Literal("sahel-kg: the Sahel conflicts knowledge graph")),
        ox.Triple(service, ox.NamedNode(ns.RDFS + "comment"), ox.Literal(
            f"Read-only. At most {limits.timeout:g} s per query and {limits.max_result_bytes} bytes per answer."
        )),
        ox.Triple(dataset, rdf, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf, sd("Graph")),
    ]
    if union:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    for name in sorted(set(RESULT_TYPES.values()) | set(RDF_TYPES.values())):
        triples.append(ox.Triple(service, sd("resultFormat"),
                                 ox.NamedNode("http://www.w3.org/ns/formats/" + FORMAT_IRIS[name])))
    for i, g in enumerate(graphs):
        node = ox.BlankNode(f"graph{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, sd("name"), ox.NamedNode(g))]
    prefixes = {"sd": SD, "dcterms": ns.DCTERMS, "rdfs": ns.RDFS}
    return ox.serialize(triples, format=getattr(ox.RdfFormat, fmt), prefixes=prefixes)


def page(endpoint: str, example_list: list[dict[str, str]], limits: Limits) -> bytes:
    """The HTML query page: a form, the examples, and the limits."""
    template = Template(resources.files("kg").joinpath("web/endpoint.html").read_text(encoding="utf-8"))
    items = "\n".join(
        '<li><a href="#" data-example="{i}">{title}</a> <code>{name}</code><br><small>{desc}</small></li>'.format(
            i=i, title=html.escape(e["title"]), name=html.escape(e["name"]), desc=html.escape(e["description"])
        )
        for i, e in enumerate(example_list)
    )
    data = [{"query": e["query"]} for e in example_list]
    first = example_list[0]["query"] if example_list else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    return template.substitute(
        endpoint=html.escape(endpoint),
        examples=items,
        # inside <script type="application/json">: only "</" could end the element
        examples_json=json.dumps(data).replace("</", "<\\/"),
        first=html.escape(first),
        timeout=f"{limits.timeout:g}",
        max_bytes=f"{limits.max_result_bytes:,}",
    ).encode("utf-8")


def make_app(pool: QueryPool, *, graphs: list[str], example_list: list[dict[str, str]],
             limits: Limits, union: bool = True, allow_service: bool = False):
    """The WSGI application: ``/`` the HTML page, ``/sparql`` the endpoint."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Request, Response

    def error(status: int, message: str) -> Response:
        return Response(message.rstrip() + "\n", status=status, content_type="text/plain; charset=utf-8")

    def negotiate(request: Request) -> tuple[str | None, str | None]:
        wanted = request.args.get("format") or request.form.get("format")
        if wanted:
            if wanted not in FORMAT_PARAM:
                raise ValueError(f"unknown format '{wanted}'; expected one of: {', '.join(FORMAT_PARAM)}")
            media = FORMAT_PARAM[wanted]
            return (media if media in RESULT_TYPES else None, media if media in RDF_TYPES else None)
        accept = request.accept_mimetypes
        if not accept:
            return next(iter(RESULT_TYPES)), next(iter(RDF_TYPES))
        return accept.best_match(list(RESULT_TYPES)), accept.best_match(list(RDF_TYPES))

    def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.method not in ("GET", "POST"):
            return Response("use GET or POST\n", status=405, headers={"Allow": "GET, POST, OPTIONS"})
        mimetype = request.mimetype
        if (request.method == "POST" and mimetype == "application/sparql-update") or "update" in request.values:
            return error(403, "this endpoint is read-only: SPARQL Update is refused")
        if request.method == "POST":
            if mimetype == "application/sparql-query":
                queries = [request.get_data(as_text=True)]
            elif mimetype == "application/x-www-form-urlencoded":
                queries = request.form.getlist("query")
            else:
                return error(415, f"unsupported request body '{mimetype or 'none'}': send "
                                  "application/sparql-query or application/x-www-form-urlencoded")
        else:
            queries = request.args.getlist("query")
        if len(queries) > 1:
            return error(400, "give exactly one query parameter")
        try:
            results_type, rdf_type = negotiate(request)
        except ValueError as e:
            return error(400, str(e))
        if not queries:
            if request.method == "GET" and request.accept_mimetypes.best_match(
                ["text/html", *RDF_TYPES]
            ) == "text/html":
                return Response(page(request.base_url, example_list, limits), content_type="text/html; charset=utf-8")
            if rdf_type is None:
                return error(406, "the service description is RDF; accept one of: " + ", ".join(RDF_TYPES))
            body = service_description(request.base_url, graphs, limits, union, RDF_TYPES[rdf_type])
            return Response(body, content_type=rdf_type)
        query = queries[0]
        if not allow_service and uses_service(query):
            return error(403, "federated queries (SERVICE) are off on this endpoint")
        job = {
            "query": query, "results_type": results_type, "rdf_type": rdf_type, "union": union,
            "default_graph": request.values.getlist("default-graph-uri"),
            "named_graphs": request.values.getlist("named-graph-uri"),
        }
        try:
            answer = pool.run(job)
        except QueryTimeoutError as e:
            return error(503, str(e))
        except StoreError as e:
            return error(500, str(e))
        kind = answer[0]
        if kind == "ok":
            return Response(answer[2], content_type=answer[1] + ("; charset=utf-8" if answer[1].startswith("text/") else ""))
        if kind == "syntax":
            return error(400, f"SPARQL syntax error: {answer[1]}")
        if kind == "too_large":
            return error(413, f"the answer is larger than {answer[1]:,} bytes, the server's result-size limit; "
                              "add a LIMIT or narrow the query")
        if kind == "not_acceptable":
            return error(406, f"this query gives {answer[1]}; accept one of: {', '.join(answer[2])}")
        return error(500, f"the query failed: {answer[1]}")

    def app(environ, start_response):
        request = Request(environ)
        try:
            if request.path in ("/sparql", "/query", "/sparql/"):
                response = sparql(request)
            elif request.path in ("/", "/index.html"):
                endpoint = request.host_url.rstrip("/") + "/sparql"
                response = Response(page(endpoint, example_list, limits), content_type="text/html; charset=utf-8")
            else:
                response = error(404, f"nothing at {request.path}; the SPARQL endpoint is /sparql")
        except HTTPException as e:  # e.g. a malformed form body
            response = e.get_response(environ)
        response.headers.extend(CORS)
        return response(environ, start_response)

    return app


# -- the server --------------------------------------------------------------


def snapshot(store, under: Path) -> Path:
    """A read-only checkpoint of an on-disk store (hard links on the same disk)."""
    under.mkdir(parents=True, exist_ok=True)
    for old in under.glob("snapshot-*"):  # left by a server that was killed
        pid = old.name.removeprefix("snapshot-")
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    target = under / f"snapshot-{os.getpid()}"
    shutil.rmtree(target, ignore_errors=True)  # backup() wants to create it
    try:
        store.store.backup(str(target))
    except OSError as e:
        raise StoreError(f"cannot snapshot the store into {target}: {e}") from None
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(
    host: str = "127.0.0.1",
    port: int = 7879,
    *,
    limits: Limits = Limits(),  # noqa: B008  (frozen)
    union: bool = True,
    allow_service: bool = False,
    store=None,
    on_ready=None,
) -> None:
    """Serve the built graph on ``host:port`` until interrupted (Ctrl-C or SIGTERM).

    ``on_ready(url)`` is called once the socket listens (``port=0`` picks a
    free port). The store defaults to the cached curated store.
    """
    import socket

    from werkzeug.serving import make_server

    from .cache import home, or_default

    try:  # bound here, before any work, so that a busy port fails at once and clearly
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    pool = path = None
    try:
        store = or_default(store)
        graphs = store.graphs()
        example_list = examples(store)
        path = snapshot(store, home() / "serve")
        pool = QueryPool(path, limits)
        app = make_app(pool, graphs=graphs, example_list=example_list, limits=limits,
                       union=union, allow_service=allow_service)
        server = make_server(host, port, app, threaded=True, fd=listener.fileno())
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            url = f"http://{_url_host(host)}:{server.port}"
            if on_ready:
                on_ready(url)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
    finally:
        listener.close()
        if pool is not None:
            pool.close()
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
