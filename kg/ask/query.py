"""Running SPARQL typed by a researcher, or a named query, in any standard format:
the library side of ``kg query``."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.errors import ParameterError, UsageError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI
from kg.store import sparql
from kg.store.embedded import RDF_FORMATS, RESULT_FORMATS, query_kind
from kg.store.params import convert_params
from kg.store.query_shape import check_query_shape

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


DEFAULT_TIMEOUT = 60.0  # seconds; kg query --timeout


@dataclass
class Answer:
    """A query's result: rows (SELECT), a boolean (ASK), or serialised bytes."""

    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None
    data: bytes | None = None


class Stream:
    """A query's answer as it comes: ``rows()`` (SELECT in table form), ``chunks()``
    (the bytes of a standard document), or ``boolean`` (ASK in table form).

    The time limit runs until the last row or chunk is read. Close it (or use
    ``with``) to stop a query whose answer is no longer wanted.
    """

    def __init__(self, kind: str, fmt: str, messages: Iterator[tuple]):
        self.kind = kind
        self.fmt = fmt
        self.columns: list[str] = []
        self.boolean: bool | None = None
        self._messages = messages
        self._pending: list[tuple] = []
        first = next(messages, None)  # errors (syntax, store) raise here, before any output
        if first is not None:
            if first[0] == "columns":
                self.columns = list(first[1])
            elif first[0] == "boolean":
                self.boolean = first[1]
            else:
                self._pending.append(first)

    def _rest(self) -> Iterator[tuple]:
        while self._pending:
            yield self._pending.pop(0)
        yield from self._messages

    def rows(self) -> Iterator[dict[str, Any]]:
        for message in self._rest():
            if message[0] == "rows":
                for values in message[1]:
                    yield dict(zip(self.columns, values))

    def chunks(self) -> Iterator[bytes]:
        for message in self._rest():
            if message[0] == "bytes":
                yield message[1]

    def close(self) -> None:
        close = getattr(self._messages, "close", None)
        if close is not None:
            close()  # runs the generator's cleanup: kills the query process

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


MAX_TIMEOUT = 1_000_000  # seconds (11 days): a longer limit is no limit (0), and inf/nan no number


def is_named(text: str) -> bool:
    return bool(NAME_PATTERN.match(text.strip()))


def query(
    text: str,
    *,
    params: dict[str, str] | None = None,
    fmt: str = "table",
    store=None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = None,
) -> Answer:
    """Run SPARQL text, or the named query ``text`` (see ``kg query --list``).

    ``fmt`` "table" returns rows; json/xml/csv/tsv return the standard SPARQL
    results document; ttl/nt/nq/trig/jsonld/xml serialise CONSTRUCT/DESCRIBE.
    ``timeout`` seconds (None or 0: no limit) bounds the whole query; past it
    the query is stopped and ``QueryTimeoutError`` (a QueryError) raised.
    ``max_memory_mb`` caps the memory of the query on the on-disk store
    (default: an eighth of the RAM, see kg.store.memory_cap; 0: no cap); past
    it ``QueryMemoryError`` (a QueryError) is raised.
    See ``stream`` for the answer as it comes.
    """
    with stream(text, params=params, fmt=fmt, store=store, timeout=timeout,
                max_memory_mb=max_memory_mb) as answer:
        if answer.boolean is not None:
            return Answer(answer.kind, boolean=answer.boolean)
        if fmt == "table" and answer.kind == "SELECT":
            return Answer(answer.kind, answer.columns, list(answer.rows()))
        return Answer(answer.kind, data=b"".join(answer.chunks()))


def stream(
    text: str,
    *,
    params: dict[str, str] | None = None,
    fmt: str = "table",
    store=None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = None,
) -> Stream:
    """Like ``query``, but the rows or bytes come as the engine yields them.

    On the on-disk store (the default) the query runs in a child process
    that is killed at the limit, whatever the query does, and that holds
    itself to ``max_memory_mb``. On a store held in
    memory the limit is checked between rows, which stops a query that
    yields lazily but not one blocked in a sort or an aggregate; a remote
    endpoint gets the limit as its HTTP timeout; rdflib's engine has none.
    """
    from kg.store.cache import or_default
    from kg.store.embedded import OxigraphStore, with_values
    from kg.store.memory_cap import check_cap, default_query_mb
    from kg.store.query_process import run_in_child, run_in_process

    if timeout is not None and not (isinstance(timeout, (int, float)) and 0 <= timeout <= MAX_TIMEOUT):
        raise UsageError(f"timeout must be 0 (no limit) or a number of seconds up to {MAX_TIMEOUT:,}, "
                         f"not {timeout!r}")
    timeout = timeout or None
    memory = default_query_mb() if max_memory_mb is None else check_cap(max_memory_mb, "max_memory_mb")
    store = or_default(store)
    raw = params or {}
    if is_named(text):
        named = sparql.get(text.strip())
        bindings = convert_params(named, raw, store)
        text = named.text
    else:
        check_query_shape(text)  # before any engine: deep nesting crashes it
        bindings = {k: guess_value(v) for k, v in raw.items()}
    kind = query_kind(text)
    graph_result = kind in ("CONSTRUCT", "DESCRIBE")
    allowed = ("table", *RESULT_FORMATS) if not graph_result else ("table", *RDF_FORMATS)
    if fmt not in allowed:
        what = "a graph (CONSTRUCT/DESCRIBE)" if graph_result else f"{kind} results"
        raise UsageError(f"format '{fmt}' does not suit {what}; expected one of: {', '.join(allowed)}")
    if isinstance(store, OxigraphStore):
        bound = with_values(text, bindings)
        if store.path is not None:
            messages = run_in_child(os.path.realpath(store.path), bound, fmt, timeout, memory)
        else:
            messages = run_in_process(store.store, bound, fmt, timeout)
    else:
        messages = _run_elsewhere(store, kind, text, bindings, fmt, timeout)
    return Stream(kind, fmt, messages)


def _run_elsewhere(store, kind: str, text: str, bindings: dict, fmt: str, timeout: float | None) -> Iterator[tuple]:
    """Messages of a query on rdflib or a remote endpoint: the whole answer at once."""
    if timeout is not None and hasattr(store, "timeout"):
        store = copy.copy(store)
        store.timeout = timeout
        store.timeout_option = "kg query --timeout"
    if fmt == "table" and kind == "SELECT":
        rows = store.select(text, bindings)
        yield ("columns", list(rows[0]) if rows else [])
        yield ("rows", [tuple(r.values()) for r in rows])
    elif fmt == "table" and kind == "ASK":
        yield ("boolean", store.ask(text, bindings))
    else:
        yield ("bytes", store.serialize_results(text, "ttl" if fmt == "table" else fmt, bindings)[1])


def guess_value(value: str) -> Any:
    """A --param value for an ad-hoc query: <iri>, integer, date, else a string."""
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
        if any(c in iri for c in '<>"{}|^`\\ ') or any(ord(c) < 33 for c in iri):
            raise ParameterError(f"--param value {value!r} is not an IRI: an IRI in <...> has no spaces, "
                             "quotes, braces or angle brackets inside")
        return IRI(iri)
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return value


def short(value: Any) -> str:
    """An IRI shortened with the project's prefixes, for tables."""
    if isinstance(value, IRI):
        for prefix, iri in ns.PREFIXES.items():
            if value.startswith(iri) and "/" not in value[len(iri):]:
                return f"{prefix}:{value[len(iri):]}"
        return f"<{value}>"
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def named_query_list() -> list[dict[str, str]]:
    """Every named query with its title and parameters."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "params": ", ".join(f"{p.name}{'?' if p.optional else ''} ({p.type})" for p in q.params),
            "description": q.description,
        }
        for q in sparql.named_queries().values()
    ]
