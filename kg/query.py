"""Running SPARQL typed by a researcher, or a named query, in any standard format:
the library side of ``kg query``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import namespaces as ns
from . import sparql
from .errors import UsageError
from .store import RDF_FORMATS, RESULT_FORMATS, query_kind
from .terms import IRI

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass
class Answer:
    """A query's result: rows (SELECT), a boolean (ASK), or serialised bytes."""

    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None
    data: bytes | None = None


def is_named(text: str) -> bool:
    return bool(NAME_PATTERN.match(text.strip()))


def query(
    text: str,
    *,
    params: dict[str, str] | None = None,
    fmt: str = "table",
    store=None,
) -> Answer:
    """Run SPARQL text, or the named query ``text`` (see ``kg query --list``).

    ``fmt`` "table" returns rows; json/xml/csv/tsv return the standard SPARQL
    results document; ttl/nt/nq/trig/jsonld/xml serialise CONSTRUCT/DESCRIBE.
    """
    from .cache import or_default

    store = or_default(store)
    raw = params or {}
    if is_named(text):
        named = sparql.get(text.strip())
        bindings = sparql.convert_params(named, raw, store)
        text = named.text
    else:
        bindings = {k: guess_value(v) for k, v in raw.items()}
    kind = query_kind(text)
    graph_result = kind in ("CONSTRUCT", "DESCRIBE")
    allowed = ("table", *RESULT_FORMATS) if not graph_result else ("table", *RDF_FORMATS)
    if fmt not in allowed:
        what = "a graph (CONSTRUCT/DESCRIBE)" if graph_result else f"{kind} results"
        raise UsageError(f"format '{fmt}' does not suit {what}; expected one of: {', '.join(allowed)}")
    if fmt == "table" and kind == "SELECT":
        rows = store.select(text, bindings)
        return Answer(kind, list(rows[0]) if rows else [], rows)
    if fmt == "table" and kind == "ASK":
        return Answer(kind, boolean=store.ask(text, bindings))
    _, data = store.serialize_results(text, "ttl" if fmt == "table" else fmt, bindings)
    return Answer(kind, data=data)


def guess_value(value: str) -> Any:
    """A --param value for an ad-hoc query: <iri>, integer, date, else a string."""
    if value.startswith("<") and value.endswith(">"):
        return IRI(value[1:-1])
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
