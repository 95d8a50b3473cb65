"""One SPARQL query under a time limit, its answer streamed as the engine yields it.

pyoxigraph has no query timeout, and a thread cannot be stopped inside the
engine. So a query on an on-disk store runs in a child process that opens the store
read-only and sends its answer back in pieces as they come: rows in small
batches, or the standard results document (SPARQL JSON/XML/CSV/TSV, an RDF
format) in the serializer's own 8 KB chunks. The caller reads the pipe with
the time left (the time it spends itself, e.g. writing to a paused ``| less``,
does not count); past the limit it SIGKILLs the child, which frees the CPU and
the memory at once, whether the query was still yielding rows lazily (a cross
join) or blocked inside a sort or an aggregate (ORDER BY, GROUP BY, COUNT).
The child also stops itself when its parent is gone, so a killed ``kg``
leaves no query running.

The child is ``query_child.py``, kept free of kg's own imports so that it
starts fast. A store held only in memory cannot be opened by another process: there the
query runs in-process and the limit is checked between rows and between
written chunks, which bounds a query that yields lazily but not one blocked
in a sort or an aggregate (see ``run_in_process``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import QueryError
from kg.graph import namespaces as ns
from kg.store.memory_cap import OUT_OF_MEMORY_MARK, over_cap_message
from kg.store.query_child import answer

CHILD = Path(__file__).with_name("query_child.py")


class QueryTimeoutError(QueryError):
    """A query stopped at its time limit."""

    def __init__(self, seconds: float):
        super().__init__(
            f"the query timed out after {seconds:g} s (--timeout S sets the limit, 0 for none); "
            "narrow it with a more selective pattern or a LIMIT"
        )


# -- the parent's side -----------------------------------------------------------


class QueryMemoryError(QueryError):
    """A query stopped at its memory cap."""


def run_in_child(path: str, text: str, fmt: str, timeout: float | None,
                 max_memory_mb: int = 0) -> Iterator[tuple]:
    """The answer's messages from a child process, which is killed at the time limit,
    when the caller stops iterating (closes the generator) or on Ctrl-C, and which
    holds itself to ``max_memory_mb`` MiB (0: no cap)."""
    from multiprocessing.connection import Pipe

    left = timeout  # seconds the engine may still take; time spent by the reader (| less) is not counted
    parent, child = Pipe()
    errors = tempfile.TemporaryFile()  # the engine's last words, should it abort
    process = subprocess.Popen(  # -P: no kg/ (the script's folder) on sys.path, where modules shadow stdlib ones
        [sys.executable, "-P", str(CHILD), str(child.fileno()), str(int(max_memory_mb))],
        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
    )
    child.close()
    try:
        parent.send({"path": str(path), "text": text, "fmt": fmt, "prefixes": ns.PREFIXES})
        while True:
            waiting = time.monotonic()
            if left is not None and (left <= 0 or not parent.poll(left)):
                raise QueryTimeoutError(timeout)
            try:
                message = parent.recv()
            except (EOFError, OSError):
                raise _ended(process.wait(), errors, max_memory_mb) from None
            if left is not None:
                left -= time.monotonic() - waiting
            if message[0] == "done":
                return
            _raise_if_error(message, text)
            yield _values(message)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        parent.close()
        errors.close()


def _ended(code: int, errors, max_memory_mb: int) -> QueryError:
    """Why the child ended without an answer: its memory cap, a crash of the engine, or else."""
    errors.seek(0, 2)
    errors.seek(max(0, errors.tell() - 4096))
    said = errors.read().decode("utf-8", "replace")
    if OUT_OF_MEMORY_MARK in said or (max_memory_mb and code == -signal.SIGABRT):
        return QueryMemoryError(over_cap_message(max_memory_mb))
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    if code == -signal.SIGKILL:
        return QueryMemoryError(f"the query process was killed ({how}), most likely by the system for want of "
                                "memory; lower --max-memory-mb, or narrow the query")
    return QueryError(f"the query process ended without an answer ({how}); narrow the query or add a LIMIT")


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

    answer(store, text, fmt, ns.PREFIXES, send)
    for message in messages:
        if message[0] == "done":
            return
        _raise_if_error(message, text)
        yield _values(message)


def _values(message: tuple) -> tuple:
    """A rows message with kg's Python values (kg.graph.terms) in place of the child's raw terms."""
    if message[0] != "rows":
        return message
    from kg.graph.terms import IRI, from_literal

    def value(raw: tuple | None) -> Any:
        if raw is None:
            return None
        kind = raw[0]
        if kind == "iri":
            return IRI(raw[1])
        if kind == "literal":
            return from_literal(raw[1], raw[2])
        if kind == "bnode":
            return "_:" + raw[1]
        return raw[1]

    return ("rows", [tuple(value(v) for v in row) for row in message[1]])


def _raise_if_error(message: tuple, text: str) -> None:
    from kg.errors import StoreError
    from kg.store.sparql import syntax_message

    kind = message[0]
    if kind == "syntax":
        raise QueryError(syntax_message(message[1], text))
    if kind == "error":
        raise QueryError(f"query failed: {message[1]}")
    if kind == "store":
        raise StoreError(message[1])
