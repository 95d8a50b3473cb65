"""The SPARQL 1.1 Protocol as ``kg serve`` applies it: which format a client
asked for, which dataset a query runs on, and how a request body is decoded.

Plain functions over strings and bytes (no HTTP server here), so that each
rule can be tested on its own and the server stays a thin layer.

- **Formats.** Clients ask in two ways: the ``Accept`` header, and a
  ``format``/``output``/``results`` parameter (SPARQLWrapper sends all
  three, e.g. ``format=xml&output=xml&results=xml`` beside ``Accept:
  application/rdf+xml`` for a CONSTRUCT; Virtuoso, Fuseki and YASGUI links
  use ``format``/``output``). A parameter names a format for the query's
  form: ``xml`` is SPARQL XML for SELECT/ASK and RDF/XML for a graph,
  ``json`` is SPARQL JSON or JSON-LD. A value that does not fit the form
  (``csv`` for a CONSTRUCT) falls back to ``Accept``, and no ``Accept``
  (or ``*/*``) to the form's default; only an ``Accept`` naming nothing we
  can write, with no usable parameter, is refused (406).
- **Dataset.** ``default-graph-uri``/``named-graph-uri`` in the request
  define the dataset and override the query's ``FROM``/``FROM NAMED``; the
  query's clauses define it otherwise (``FROM NAMED`` alone leaves the
  default graph empty, as SPARQL 1.1 Query says). With neither, the default
  graph is the union of the named graphs (our data lives only in named
  graphs), like Oxigraph server's ``--union-default-graph``.
- **Bodies.** A declared charset is honoured when it is ASCII-compatible
  (ISO-8859-1, windows-1252 ...); UTF-16 and UTF-32 are refused, since the
  SPARQL media types are UTF-8 text (the W3C protocol test
  ``bad_query_non_utf8`` expects the refusal).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# Media types written, the default first (what */* or no Accept header gets).
RESULT_TYPES = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
    "application/xml": "XML",
}
RDF_TYPES = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/n-quads": "N_QUADS",
    "application/trig": "TRIG",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "text/plain": "N_TRIPLES",
}
# format=/output=/results= values, per kind of answer. Names as SPARQLWrapper (json, xml, turtle,
# n3, rdf, rdf+xml, json-ld, csv, tsv), Fuseki and Virtuoso send them; media types are looked up
# in RESULT_TYPES/RDF_TYPES or as aliases below.
RESULT_FORMAT_NAMES = {
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
}
RDF_FORMAT_NAMES = {
    "turtle": "text/turtle", "ttl": "text/turtle", "n3": "text/turtle",  # Turtle is N3's RDF subset
    "nt": "application/n-triples", "ntriples": "application/n-triples", "n-triples": "application/n-triples",
    "nq": "application/n-quads", "nquads": "application/n-quads", "n-quads": "application/n-quads",
    "trig": "application/trig",
    "json-ld": "application/ld+json", "jsonld": "application/ld+json", "json": "application/ld+json",
    "xml": "application/rdf+xml", "rdf": "application/rdf+xml", "rdf+xml": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
}
MEDIA_ALIASES = {
    "application/turtle": "text/turtle", "application/x-turtle": "text/turtle", "text/n3": "text/turtle",
    "text/rdf+n3": "text/turtle", "application/n3": "text/turtle", "application/x-json+ld": "application/ld+json",
    "application/x-sparqlstar-results+json": "application/sparql-results+json",
    "text/javascript": "application/sparql-results+json", "application/javascript": "application/sparql-results+json",
}
FORMAT_PARAMS = ("format", "output", "results")
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class ProtocolError(ValueError):
    """A request the protocol refuses: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# -- formats ---------------------------------------------------------------------


def format_from_param(value: str, kind: str) -> str | None:
    """The media type a format parameter value names for ``kind`` ("results" or "rdf"), or None.

    A value may be a short name (``json``), a media type, or a comma-separated
    list of media types (SPARQLWrapper sends its Accept list there too).
    """
    offered = RESULT_TYPES if kind == "results" else RDF_TYPES
    names = RESULT_FORMAT_NAMES if kind == "results" else RDF_FORMAT_NAMES
    value = value.strip().lower()
    if value in names:
        return names[value]
    for part in value.split(","):
        media = part.split(";")[0].strip()
        media = MEDIA_ALIASES.get(media, media)
        if media in offered:
            return media
    return None


def choose_format(kind: str, params: list[str], accept) -> str | None:
    """The media type to answer a ``kind`` query with, or None when nothing fits (406).

    ``params`` are the format/output/results values in request order;
    ``accept`` is werkzeug's parsed ``Accept`` header.
    """
    offered = RESULT_TYPES if kind == "results" else RDF_TYPES
    for value in params:
        media = format_from_param(value, kind)
        if media:
            return media
    if not accept:
        return next(iter(offered))
    return accept.best_match(list(offered))


# -- the dataset -----------------------------------------------------------------

_STRINGS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*",
    re.DOTALL,
)


def _keyword(word: str) -> re.Pattern:
    return re.compile(rf"(?<![?$:\w-]){word}(?![\w:-])", re.IGNORECASE)


_SERVICE = _keyword("SERVICE")
_FROM = _keyword("FROM")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[\w.-]*:\s*|BASE\s*)<>\s*)*", re.IGNORECASE)


def _code(query: str) -> str:
    """The query with its strings, IRIs and comments blanked, so keywords can be looked for."""
    return _STRINGS_IRIS_COMMENTS.sub(lambda m: "<>" if m.group().startswith("<") else " ", query)


def uses_service(query: str) -> bool:
    """Whether a query has a SERVICE clause (outside strings, IRIs and comments)."""
    return bool(_SERVICE.search(_code(query)))


def has_dataset_clause(query: str) -> bool:
    """Whether a query names its dataset (``FROM`` or ``FROM NAMED``), the only use of FROM in SPARQL."""
    return bool(_FROM.search(_code(query)))


def looks_like_update(text: str) -> bool:
    """Whether a text is SPARQL Update: its first keyword after the prologue is an update operation."""
    code = _code(text)
    rest = code[_PROLOGUE.match(code).end():]
    m = re.match(r"[A-Za-z]+", rest)
    return bool(m) and m.group().upper() in UPDATE_KEYWORDS


@dataclass(frozen=True)
class Dataset:
    """What a query runs on, as pyoxigraph's ``Store.query`` options (plain IRIs, so it can be pickled)."""

    union: bool = False  # the default graph is the union of the named graphs
    default_graph: list[str] | None = None  # None: the query's FROM (or the store's default graph)
    named_graphs: list[str] | None = None  # None: the query's FROM NAMED (or every named graph)

    def options(self) -> dict:
        import pyoxigraph as ox

        if self.union:
            return {"use_default_graph_as_union": True}
        out: dict = {}
        if self.default_graph is not None:
            out["default_graph"] = [ox.NamedNode(g) for g in self.default_graph]
        if self.named_graphs is not None:
            out["named_graphs"] = [ox.NamedNode(g) for g in self.named_graphs]
        return out


def dataset(query: str, default_graph_uris: list[str], named_graph_uris: list[str], union: bool) -> Dataset:
    """The dataset of a request: the protocol's parameters, else the query's clauses, else the default.

    Either protocol parameter alone defines the whole dataset: with only
    ``named-graph-uri`` the default graph is empty, with only
    ``default-graph-uri`` there are no named graphs (SPARQL 1.1 Protocol 2.1.4).
    """
    if default_graph_uris or named_graph_uris:
        return Dataset(default_graph=list(default_graph_uris), named_graphs=list(named_graph_uris))
    if has_dataset_clause(query):
        return Dataset()
    return Dataset(union=union)


# -- request bodies ------------------------------------------------------------------


def codec_for(charset: str | None) -> str:
    """The Python codec for a declared charset: UTF-8 when none; 415 for an unknown or non-ASCII one."""
    if not charset:
        return "utf-8"
    try:
        info = codecs.lookup(charset)
    except LookupError:
        raise ProtocolError(415, f"unknown charset '{charset}'; send UTF-8") from None
    if "ASK {}".encode(info.name, errors="replace") != b"ASK {}":
        raise ProtocolError(415, f"charset '{charset}' is not accepted: SPARQL requests are UTF-8 "
                                 "(or an ASCII-compatible charset such as ISO-8859-1)")
    return info.name


def decode(body: bytes, charset: str | None, what: str) -> str:
    """A request body (or a form value) as text, in its declared charset."""
    codec = codec_for(charset)
    try:
        return body.decode(codec)
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"{what} is not valid {charset or 'UTF-8'}: byte {e.start} "
                                 f"(0x{body[e.start]:02x}); declare its charset in Content-Type") from None


def parse_form(body: bytes, charset: str | None, what: str) -> list[tuple[str, str]]:
    """The fields of an ``application/x-www-form-urlencoded`` body (or query string), decoded."""
    codec_for(charset)
    # latin-1 maps bytes to characters one to one: the percent-decoded values come back as the raw bytes
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return [(decode(k.encode("latin-1"), charset, what),
             decode(v.encode("latin-1"), charset, f"{what} field '{k}'")) for k, v in pairs]


@dataclass
class Params:
    """The request's parameters, query string first, then the form body."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def __contains__(self, name: str) -> bool:
        return any(k == name for k, _ in self.pairs)

    def formats(self) -> list[str]:
        return [v for k, v in self.pairs if k in FORMAT_PARAMS and v.strip()]
