"""The library of named SPARQL queries (``kg/queries/*.rq``) and how to run them.

Each file is a complete query a researcher can paste into any SPARQL client;
its comment header gives a title, a description and its parameters:

    # title: Who fought whom in a year
    # description: Every pair of actors with a dated "fought" statement ...
    # param: year xsd:integer  The year, e.g. 2013
    # example: year=2013

Parameters are variables of the query, bound by the store's own mechanism
(Oxigraph substitutions, rdflib initBindings, a VALUES block for remote
servers); a parameter declared ``optional`` is left free when not given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from kg.errors import UsageError
from kg.graph import namespaces as ns

PARAM_TYPES = (
    "xsd:integer", "xsd:date", "xsd:string", "actor", "actor_type", "source", "place", "event", "relation", "graph",
)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    example: dict[str, str] = field(default_factory=dict)


NAME_CHARACTERS = re.compile(r"[a-z0-9][a-z0-9-]*")  # of a query file's name: no path in it
_HEADER = re.compile(r"^#\s*(title|description|param|example):\s*(.*)$")


def header_lines(text: str, pattern: re.Pattern) -> Iterator[tuple[str | None, str]]:
    """The ``# key: value`` header of a .rq file (named queries, check rules), in order:
    (key, value) for a line ``pattern`` matches, (None, text) for another comment line.
    The header ends at the first line that is neither a comment nor blank."""
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                return
            continue
        m = pattern.match(line)
        yield (m.group(1), m.group(2)) if m else (None, line.lstrip("# ").rstrip())


def parse_named_query(name: str, text: str) -> NamedQuery:
    title, description, params, example = name, [], [], {}
    for key, value in header_lines(text, _HEADER):
        if key is None:
            if description and value:
                description.append(value)
            continue
        if key == "title":
            title = value.strip()
        elif key == "description":
            description.append(value.strip())
        elif key == "example":
            example = dict(item.split("=", 1) for item in value.split())
        else:
            pname, ptype, *rest = value.split(None, 2)
            doc = rest[0] if rest else ""
            optional = doc.startswith("optional")
            if ptype not in PARAM_TYPES:
                raise ValueError(f"{name}.rq: unknown parameter type {ptype}")
            params.append(Param(pname, ptype, doc.removeprefix("optional").strip(" ,;:"), optional))
    return NamedQuery(name, title, " ".join(description), tuple(params), text, example)


# The package's queries folder: a plain folder in a checkout and in an installed wheel
# (importlib.resources would give the same path, for 4 ms of imports on every kg call).
QUERIES = Path(__file__).resolve().parent.parent / "queries"


@cache
def named_queries() -> dict[str, NamedQuery]:
    return {entry.stem: _parsed(entry.stem) for entry in sorted(QUERIES.glob("*.rq"), key=lambda e: e.name)}


@cache
def _parsed(name: str) -> NamedQuery:
    return parse_named_query(name, QUERIES.joinpath(f"{name}.rq").read_text(encoding="utf-8"))


def get(name: str) -> NamedQuery:
    """The named query ``name``; only its own file is read (``kg fought`` needs 3 of 36)."""
    if NAME_CHARACTERS.fullmatch(name) and QUERIES.joinpath(f"{name}.rq").is_file():
        return _parsed(name)
    import difflib

    close = difflib.get_close_matches(name, list(named_queries()), n=3)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see kg query --list"
    raise UsageError(f"no named query '{name}'{hint}")


def run(store, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a named query with already-typed parameter values."""
    return store.select(get(name).text, {k: v for k, v in params.items() if v is not None})


_STRINGS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*",
    re.DOTALL,
)
_PREFIXED_NAME = re.compile(r"(?<![\w?$:.\-])([A-Za-z][\w.\-]*)?:")
_PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.\-]*)?:", re.IGNORECASE)


def unknown_prefixes(text: str) -> list[tuple[str, int, int]]:
    """Prefixes used in ``text`` that it does not declare and kg does not predeclare,
    with the line and column of their first use."""
    blank = _STRINGS_IRIS_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    known = set(ns.PREFIXES) | {m.group(1) or "" for m in _PREFIX_DECLARATION.finditer(blank)}
    found: dict[str, tuple[str, int, int]] = {}
    for m in _PREFIXED_NAME.finditer(blank):
        prefix = m.group(1) or ""
        if prefix not in known and prefix not in found:
            line = blank.count("\n", 0, m.start()) + 1
            column = m.start() - (blank.rfind("\n", 0, m.start()) + 1) + 1
            found[prefix] = (prefix, line, column)
    return list(found.values())


def syntax_message(error: str, text: str) -> str:
    """The engine's syntax error in plain words. An unknown prefix gets its name and the
    known ones, where Oxigraph lists every character a name may hold."""
    from kg.store.embedded import _syntax_message

    if "Prefix not found" in error:
        unknown = unknown_prefixes(text)
        if unknown:
            prefix, line, column = unknown[0]
            known = ", ".join(f"{p}:" for p in ns.PREFIXES)
            return (f"unknown prefix '{prefix}:' at line {line}, column {column}; known: {known}; "
                    f"or declare it: PREFIX {prefix}: <...>")
    return _syntax_message(error)


AS_OF_QUERY = f"SELECT ?d WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ <{ns.DATASET}curated> <{ns.SKG}asOf> ?d }} }}"


def as_of(store) -> date:
    """The curated data set's as-of day: where an ongoing relation ends (today if it has none)."""
    return stored_as_of(store) or date.today()


def stored_as_of(store) -> date | None:
    """The curated data set's as-of day, None if it has none."""
    rows = store.select(AS_OF_QUERY)
    return rows[0]["d"] if rows else None
