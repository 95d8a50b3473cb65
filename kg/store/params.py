"""A named query's parameters, from the text a user typed (``--param year=2013``, a
form field of the endpoint) to typed RDF values: dates at their precision, IRIs of
sources, places and graphs, and actor names resolved as everywhere else."""

from __future__ import annotations

from typing import Any

from kg.errors import UsageError
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.graph.terms import IRI
from kg.store.names import resolve
from kg.store.sparql import NamedQuery, Param


def convert_params(query: NamedQuery, raw: dict[str, str], store=None) -> dict[str, Any]:
    """Turn ``name=value`` strings into typed RDF values; unknown or bad ones are usage errors."""
    declared = {p.name: p for p in query.params}
    unknown = [k for k in raw if k not in declared]
    if unknown:
        expected = ", ".join(declared) or "none"
        raise UsageError(f"query '{query.name}' has no parameter {', '.join(unknown)}; its parameters: {expected}")
    missing = [p.name for p in query.params if not p.optional and p.name not in raw]
    if missing:
        raise UsageError(f"query '{query.name}' needs --param {'/'.join(missing)}=...")
    return {name: convert_value(declared[name], value, store) for name, value in raw.items()}


def convert_value(param: Param, value: str, store=None) -> Any:
    try:
        if param.type == "xsd:integer":
            return int(value)
        if param.type == "xsd:date":
            return dates.start_of(value) if param.name.lower() not in ("to", "end", "until") else dates.end_of(value)
        if param.type == "actor":
            return resolve(value, store)
        if param.type == "source":
            return IRI(ns.SOURCE + value)
        if param.type == "place":
            return IRI(ns.PLACE + value)
        if param.type == "graph":
            return IRI(ns.dataset_graph(value))
        if param.type in ("relation", "actor_type"):
            from kg.graph.vocab import vocabulary

            vocab = vocabulary()
            table = vocab.relations if param.type == "relation" else vocab.actor_types
            if value not in table:
                raise UsageError(
                    f"unknown {param.type.replace('_', ' ')} '{value}'; expected one of: {', '.join(sorted(table))}"
                )
            return IRI(table[value].iri)
    except (ValueError, dates.DateFormatError) as e:
        raise UsageError(f"parameter {param.name}: expected {param.type}, got '{value}' ({e})") from None
    return value
