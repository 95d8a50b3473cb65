"""Consistency rules over the built graph (``kg check``), each a SPARQL query in kg/checks.

The SHACL shapes (``kg validate``) check each node on its own; these rules
compare nodes with each other: a statement against its actors' lifespans, an
alliance against a fight, a source's date against the claim it supports. The
rules are data (``kg/checks/*.rq``, see the README there); this module runs
them and points every finding at the CSV row to fix. The graph does not hold
file and line numbers (they would change every IRI's triples whenever a row is
inserted above), so the rows are found again from the CSV files the graph was
built from: every node's IRI is derived from its row's id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.graph import namespaces as ns
from kg.graph.terms import IRI

SEVERITIES = ("error", "warning")
_HEADER = re.compile(r"^#\s*(id|severity|message|description):\s*(.*)$")


@dataclass(frozen=True)
class Rule:
    """One consistency rule: a SELECT query and how to word what it finds."""

    id: str
    severity: str
    message: str
    description: str
    text: str


@dataclass(frozen=True)
class Location:
    """Where a node's row stands in the curated CSV files."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """One thing the rules found: the rule, what is wrong and the row to fix."""

    rule: str
    severity: str
    message: str
    node: str
    graph: str
    file: str | None = None
    line: int | None = None
    see: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_rule(name: str, text: str) -> Rule:
    """A rule from its query file; a header that is missing or wrong is a ValueError."""
    from kg.store.sparql import header_lines

    fields: dict[str, list[str]] = {}
    last = None
    for key, value in header_lines(text, _HEADER):
        if key is not None:
            last = key
            fields.setdefault(key, []).append(value.strip())
        elif last == "description" and value:
            fields[last].append(value)
    for required in ("id", "severity", "message"):
        if not fields.get(required):
            raise ValueError(f"checks/{name}.rq: the header has no '# {required}:' line")
    severity = fields["severity"][0]
    if severity not in SEVERITIES:
        raise ValueError(f"checks/{name}.rq: severity '{severity}', expected error or warning")
    return Rule(fields["id"][0], severity, " ".join(fields["message"]),
                " ".join(fields.get("description", [])), text)


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule shipped in kg/checks, by file name."""
    folder = resources.files("kg").joinpath("checks")
    return tuple(
        parse_rule(entry.name[:-3], entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".rq")
    )


def row_locations(data_dir: Path) -> dict[str, Location]:
    """The IRI of every node the curated CSV files make, with its row's file and line."""
    from kg.graph.build import load

    data = load(data_dir)
    where: dict[str, Location] = {}
    for namespace, rows in ((ns.SOURCE, data.sources), (ns.ACTOR, data.actors), (ns.PLACE, data.places),
                            (ns.STATEMENT, data.relations), (ns.EVENT, data.events)):
        for row in rows:
            where[namespace + row["id"]] = Location(row.file, row.line)
    for row in data.participants:
        part = f"{ns.PARTICIPATION}{row['event']}--{row['actor']}--{row['role']}"
        where[part] = Location(row.file, row.line)
    return where


REFERENCE_RULE = "reference-list"


def reference_findings(data_dir: Path) -> list[Finding]:
    """The checklists of data/reference/ held against the curated rows: malformed items and
    statuses naming no event are errors, items without a status warnings (rule
    ``reference-list``; see kg.graph.reference)."""
    from kg.graph.build import load
    from kg.graph.reference import item_findings, read_lists

    problems: list = []
    lists = read_lists(data_dir, problems)
    data = load(data_dir)
    found = [Finding(REFERENCE_RULE, "error", p.message + (f" (column '{p.column}')" if p.column else ""),
                     node=p.file, graph="curated", file=p.file, line=p.line) for p in problems]
    for severity, file, line, message in item_findings(lists, {r["id"] for r in data.events},
                                                       {r["id"] for r in data.sources}):
        found.append(Finding(REFERENCE_RULE, severity, message, node=file, graph="curated",
                             file=file, line=line))
    return found


def check_graph(
    store,
    *,
    include_imports: bool = False,
    locations: dict[str, Location] | None = None,
    as_of: date | None = None,
    only: list[str] | None = None,
) -> list[Finding]:
    """Run every rule (or the ``only`` ones) over the curated graph, or over every graph.

    ``locations`` (from :func:`row_locations`) turns nodes into CSV rows; errors
    come first, then warnings, each in row order.
    """
    from kg.store import sparql

    day = as_of or sparql.as_of(store)
    # ?graph is not bound to the curated graph but filtered here: bound, Oxigraph
    # re-ran the rules' subqueries for every row (15 s instead of 3 s beside a 100k-row
    # ACLED import), while the whole store's statements are few (imports add summaries)
    bindings: dict[str, Any] = {"asOf": day}
    where = locations or {}
    findings = []
    for rule in rules():
        if only and rule.id not in only:
            continue
        for row in store.select(rule.text, bindings):
            if include_imports or row.get("graph") in (None, ns.CURATED_GRAPH):
                findings.append(_finding(rule, row, where, include_imports))
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.file or "~", f.line or 0, f.rule, f.message))
    return findings


def _finding(rule: Rule, row: dict[str, Any], where: dict[str, Location], all_graphs: bool) -> Finding:
    node = row["node"]
    graph = row.get("graph") or ns.CURATED_GRAPH
    values = {k: _show(v) for k, v in row.items()}
    message = rule.message.format_map(_Missing(values))
    place = where.get(node)
    other = row.get("other")
    see = str(where[other]) if other and other in where else (_show(other) if other else None)
    return Finding(
        rule=rule.id,
        severity=row.get("severity") or rule.severity,
        message=message,
        node=_show(node),
        graph=ns.local_id(graph) if all_graphs else "curated",
        file=place.file if place else None,
        line=place.line if place else None,
        see=see,
    )


def _show(value: Any) -> str:
    """A value as the CSV files write it: ids for our IRIs, ISO dates, names of terms."""
    if value is None:
        return "?"
    if isinstance(value, IRI):
        if value.startswith(ns.PARTICIPATION):
            return value[len(ns.PARTICIPATION):].replace("--", " / ")
        if value.startswith(ns.SKG):
            return _term_name(value)
        return ns.local_id(value) if value.startswith(ns.BASE) else value.removeprefix(ns.WD)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _term_name(iri: str) -> str:
    from kg.graph.vocab import vocabulary

    vocab = vocabulary()
    for terms in (vocab.relations, vocab.event_types, vocab.roles, vocab.certainties):
        for term in terms.values():
            if term.iri == iri:
                return term.csv_name
    return ns.local_id(iri)


class _Missing(dict):
    """format_map values; a placeholder the query does not answer reads '?'."""

    def __missing__(self, key: str) -> str:
        return "?"


def counts(findings: list[Finding]) -> dict[str, int]:
    """How many errors and warnings."""
    return {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
