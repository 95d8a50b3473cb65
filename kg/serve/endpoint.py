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
  *process*, not a thread: a thread cannot be interrupted inside the
  engine. The request thread waits on the worker's pipe for at most
  ``timeout`` seconds; past that it SIGKILLs the worker (freeing its CPU and
  memory at once) and answers 503 with the limit. Workers are forked from
  multiprocessing's fork server, which has imported pyoxigraph and this
  module once, so a replacement starts in milliseconds.
- **A result-size limit.** The worker serialises into a buffer that raises
  once the answer passes ``max_result_bytes``; the client gets 413 and a
  hint to add a LIMIT rather than a truncated document.
- **Clear errors.** A query that does not parse gets 400 with the parser's
  message and position; a POST without a query 400 saying where to put it;
  a wrong method 405; an unsupported body type or charset 415; an Accept
  header no format matches (with no usable ``format=``) 406.
- **Fair under load.** Each running query has its own worker process; the
  pool starts more (up to ``workers``, by default four per core) as queries
  arrive and keeps one spare warm, so that a short query does not wait
  behind slow ones. A query still running after ``slow_after`` (1 s) drops
  to nice 10, so short queries get the CPU first. Queries wait in one
  global queue: a client (an IPv4 address, or an IPv6 /64) runs at most
  ``per_client`` queries at once (a quarter of the workers); the last
  quarter of the workers goes only to clients running nothing yet; and
  the next free worker goes to the waiting query whose client runs the
  fewest. So two clients with many slow queries keep a third waiting for
  no one's query but a free worker, and the queue itself is bounded (four
  queries per worker; more get 503 at once).
- **Nobody waits for nobody.** A client that hangs up has its query taken
  out of the queue, or its worker killed, within a fifth of a second.
- **Bounded memory.** Each worker caps its own memory (``max_memory_mb``,
  by default half the RAM shared between the workers, see
  :mod:`kg.store.memory_cap`); a query past it gets 503 saying so, and the
  worker is replaced. Query text nested deep enough to crash the engine is
  refused with 400 before a worker sees it (:mod:`kg.store.query_shape`).
- **Bounded requests.** A body over ``max_request_bytes`` gets 413 before
  it is read (a chunked one is read up to the limit); a malformed one
  (bad chunked encoding, cut short) gets 400, and so does one whose client
  stays silent for ``REQUEST_IO_TIMEOUT`` (60 s) in the middle of it.

The SPARQL 1.1 Protocol's own rules (formats, the dataset, charsets) are in
:mod:`kg.serve.protocol`. Queries resolve relative IRIs against the endpoint's URL
(the Protocol allows "the service endpoint" as the base). Our prefixes
(``skg:``, ``actor:``, ``rdfs:`` ...) are predeclared.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qsl

from kg.errors import QueryError, StoreError, UsageError
from kg.graph import namespaces as ns
from kg.serve.protocol import (
    RDF_TYPES,
    RESULT_TYPES,
    Dataset,
    Params,
    ProtocolError,
    choose_format,
    uses_service,
)
from kg.store.memory_cap import OUT_OF_MEMORY_MARK, cap_this_process, default_worker_mb, over_cap_message
from kg.store.query_shape import check_query_shape

__all__ = ["Limits", "QueryPool", "QueryTimeoutError", "examples", "make_app", "serve", "snapshot", "uses_service"]

log = logging.getLogger("kg")

FORMAT_IRIS = {
    "JSON": "SPARQL_Results_JSON", "XML": "SPARQL_Results_XML", "CSV": "SPARQL_Results_CSV",
    "TSV": "SPARQL_Results_TSV", "TURTLE": "Turtle", "N_TRIPLES": "N-Triples", "N_QUADS": "N-Quads",
    "TRIG": "TriG", "JSON_LD": "JSON-LD", "RDF_XML": "RDF_XML",
}
SD = "http://www.w3.org/ns/sparql-service-description#"
HTML_CSP = (  # the page's own script and style (by hash), fetch() to this server, nothing else
    "default-src 'none'; script-src {script}; style-src {style}; connect-src 'self'; form-action 'self'; "
    "img-src data:; base-uri 'none'; frame-ancestors 'none'"
)
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}


def default_workers() -> int:
    """Queries run at once by default: four per core, so that slow ones leave room for short ones."""
    return max(4, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Limits:
    """What one query may cost (wall-clock seconds, bytes of answer, bytes of request); how many run at once."""

    timeout: float = 30.0
    max_result_bytes: int = 50_000_000
    workers: int = field(default_factory=default_workers)
    per_client: int = 0  # queries one client may run at once; 0: a quarter of the workers
    slow_after: float = 1.0  # seconds after which a query runs at a lower CPU priority (nice 10)
    max_request_bytes: int = 1024 * 1024
    max_memory_mb: int | None = None  # memory cap of each worker in MiB; None: half the RAM shared; 0: none

    @property
    def client_share(self) -> int:
        return self.per_client or max(1, self.workers // 4)

    @property
    def memory_cap(self) -> int:
        """Each worker's memory cap in MiB (0: none): by default half the RAM, shared between the workers."""
        return default_worker_mb(self.workers) if self.max_memory_mb is None else self.max_memory_mb

    @property
    def reserved(self) -> int:
        """Workers kept for clients that run nothing yet: a quarter (none with a single worker)."""
        return max(1, self.workers // 4) if self.workers > 1 else 0

    @property
    def max_waiting(self) -> int:
        """Queries that may wait for a worker at once; more get 503 at once."""
        return 4 * self.workers


class QueryTimeoutError(QueryError):
    """A query stopped at the server's time limit."""


class QueueFullError(QueryTimeoutError):
    """Too many queries already wait: this one is refused at once (503)."""


class ClientGone(Exception):  # noqa: N818  (not an error: the client left)
    """The client hung up while its query waited or ran: the query was dropped."""


GONE_CHECK_SECONDS = 0.2  # how often a waiting or running query looks whether its client is still there


@dataclass(eq=False)  # compared by identity
class _Ticket:
    """A query in the queue: its client and its place in the order of arrival."""

    client: str
    number: int


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

    data: Dataset = job.get("dataset") or Dataset(union=True)
    try:
        options = data.options()
    except ValueError as e:  # a default-graph-uri/named-graph-uri that is not an IRI
        return ("bad_request", f"default-graph-uri/named-graph-uri: {e}")
    try:
        result = store.query(job["query"], prefixes=ns.PREFIXES, base_iri=job.get("base_iri"), **options)
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


def worker_loop(conn, store_path: str, max_memory_mb: int = 0, errors: str | None = None) -> None:
    """A worker process: hold itself to ``max_memory_mb``, open the store read-only, then
    answer jobs from ``conn`` until it closes. Its stderr goes to the file ``errors``."""
    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us, not Ctrl-C
    if errors is not None:
        fd = os.open(errors, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    cap_this_process(max_memory_mb)
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


def _workers_context():
    """multiprocessing's fork server, with this module and pyoxigraph imported once in it.

    A new worker is then a fork of that warm process (milliseconds, even on a
    loaded machine) instead of a fresh interpreter importing everything (0.3 s
    idle, seconds under load), so that replacing a worker killed at the time
    limit does not keep the next query waiting. The fork server imports the
    main script under another name, so the ``kg`` entry point is not re-run.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pyoxigraph", "kg.serve.endpoint"])
    return context


@dataclass(eq=False)  # hashed by identity
class _Worker:
    process: Any  # a multiprocessing Process
    conn: Any
    errors: str  # the file its stderr goes to: the engine's last words, should it abort
    slow: bool = False  # its query ran past Limits.slow_after and its priority was lowered


def _lower_priority(worker: _Worker) -> None:
    worker.slow = True
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 10)
    except OSError:  # gone already, or a system without priorities: it still runs
        pass


class QueryPool:
    """Worker processes over one read-only store, each query under the time limit.

    Workers start as queries need them, up to ``limits.workers``, and stay
    for the next ones; one spare is kept warm so that a query arriving while
    the others are busy does not wait for a process to start. A client
    (``client``, its address) runs at most ``limits.client_share`` queries at
    once; its further ones wait for its own earlier ones, not for everyone's.
    """

    def __init__(self, store_path: Path, limits: Limits):
        self.store_path = Path(store_path)
        self.limits = limits
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._starting = 0
        self._lock = threading.Lock()
        self._clients: dict[str, int] = {}  # queries running, by client
        self._busy = 0  # queries running
        self._waiting: list[_Ticket] = []  # queries waiting, in order of arrival
        self._number = 0
        self._turns = threading.Condition(self._lock)
        self.closed = False
        for _ in range(min(2, max(1, limits.workers))):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        context = _workers_context()
        parent, child = context.Pipe()
        fd, errors = tempfile.mkstemp(prefix="kg-serve-worker-", suffix=".err")
        os.close(fd)
        process = context.Process(target=worker_loop, args=(child, str(self.store_path), self.limits.memory_cap,
                                                            errors), daemon=True, name="kg-serve-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent, errors)
        with self._lock:
            self._all.add(worker)
        return worker

    def _reserve_start(self) -> bool:
        """Count a worker about to start, if the limit allows one more."""
        with self._lock:
            if self.closed or len(self._all) + self._starting >= self.limits.workers:
                return False
            self._starting += 1
            return True

    def _start_reserved(self) -> _Worker:
        try:
            return self._start()
        finally:
            with self._lock:
                self._starting -= 1

    def _keep_spare(self) -> None:
        """Start a worker in the background when none is idle (and the limit allows one)."""
        if self._idle.empty() and self._reserve_start():
            threading.Thread(target=self._add_spare, daemon=True).start()

    def _add_spare(self) -> None:
        worker = self._start_reserved()
        if self.closed:  # closed while it started
            self._stop(worker)
        else:
            self._idle.put(worker)

    def _stop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with contextlib.suppress(OSError):
            os.unlink(worker.errors)
        with self._lock:
            self._all.discard(worker)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and logs)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def _acquire(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        if self._reserve_start():
            return self._start_reserved()
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryTimeoutError(
                f"all {self.limits.workers} query workers stayed busy for {self.limits.timeout:g} s "
                "(the server's time limit); try again later"
            ) from None

    # -- the queue: who runs next ------------------------------------------------

    def _may_start(self, ticket: _Ticket) -> bool:
        """Whether ``ticket`` may take a worker now (called with the lock held).

        A client runs at most its share; the last ``reserved`` workers go only to
        clients running nothing yet, so that a few clients with many slow
        queries never keep a new client waiting; and among the waiting queries
        that could start, the one whose client runs the fewest goes first
        (then the oldest): one global queue, fair across clients.
        """
        def allowed(t: _Ticket) -> bool:
            running = self._clients.get(t.client, 0)
            if running >= self.limits.client_share or self._busy >= self.limits.workers:
                return False
            return running == 0 or self._busy < self.limits.workers - self.limits.reserved

        if not allowed(ticket):
            return False
        best = min((t for t in self._waiting if allowed(t)),
                   key=lambda t: (self._clients.get(t.client, 0), t.number))
        return best is ticket

    def _take_turn(self, client: str, deadline: float, gone: Callable[[], bool] | None) -> None:
        """Wait in the queue until this query may run; QueryTimeoutError past ``deadline``,
        ClientGone once the client has hung up, 503 at once when the queue is full."""
        with self._turns:
            if len(self._waiting) >= self.limits.max_waiting:
                raise QueueFullError(f"{len(self._waiting)} queries are already waiting, the most this server "
                                     "keeps (4 per worker); try again later")
            self._number += 1
            ticket = _Ticket(client, self._number)
            self._waiting.append(ticket)
            try:
                while not self._may_start(ticket):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise QueryTimeoutError(
                            f"the query waited {2 * self.limits.timeout:g} s (twice the server's time limit) "
                            f"for a free worker: the server is busy, or your earlier queries (at most "
                            f"{self.limits.client_share} of one client run at once) are slow; try again later")
                    self._turns.wait(min(left, GONE_CHECK_SECONDS))
                    if self.closed:
                        raise StoreError("the server is stopping; this query was not run")
                    if gone is not None and gone():
                        raise ClientGone()
            finally:
                self._waiting.remove(ticket)
                self._turns.notify_all()  # the next in line may be another
            self._clients[client] = self._clients.get(client, 0) + 1
            self._busy += 1

    def _end_turn(self, client: str) -> None:
        with self._turns:
            left = self._clients[client] - 1
            if left:
                self._clients[client] = left
            else:
                del self._clients[client]
            self._busy -= 1
            self._turns.notify_all()

    def run(self, job: dict[str, Any], client: str = "", gone: Callable[[], bool] | None = None) -> tuple:
        """Run a job on a worker; kill it and raise QueryTimeoutError past the limit.

        A query waits in the queue at most twice the limit, then has the full
        limit to run. ``gone()`` says whether the client has hung up: then its
        query leaves the queue, or its worker is killed, and ClientGone is raised.
        """
        timeout = self.limits.timeout
        self._take_turn(client, time.monotonic() + 2 * timeout, gone)
        try:
            worker = self._acquire(time.monotonic() + timeout)
            self._keep_spare()
            return self._run_on(worker, job, timeout, gone)
        finally:
            self._end_turn(client)

    def _run_on(self, worker: _Worker, job: dict[str, Any], timeout: float,
                gone: Callable[[], bool] | None = None) -> tuple:
        healthy = False
        try:
            worker.conn.send({**job, "max_bytes": self.limits.max_result_bytes})
            started = time.monotonic()
            done = False
            while not done:
                ran = time.monotonic() - started
                if ran >= timeout:
                    raise QueryTimeoutError(
                        f"the query was stopped after {timeout:g} s, the server's time limit per query; "
                        "narrow it (a more selective pattern, a LIMIT) or ask the server's operator"
                    )
                if not worker.slow and ran >= self.limits.slow_after:
                    _lower_priority(worker)  # short queries first: a slow one yields the CPU to them
                step = min(GONE_CHECK_SECONDS, timeout - ran)
                if not worker.slow:
                    step = min(step, max(0.0, self.limits.slow_after - ran))
                done = worker.conn.poll(step)
                if not done and gone is not None and gone():
                    raise ClientGone()  # nobody will read the answer: the worker is killed below
            answer = worker.conn.recv()
            healthy = True
            return answer
        except (EOFError, OSError):
            return self._died(worker)
        finally:
            if healthy and not worker.slow:
                self._idle.put(worker)
            elif healthy:  # its priority cannot be raised again: a fresh worker takes its place
                self._stop(worker)
                self._keep_spare()
            else:
                log.warning("stopping query worker %d", worker.process.pid)
                self._stop(worker)
                self._keep_spare()

    def _died(self, worker: _Worker) -> tuple:
        """The answer of a worker that ended during its query: its memory cap, or a crash."""
        worker.process.join(5)
        code = worker.process.exitcode
        said = ""
        try:
            with open(worker.errors, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 4096))
                said = f.read().decode("utf-8", "replace")
        except OSError:
            pass
        mb = self.limits.memory_cap
        if OUT_OF_MEMORY_MARK in said or (mb and code == -signal.SIGABRT):
            return ("too_much_memory", mb)
        how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        raise StoreError(f"the query worker died ({how}); it has been restarted")

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers = list(self._all)
            self._turns.notify_all()  # queued queries end at once
        for w in workers:
            self._stop(w)


# -- requests ----------------------------------------------------------------

def examples(store=None) -> list[dict[str, str]]:
    """The named queries as runnable examples: required parameters bound to an example value.

    The values are the query's own ``# example:`` header where it has one;
    else the one the parameter's description gives ("e.g. 2013"), else a
    typical one for its type; one that does not resolve is left unbound.
    Optional parameters stay free unless the example names them, except an
    actor (one actor keeps the example's answer small).
    """
    from kg.store import sparql
    from kg.store.embedded import with_values
    from kg.store.params import convert_value

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
                bound[p.name] = convert_value(p, value, store)
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


def csp_for(page_html: bytes) -> str:
    """The page's Content-Security-Policy: its inline script and style allowed by their hashes."""
    import base64
    import hashlib

    text = page_html.decode("utf-8")

    def hashes(pattern: str) -> str:
        found = re.findall(pattern, text, re.DOTALL)
        return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in found)

    return HTML_CSP.format(script=hashes(r"<script>(.*?)</script>") or "'none'",
                           style=hashes(r"<style>(.*?)</style>") or "'none'")


def read_body(environ, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes: a declared length before
    anything is read, a chunked body as soon as it passes the limit."""
    from werkzeug.wsgi import get_content_length, get_input_stream

    too_large = ProtocolError(413, f"the request is larger than {limit:,} bytes, the server's limit "
                                   "(--max-request-kb); send a shorter query")
    length = get_content_length(environ)
    try:
        if length is not None:
            if length > limit:
                raise too_large
            return get_input_stream(environ).read()
        if not environ.get("wsgi.input_terminated"):  # no length and not chunked: no body
            return b""
        stream, data = environ["wsgi.input"], bytearray()
        while len(data) <= limit:
            chunk = stream.read(min(65536, limit + 1 - len(data)))
            if not chunk:
                return bytes(data)
            data += chunk
    except ProtocolError:
        raise
    except (OSError, ValueError) as e:  # a malformed chunked body, or one cut short
        raise ProtocolError(400, f"the request body cannot be read: {e}; send a well-formed body "
                                 "(Content-Length, or valid chunked encoding)") from None
    raise too_large


def client_key(address: str | None) -> str:
    """Who a client is, for its share of the workers: its IPv4 address, or the /64 network of
    its IPv6 address (one host holds a whole /64 and may send from any address in it)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_gone(environ) -> Callable[[], bool] | None:
    """A test of whether the client of this request has closed its connection (None when the
    server gives no socket): its queued or running query is then dropped."""
    import select
    import socket as sockets

    sock = environ.get("werkzeug.socket")
    if sock is None:
        return None

    def gone() -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            return sock.recv(1, sockets.MSG_PEEK | sockets.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except (OSError, ValueError):  # reset by the peer, or closed
            return True

    return gone


def make_app(pool: QueryPool, *, graphs: list[str], example_list: list[dict[str, str]],
             limits: Limits, union: bool = True, allow_service: bool = False):
    """The WSGI application: ``/`` the HTML page, ``/sparql`` the endpoint."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Request, Response

    from kg.serve.protocol import dataset, decode, looks_like_update, parse_form

    def error(status: int, message: str) -> Response:
        return Response(message.rstrip() + "\n", status=status, content_type="text/plain; charset=utf-8")

    def html_page(endpoint: str) -> Response:
        body = page(endpoint, example_list, limits)
        return Response(body, content_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": csp_for(body)})

    def params_of(request: Request) -> tuple[Params, str | None]:
        """The query-string and form parameters, and a query sent as the body itself (or None)."""
        params = Params(parse_form(request.query_string, None, "the URL's query string"))
        if request.method != "POST":
            return params, None
        mimetype, charset = request.mimetype, request.mimetype_params.get("charset")
        if mimetype == "application/sparql-update":
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
        body = read_body(request.environ, limits.max_request_bytes)
        if mimetype == "application/x-www-form-urlencoded":
            params.pairs += parse_form(body, charset, "the form body")
            return params, None
        if mimetype == "application/sparql-query":
            return params, decode(body, charset, "the query")
        if looks_like_update(body.decode("utf-8", errors="replace")) or any(
            k == "update" for k, _ in parse_qsl(body.decode("latin-1"), keep_blank_values=True)  # an untyped form
        ):
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is refused")
        what = f"a body of type '{mimetype}'" if mimetype else "a body with no Content-Type"
        raise ProtocolError(415, f"{what} is not a query: send the query as an application/sparql-query body "
                                 "or as the query= field of an application/x-www-form-urlencoded form")

    def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.method not in ("GET", "POST"):
            return Response("use GET or POST\n", status=405, headers={"Allow": "GET, POST, OPTIONS"})
        params, direct = params_of(request)
        if "update" in params:
            return error(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.getlist("query") + ([direct] if direct is not None else [])
        if len(queries) > 1:
            return error(400, "give exactly one query: the query= parameter appears more than once, "
                              "or beside a query in the body")
        accept = request.accept_mimetypes
        if not queries:
            if request.method == "POST":
                return error(400, "no query: send it as the query= field of the form "
                                  "(application/x-www-form-urlencoded) or as an application/sparql-query body")
            if accept and accept.best_match([*RDF_TYPES, "text/html"]) == "text/html":
                return html_page(request.base_url)
            rdf_type = choose_format("rdf", params.formats(), accept)
            if rdf_type is None:
                return error(406, "the service description is RDF; accept one of: " + ", ".join(RDF_TYPES))
            body = service_description(request.base_url, graphs, limits, union, RDF_TYPES[rdf_type])
            return Response(body, content_type=rdf_type)
        query = queries[0]
        if not query.strip():
            return error(400, "the query is empty")
        try:
            check_query_shape(query)  # before a worker sees it: deep nesting crashes the engine
        except QueryError as e:
            return error(400, str(e))
        if not allow_service and uses_service(query):
            return error(403, "federated queries (SERVICE) are off on this endpoint")
        job = {
            "query": query, "base_iri": request.base_url,
            "results_type": choose_format("results", params.formats(), accept),
            "rdf_type": choose_format("rdf", params.formats(), accept),
            "dataset": dataset(query, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"), union),
        }
        try:
            answer = pool.run(job, client=client_key(request.remote_addr), gone=client_gone(request.environ))
        except ClientGone:
            return error(499, "the client closed the connection; its query was dropped")
        except QueryTimeoutError as e:
            return error(503, str(e))
        except StoreError as e:
            return error(500, str(e))
        kind = answer[0]
        if kind == "ok":
            return Response(answer[2], content_type=answer[1] + ("; charset=utf-8" if answer[1].startswith("text/") else ""))
        if kind == "syntax":
            return error(400, f"SPARQL syntax error: {answer[1]}")
        if kind == "bad_request":
            return error(400, answer[1])
        if kind == "too_large":
            return error(413, f"the answer is larger than {answer[1]:,} bytes, the server's result-size limit; "
                              "add a LIMIT or narrow the query")
        if kind == "too_much_memory":
            return error(503, over_cap_message(answer[1], "the server's --max-memory-mb"))
        if kind == "not_acceptable":
            return error(406, f"this query gives {answer[1]}; accept one of: {', '.join(answer[2])}")
        return error(500, f"the query failed: {answer[1]}")

    def app(environ, start_response):
        request = Request(environ)
        try:
            if request.path in ("/sparql", "/query", "/sparql/"):
                response = sparql(request)
            elif request.path in ("/", "/index.html"):
                response = html_page(request.host_url.rstrip("/") + "/sparql")
            else:
                response = error(404, f"nothing at {request.path}; the SPARQL endpoint is /sparql")
        except ProtocolError as e:
            response = error(e.status, str(e))
            if e.status == 413:  # the rest of the body is never read: the connection cannot be reused
                response.headers["Connection"] = "close"
        except HTTPException as e:  # e.g. a malformed header
            response = e.get_response(environ)
        except Exception:  # a bug: logged with its traceback, the client gets a plain 500
            log.exception("kg serve: the request %s %s failed", request.method, request.full_path)
            response = error(500, "the server failed on this request (its log has the details)")
        response.headers.extend(CORS)
        response.headers["X-Content-Type-Options"] = "nosniff"
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

    from kg.store.cache import home, or_default

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
        server = make_server(host, port, app, threaded=True, fd=listener.fileno(), request_handler=_handler())
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


REQUEST_IO_TIMEOUT = 60.0  # seconds a connection may stay silent while we read its request or write an answer


def _handler():
    """werkzeug's request handler with a socket timeout: a client that declares a body (or a chunk)
    and never sends it, or never reads its answer, holds a thread at most this long, then gets 400."""
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        timeout = REQUEST_IO_TIMEOUT

    return Handler


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
