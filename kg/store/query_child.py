"""The child process of a bounded query (see ``query_process.py``): it opens the
store read-only, runs one query and sends the answer back in pieces.

It imports nothing from ``kg`` (the standard library and pyoxigraph only) and
is started as ``python -P .../kg/query_child.py FD MB``, so that it is ready in
the time of an interpreter start plus pyoxigraph, not of importing the whole
package: the child costs ``kg query`` about 0.1 s, not 0.4 s.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

BATCH_ROWS = 500  # rows per message: few messages, and the first rows arrive at once
BATCH_SECONDS = 0.1  # a batch waits no longer than this for more rows

RDF_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG", "jsonld": "JSON_LD",
               "xml": "RDF_XML"}
RESULT_FORMATS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}


class _Chunks:
    """A file-like object the serializers write to: each write becomes a message."""

    def __init__(self, send: Callable[[tuple], None]):
        self.send = send

    def write(self, data: bytes) -> int:
        self.send(("bytes", bytes(data)))
        return len(data)

    def flush(self) -> None:
        pass


def raw_term(ox, term) -> tuple | None:
    """A term as plain data, turned into kg's Python values by the parent (kg.graph.terms)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value)
    return ("other", str(term))


def answer(store, text: str, fmt: str, prefixes: dict[str, str], send: Callable[[tuple], None]) -> None:
    """Run ``text`` on a pyoxigraph Store and ``send`` its answer as messages.

    ``("columns", names)`` then ``("rows", [tuple of raw terms, ...])`` for a
    SELECT in table form, ``("boolean", b)`` for an ASK in table form, else
    ``("bytes", chunk)`` of the standard document; then ``("done",)``. A
    query that fails sends ``("syntax", message)`` or ``("error", message)``.
    """
    import pyoxigraph as ox

    try:
        result = store.query(text, prefixes=prefixes)
        if fmt == "table" and isinstance(result, ox.QueryBoolean):
            send(("boolean", bool(result)))
        elif fmt == "table" and isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            send(("columns", names))
            batch: list[tuple] = []
            started = time.monotonic()
            for solution in result:
                batch.append(tuple(raw_term(ox, solution[n]) for n in names))
                if len(batch) >= BATCH_ROWS or time.monotonic() - started > BATCH_SECONDS:
                    send(("rows", batch))
                    batch, started = [], time.monotonic()
            send(("rows", batch))
        elif isinstance(result, ox.QueryTriples):
            rdf = getattr(ox.RdfFormat, RDF_FORMATS.get(fmt, "TURTLE"))
            ox.serialize(result, _Chunks(send), rdf, prefixes=prefixes)
        else:
            result.serialize(_Chunks(send), getattr(ox.QueryResultsFormat, RESULT_FORMATS[fmt]))
    except SyntaxError as e:
        send(("syntax", str(e)))
        return
    except (OSError, ValueError, RuntimeError) as e:
        send(("error", str(e)))
        return
    send(("done",))


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (killed itself): no query left running for no one.

    A thread can do it because pyoxigraph releases the GIL while the engine works.
    """

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _cap_memory(mb: int) -> None:
    """Hold the data segment to ``mb`` MiB before the engine loads (see kg/store/memory_cap.py,
    which this script may not import): past it the engine aborts, and the parent says so."""
    import resource

    if mb > 0:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = mb << 20 if hard == resource.RLIM_INFINITY else min(mb << 20, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def main() -> None:
    """``argv[1]`` is the fd of the connection to the parent, which sends one job;
    ``argv[2]`` the memory cap in MiB (0: none)."""
    from multiprocessing.connection import Connection

    _cap_memory(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which kills us
    conn = Connection(int(sys.argv[1]))
    job = conn.recv()
    _watch_parent(os.getppid())
    try:
        store = ox.Store.read_only(job["path"])
    except (OSError, RuntimeError) as e:
        conn.send(("store", f"cannot open the store at {job['path']}: {e}"))
        return
    try:
        answer(store, job["text"], job["fmt"], job["prefixes"], conn.send)
    except (BrokenPipeError, EOFError, OSError):
        pass  # the parent stopped reading: it has what it wants, or it is gone
    except Exception as e:  # a bug here must reach the user as an error, not a traceback
        conn.send(("error", f"{type(e).__name__}: {e}"))


if __name__ == "__main__":
    main()
