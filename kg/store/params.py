"""A named query's parameters, from the text a user typed (``--param year=2013``, a
form field of the endpoint) to typed RDF values: dates at their precision, IRIs of
sources, places and graphs, and actor names resolved as everywhere else."""

from __future__ import annotations

import re
from typing import Any

from kg.errors import ParameterError, UsageError
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


# the ids kg gives sources, places and data sets (graph names): what follows the namespace
ID_TEXT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")
ID_KINDS = {"source": "a source id, e.g. ft_2025_bamako_blockade",
            "place": "a place id, e.g. bamako",
            "event": "an event id, e.g. tassia_attack_2024",
            "graph": "a data set name, e.g. curated, acled or ucdp"}
MAX_INTEGER_DIGITS = 18  # a year, a count: never a 4,300-digit number


def check_kind(param: Param, value: str) -> None:
    """Refuse a value that is not of the parameter's declared kind, before any query is
    built with it: an id with spaces, brackets or braces (``x> } } DROP ALL #``), an
    integer that is not one, a control character in any value."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ParameterError(f"parameter {param.name}: the value {value!r} holds a control character; "
                         f"expected {_expected(param)}")
    if param.type in ID_KINDS and not ID_TEXT.fullmatch(value):
        raise ParameterError(f"parameter {param.name}: {value!r} is not {ID_KINDS[param.type]} "
                         "(letters, digits, _ . -; no spaces or other signs)")
    if param.type == "xsd:integer" and not re.fullmatch(rf"[+-]?\d{{1,{MAX_INTEGER_DIGITS}}}", value.strip()):
        raise ParameterError(f"parameter {param.name}: {value!r} is not a whole number (e.g. 2013)")


def _expected(param: Param) -> str:
    return ID_KINDS.get(param.type) or {"xsd:integer": "a whole number (e.g. 2013)",
                                        "xsd:date": "a date: YYYY, YYYY-MM or YYYY-MM-DD",
                                        "actor": "an actor's id, name or alias"}.get(param.type, param.type)


def convert_value(param: Param, value: str, store=None) -> Any:
    """One parameter's text as the typed value its declared kind says; UsageError if it is not one."""
    check_kind(param, value)
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
        if param.type == "event":
            return IRI(ns.EVENT + value)
        if param.type == "graph":
            return IRI(ns.dataset_graph(value))
        if param.type in ("relation", "actor_type"):
            from kg.graph.vocab import vocabulary

            vocab = vocabulary()
            table = vocab.relations if param.type == "relation" else vocab.actor_types
            if value not in table:
                raise ParameterError(
                    f"unknown {param.type.replace('_', ' ')} '{value}'; expected one of: {', '.join(sorted(table))}"
                )
            return IRI(table[value].iri)
    except (ValueError, dates.DateFormatError) as e:
        raise ParameterError(f"parameter {param.name}: expected {param.type}, got '{value}' ({e})") from None
    return value
