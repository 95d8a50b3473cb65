"""One SPARQL query under a time limit, its answer streamed as the engine yields it.

pyoxigraph has no query timeout, and a thread cannot be stopped inside the
engine. So a query on an on-disk store runs in a child process (``python -c
'from kg.query_process import child_main; ...'``) that opens the store
read-only and sends its answer back in pieces as they come: rows in small
batches, or the standard results document (SPARQL JSON/XML/CSV/TSV, an RDF
format) in the serializer's own 8 KB chunks. The caller reads the pipe with
the time left; past the limit it SIGKILLs the child, which frees the CPU and
the memory at once, whether the query was still yielding rows lazily (a cross
join) or blocked inside a sort or an aggregate (ORDER BY, GROUP BY, COUNT).
The child also stops itself past the limit or when its parent is gone, so a
killed ``kg`` leaves no query running.

A store held only in memory cannot be opened by another process: there the
query runs in-process and the limit is checked between rows and between
written chunks, which bounds a query that yields lazily but not one blocked
in a sort or an aggregate (see ``run_in_process``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import namespaces as ns
from .errors import QueryError

BATCH_ROWS = 500  # rows per message: few messages, and the first rows arrive at once
BATCH_SECONDS = 0.1  # a batch waits no longer than this for more rows


class QueryTimeoutError(QueryError):
    """A query stopped at its time limit."""

    def __init__(self, seconds: float):
        super().__init__(
            f"the query timed out after {seconds:g} s (--timeout S sets the limit, 0 for none); "
            "narrow it with a more selective pattern or a LIMIT"
        )


RDF_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG", "jsonld": "JSON_LD",
               "xml": "RDF_XML"}
RESULT_FORMATS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}


# -- the answer, as messages: shared by the child and the in-process path -------


class _Chunks:
    """A file-like object the serializers write to: each write becomes a message."""

    def __init__(self, send: Callable[[tuple], None]):
        self.send = send

    def write(self, data: bytes) -> int:
        self.send(("bytes", bytes(data)))
        return len(data)

    def flush(self) -> None:
        pass


def answer(store, text: str, fmt: str, send: Callable[[tuple], None]) -> None:
    """Run ``text`` on a pyoxigraph Store and ``send`` its answer as messages.

    ``("columns", names)`` then ``("rows", [tuple, ...])`` for a SELECT in
    table form, ``("boolean", b)`` for an ASK in table form, else
    ``("bytes", chunk)`` of the standard document; then ``("done",)``. A
    query that fails sends ``("syntax", message)`` or ``("error", message)``.
    """
    import pyoxigraph as ox

    try:
        result = store.query(text, prefixes=ns.PREFIXES)
        if fmt == "table" and isinstance(result, ox.QueryBoolean):
            send(("boolean", bool(result)))
        elif fmt == "table" and isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            send(("columns", names))
            batch: list[tuple] = []
            started = time.monotonic()
            for solution in result:
                batch.append(tuple(_python(ox, solution[n]) for n in names))
                if len(batch) >= BATCH_ROWS or time.monotonic() - started > BATCH_SECONDS:
                    send(("rows", batch))
                    batch, started = [], time.monotonic()
            send(("rows", batch))
        elif isinstance(result, ox.QueryTriples):
            rdf = getattr(ox.RdfFormat, RDF_FORMATS.get(fmt, "TURTLE"))
            ox.serialize(result, _Chunks(send), rdf, prefixes=ns.PREFIXES)
        else:
            result.serialize(_Chunks(send), getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt]))
    except SyntaxError as e:
        send(("syntax", str(e)))
        return
    except (OSError, ValueError, RuntimeError) as e:
        send(("error", str(e)))
        return
    send(("done",))


def _python(ox, term) -> Any:
    """A pyoxigraph term as the plain Python value the stores return (see terms.py)."""
    from .terms import IRI, from_literal

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        return from_literal(term.value, term.datatype.value)
    return str(term)


def child_main() -> None:
    """Entry point of the child: ``argv[1]`` is the fd of its connection to the parent."""
    from multiprocessing.connection import Connection

    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which kills us
    conn = Connection(int(sys.argv[1]))
    job = conn.recv()
    _watch(job["timeout"], os.getppid())
    try:
        store = ox.Store.read_only(job["path"])
    except (OSError, RuntimeError) as e:
        conn.send(("store", f"cannot open the store at {job['path']}: {e}"))
        return
    try:
        answer(store, job["text"], job["fmt"], conn.send)
    except (BrokenPipeError, EOFError, OSError):
        pass  # the parent stopped reading: it has what it wants, or it is gone
    except Exception as e:  # a bug here must reach the user as an error, not a traceback
        conn.send(("error", f"{type(e).__name__}: {e}"))


def _watch(timeout: float | None, parent: int) -> None:
    """Exit when past the limit (plus a grace second) or when the parent is gone.

    The parent kills us at the limit; this covers a parent that was killed
    itself. A thread can do it because pyoxigraph releases the GIL while the
    engine works.
    """
    deadline = time.monotonic() + timeout + 1 if timeout else None

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent or (deadline is not None and time.monotonic() > deadline):
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


# -- the parent's side -----------------------------------------------------------


def run_in_child(path: str, text: str, fmt: str, timeout: float | None) -> Iterator[tuple]:
    """The answer's messages from a child process, which is killed at the limit,
    when the caller stops iterating (closes the generator) or on Ctrl-C."""
    from multiprocessing.connection import Pipe

    deadline = time.monotonic() + timeout if timeout else None
    parent, child = Pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.query_process import child_main; child_main()", str(child.fileno())],
        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    child.close()
    try:
        parent.send({"path": str(path), "text": text, "fmt": fmt, "timeout": timeout})
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not parent.poll(left):
                    raise QueryTimeoutError(timeout)
            try:
                message = parent.recv()
            except (EOFError, OSError):
                code = process.wait()
                how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
                raise QueryError(f"the query process ended without an answer ({how}); "
                                 "was it out of memory? Narrow the query or add a LIMIT") from None
            if message[0] == "done":
                return
            _raise_if_error(message, text)
            yield message
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        parent.close()


def run_in_process(store, text: str, fmt: str, timeout: float | None) -> Iterator[tuple]:
    """The answer's messages from a query run here, on a store only this process can see.

    The limit is checked at every row batch and every chunk written, so a
    query that yields lazily stops in time; one that blocks inside the engine
    (a sort, an aggregate) is only stopped once it yields.
    """
    deadline = time.monotonic() + timeout if timeout else None
    messages: list[tuple] = []

    def send(message: tuple) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeoutError(timeout)
        messages.append(message)

    answer(store, text, fmt, send)
    for message in messages:
        if message[0] == "done":
            return
        _raise_if_error(message, text)
        yield message


def _raise_if_error(message: tuple, text: str) -> None:
    from .errors import StoreError
    from .sparql import syntax_message

    kind = message[0]
    if kind == "syntax":
        raise QueryError(syntax_message(message[1], text))
    if kind == "error":
        raise QueryError(f"query failed: {message[1]}")
    if kind == "store":
        raise StoreError(message[1])
