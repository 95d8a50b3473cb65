"""One interface over the stores that can answer SPARQL: Oxigraph on disk
(the default), rdflib in memory, and (see ``remote.py``) any SPARQL 1.1 server.

Parameters are bound the same way on every backend, by a VALUES block of
escaped RDF terms (both engines' own pre-binding APIs require the variable to
be projected, and the SPARQL protocol has none); each returns rows of plain Python values (see ``terms.py``), so the
library above it never depends on which store answered.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from kg.errors import QueryError, StoreCorrupt, StoreError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI, from_literal, to_ntriples
from kg.store.query_shape import check_query_shape

Row = dict[str, Any]

# Result formats of SPARQL 1.1: SELECT/ASK, and the RDF formats of CONSTRUCT/DESCRIBE.
RESULT_FORMATS = ("json", "xml", "csv", "tsv")
RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "xml")


class Store(Protocol):
    name: str

    def select(self, query: str, bindings: dict[str, Any] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: dict[str, Any] | None = None) -> bool: ...

    def serialize_results(
        self, query: str, fmt: str, bindings: dict[str, Any] | None = None
    ) -> tuple[str, bytes | list[Row] | bool]: ...


def with_values(query: str, bindings: dict[str, Any] | None, *, into_graph: bool = True) -> str:
    """Bind variables by a VALUES block at the start of the query's WHERE group.

    For engines without a pre-binding API that works on any variable (rdflib's
    initBindings needs projected variables; the SPARQL protocol has none). The
    values are serialised as escaped RDF terms, never pasted as raw text.

    With ``into_graph`` the block goes inside the WHERE group's first
    ``GRAPH ... {`` group instead (the same answers: a join distributes over
    the graphs), where Oxigraph uses it to drive the index lookups; at the
    WHERE level it joined after scanning every statement: 0.26 s -> 0.003 s
    for fought-statements at 10k synthetic statements (bench/bench_scale.py).
    """
    if not bindings:
        return query
    names = list(bindings)
    block = "VALUES ({}) {{ ({}) }}".format(
        " ".join("?" + n for n in names), " ".join(to_ntriples(bindings[n]) for n in names)
    )
    return insert_values(query, block, into_graph=into_graph)


def insert_values(query: str, block: str, *, into_graph: bool = True) -> str:
    """``block`` (VALUES text) put where ``with_values`` puts its block."""
    i, n = 0, len(query)
    seen_form = False
    while i < n:
        c = query[i]
        if c == "#":
            i = query.find("\n", i)
            i = n if i < 0 else i
        elif c == "<":
            j = i + 1
            while j < n and query[j] not in "> \t\n":
                j += 1
            i = j
        elif c in "\"'":
            j = query.find(c, i + 1)
            i = n if j < 0 else j
        elif c == "{":
            if seen_form:
                if into_graph:
                    i = _first_graph_group(query, i)
                return query[: i + 1] + " " + block + " " + query[i + 1 :]
        elif query[i : i + 6].upper() in ("SELECT", "CONSTR", "DESCRI") or query[i : i + 3].upper() == "ASK":
            seen_form = True
        i += 1
    raise QueryError("cannot bind parameters: the query has no WHERE group")


_GRAPH_OPEN = re.compile(r"GRAPH\s+(?:\?\w+|<[^>\s]*>|[\w-]*:[\w-]*)\s*\{", re.IGNORECASE)


def _first_graph_group(query: str, where: int) -> int:
    """The ``{`` of the first GRAPH group directly inside the WHERE group at ``where``, else ``where``."""
    depth, i, n = 0, where + 1, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            i = query.find("\n", i)
            i = n if i < 0 else i
        elif c in "\"'":
            j = query.find(c, i + 1)
            i = n if j < 0 else j
        elif c == "<" and re.match(r"<[^>\s]*>", query[i:]):
            i = query.find(">", i)
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return where
        elif depth == 0 and c in "Gg" and not (query[i - 1].isalnum() or query[i - 1] in "?$:_"):
            m = _GRAPH_OPEN.match(query, i)
            if m:
                return m.end() - 1
        i += 1
    return where


def query_kind(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside prologue."""
    import re

    # IRIs and strings first: they may hold a '#' (ontology#) or a keyword
    text = re.sub(r"<[^>\s]*>", "<>", query)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', text)
    text = re.sub(r"#[^\n]*", " ", text)  # comments
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.IGNORECASE)
    if not m:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return m.group(1).upper()


class OxigraphStore:
    """pyoxigraph's Store, on disk or in memory."""

    name = "oxigraph"

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        import pyoxigraph as ox

        self._ox = ox
        self.path = path
        self.writable = not read_only
        self.reader_lock = None  # kg.store.cache: the shared lock that keeps this store from being removed
        try:
            if path is None:
                self.store = ox.Store()
            elif read_only:
                self.store = ox.Store.read_only(str(path))
            else:
                self.store = ox.Store(str(path))
        except (OSError, RuntimeError) as e:  # RocksDB reports corruption as RuntimeError
            raise open_error(path, e) from None

    @classmethod
    def wrapping(cls, store) -> OxigraphStore:
        """This interface over a pyoxigraph Store already open (a staged store, kg.store.actor_table)."""
        import pyoxigraph as ox

        wrapped = cls.__new__(cls)
        wrapped._ox, wrapped.path, wrapped.writable, wrapped.reader_lock = ox, None, True, None
        wrapped.store = store
        return wrapped

    def _py(self, term):
        ox = self._ox
        if term is None:
            return None
        if isinstance(term, ox.NamedNode):
            return IRI(term.value)
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value
        if isinstance(term, ox.Literal):
            return from_literal(term.value, term.datatype.value)
        return str(term)

    def _run(self, query: str, bindings: dict[str, Any] | None):
        check_query_shape(query)  # deep nesting would crash the engine, and this process with it
        try:
            return self.store.query(with_values(query, bindings), prefixes=ns.PREFIXES)
        except SyntaxError as e:
            raise QueryError(_syntax_message(str(e))) from None
        except (OSError, RuntimeError) as e:
            if is_corruption(e) or isinstance(e, OSError):  # the store, not the query
                raise open_error(self.path, e, reading=True) from None
            raise QueryError(f"query failed: {e}") from None
        except ValueError as e:
            raise QueryError(f"query failed: {e}") from None

    def select(self, query: str, bindings: dict[str, Any] | None = None) -> list[Row]:
        solutions = self._run(query, bindings)
        if not isinstance(solutions, self._ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = list(enumerate(v.value for v in solutions.variables))
        py, known, rows = self._py, {}, []
        for s in solutions:  # by position, each distinct term converted once: 16,000 rows in 0.2 s, not 0.6
            row = {}
            for i, n in names:
                term = s[i]
                value = known.get(term, known)
                if value is known:
                    value = known[term] = py(term)
                row[n] = value
            rows.append(row)
        return rows

    def ask(self, query: str, bindings: dict[str, Any] | None = None) -> bool:
        return bool(self._run(query, bindings))

    def serialize_results(self, query, fmt, bindings=None):
        """Run any query and serialise its result in a standard format."""
        ox = self._ox
        result = self._run(query, bindings)
        if isinstance(result, ox.QueryTriples):
            return "rdf", ox.serialize(result, format=_ox_rdf_format(ox, fmt), prefixes=ns.PREFIXES)
        fmts = {
            "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
        }
        return "results", result.serialize(format=fmts[fmt])

    # -- writing --------------------------------------------------------

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def quads(self, graph: str | None = None) -> list:
        ox = self._ox
        return list(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph) if graph else None))


def is_corruption(error: BaseException) -> bool:
    """RocksDB's own verdict: its status "Corruption: ..." (pyoxigraph raises it as RuntimeError)."""
    return isinstance(error, RuntimeError) and str(error).startswith("Corruption")


def fault_fix(error: BaseException) -> str:
    """What to do about an operating-system fault (descriptors, permissions, space), or ''."""
    text = str(error)
    low = text.lower()
    errno_ = getattr(error, "errno", None)
    if errno_ in (errno.EMFILE, errno.ENFILE) or "file descriptors" in low or "too many open files" in low:
        return "" if "ulimit" in low else "too many open files: raise the limit (e.g. `ulimit -n 1024`), then run it again"
    if errno_ in (errno.EACCES, errno.EPERM) or "permission denied" in low or "operation not permitted" in low:
        return ("permission denied: it belongs to another user or is read-only; run kg as the user who made "
                "it, make it yours (chown/chmod), or set KG_HOME to a folder of your own")
    if errno_ == errno.ENOSPC or "no space left" in low:
        return "the disk is full: free some space, then run it again"
    if errno_ == errno.EROFS or "read-only file system" in low:
        return "the file system is read-only: set KG_HOME to a folder on a writable one"
    if "lock" in low or "resource temporarily unavailable" in low:
        return "another process has it open for writing: wait for it to end"
    if "not a directory" in low:
        return "a part of that path is a file where a folder was expected: set KG_HOME to a folder"
    return ""


def open_error(path: Path | None, error: BaseException, *, reading: bool = False) -> StoreError:
    """Why a store cannot be opened or read, and what to do: never a reason to remove it."""
    text = str(error)
    what = f"cannot {'read' if reading else 'open'} the store at {path}"
    if is_corruption(error):
        hint = ("; run kg build: it moves the store aside (kept, never removed) and builds a new one"
                if reading else "")
        return StoreCorrupt(f"{what}: RocksDB reports it corrupt ({text}){hint}")
    fix = fault_fix(error) or "the store was left as it is"
    return StoreError(f"{what}: {text}\n{fix}" if fix else f"{what}: {text}")


def _syntax_message(text: str) -> str:
    """Oxigraph says 'error at 3:17: expected ...'; name line and column plainly."""
    import re

    m = re.match(r"error at (\d+):(\d+): (.*)", text, re.S)
    if m:
        return f"SPARQL syntax error at line {m[1]}, column {m[2]}: {m[3]}"
    return f"SPARQL syntax error: {text}"


def _ox_rdf_format(ox, fmt: str):
    table = {
        "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
        "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD,
        "xml": ox.RdfFormat.RDF_XML,
    }
    return table.get(fmt, ox.RdfFormat.TURTLE)


class RdflibStore:
    """rdflib's in-memory Dataset: for building, validation and small graphs."""

    name = "rdflib"

    def __init__(self, quads: Iterable | None = None):
        import pyoxigraph as ox
        import rdflib

        self._rdflib = rdflib
        self.dataset = rdflib.Dataset()
        if quads is not None:
            data = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS)
            self.dataset.parse(data=data, format="nquads")


    def _py(self, term):
        rdflib = self._rdflib
        if term is None:
            return None
        if isinstance(term, rdflib.URIRef):
            return IRI(str(term))
        if isinstance(term, rdflib.BNode):
            return "_:" + str(term)
        if isinstance(term, rdflib.Literal):
            return from_literal(str(term), str(term.datatype) if term.datatype else None)
        return str(term)

    def _run(self, query: str, bindings):
        from pyparsing import ParseException

        check_query_shape(query)
        try:
            return self.dataset.query(with_values(query, bindings, into_graph=False), initNs=ns.PREFIXES)
        except ParseException as e:
            raise QueryError(f"SPARQL syntax error at line {e.lineno}, column {e.col}: {e.msg}") from None
        except Exception as e:  # rdflib raises plain exceptions for evaluation errors
            raise QueryError(f"query failed: {e}") from None

    def select(self, query: str, bindings: dict[str, Any] | None = None) -> list[Row]:
        result = self._run(query, bindings)
        names = [str(v) for v in result.vars]
        return [{n: self._py(row[n]) for n in names} for row in result]

    def ask(self, query: str, bindings: dict[str, Any] | None = None) -> bool:
        return bool(self._run(query, bindings).askAnswer)

    def serialize_results(self, query, fmt, bindings=None):
        result = self._run(query, bindings)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            rdf = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig",
                   "jsonld": "json-ld", "xml": "xml"}.get(fmt, "turtle")
            return "rdf", result.graph.serialize(format=rdf, encoding="utf-8")
        return "results", result.serialize(format=fmt)
