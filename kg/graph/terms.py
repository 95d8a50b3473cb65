"""RDF terms as plain Python values, the same whichever store answered.

IRIs come back as :class:`IRI` (a ``str``), literals as ``str``, ``int``,
``float``, ``bool`` or ``datetime.date``; unbound variables as None.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from kg.graph import namespaces as ns

# What str.isalnum() rejects ("\\w" is alphanumerics and "_" in Python's re): one C call
# per name, not one Python call per character (the name index of a 100k import
# normalises thousands of names on every kg fought).
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Goïta' -> 'goita'. Here, low, so that
    the build (a Wikidata label against ours) and the name index (kg.store.names) agree."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", name.casefold()))


class IRI(str):
    """An IRI, distinct from a plain string literal."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


INTEGER_TYPES = {
    ns.XSD + t
    for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
              "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
              "unsignedLong", "unsignedShort", "unsignedByte")
}
FLOAT_TYPES = {ns.XSD + t for t in ("decimal", "double", "float")}


def from_literal(value: str, datatype: str | None):
    """Convert a literal's lexical form to a Python value by its datatype."""
    try:
        if datatype in INTEGER_TYPES:
            return int(value)
        if datatype in FLOAT_TYPES:
            return float(value)
        if datatype == ns.XSD + "date":
            return date.fromisoformat(value[:10])
        if datatype == ns.XSD + "boolean":
            return value in ("true", "1")
    except ValueError:
        return value
    return value


def from_json_term(term: dict | None):
    """A term of the SPARQL 1.1 JSON results format as a Python value."""
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return IRI(term["value"])
    if kind == "bnode":
        return "_:" + term["value"]
    return from_literal(term["value"], term.get("datatype"))


def to_ntriples(value) -> str:
    """A Python value as an N-Triples/SPARQL term, escaped (for VALUES clauses)."""
    if isinstance(value, IRI):
        if any(c in value for c in '<>"{}|^`\\ \n'):
            raise ValueError(f"not a valid IRI: {value!r}")
        return f"<{value}>"
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{ns.XSD}boolean>'
    if isinstance(value, int):
        return f'"{value}"^^<{ns.XSD}integer>'
    if isinstance(value, float):
        return f'"{value!r}"^^<{ns.XSD}double>'
    if isinstance(value, date):
        return f'"{value.isoformat()}"^^<{ns.XSD}date>'
    text = str(value)
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'
