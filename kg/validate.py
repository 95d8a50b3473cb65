"""SHACL validation of the built graph with pySHACL and ``shapes.ttl``."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from .errors import ValidationError
from .namespaces import PREFIXES


@dataclass
class Report:
    conforms: bool
    violations: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.conforms:
            return "conforms: the graph satisfies every shape"
        return "\n".join(self.violations)


def shapes_text() -> str:
    return resources.files("kg").joinpath("shapes.ttl").read_text(encoding="utf-8")


def _short(term) -> str:
    text = str(term)
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri):
            return f"{prefix}:{text[len(iri):]}"
    return text


def validate(quads: list[ox.Quad]) -> Report:
    """Validate every triple of the built graph (all named graphs together, with the
    ontology, so subclasses count) against the shapes."""
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    data.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                 format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        where = _short(focus) + (f" {_short(path)}" if path is not None else "")
        violations.append(f"{where}: {message}")
    return Report(bool(conforms), sorted(violations))


def check(quads: list[ox.Quad]) -> Report:
    """Validate and raise ValidationError when the graph does not conform."""
    report = validate(quads)
    if not report.conforms:
        raise ValidationError(str(report))
    return report
