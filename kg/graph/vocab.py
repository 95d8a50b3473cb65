"""The closed vocabularies (actor types, relations, event types, roles ...),
read from ``schema.ttl`` so that the ontology is their single source."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from kg.graph import namespaces as ns


@dataclass(frozen=True)
class Term:
    """One member of a closed vocabulary."""

    csv_name: str
    iri: str
    label: str
    comment: str
    symmetric: bool = False
    roll_up: bool = False
    one_off: bool = False
    combat: bool = False
    label_fr: str = ""  # the French label (schema.ttl's @fr), or empty


@dataclass(frozen=True)
class Vocabulary:
    actor_types: dict[str, Term]
    orientations: dict[str, Term]
    place_types: dict[str, Term]
    relations: dict[str, Term]
    event_types: dict[str, Term]
    roles: dict[str, Term]
    certainties: dict[str, Term]

    def relation_by_iri(self, iri: str) -> Term:
        return {t.iri: t for t in self.relations.values()}[iri]


def schema_text() -> str:
    return resources.files("kg").joinpath("schema.ttl").read_text(encoding="utf-8")


@cache
def vocabulary() -> Vocabulary:
    import pyoxigraph as ox

    props: dict[str, dict[str, list[str]]] = {}
    for t in ox.parse(schema_text(), format=ox.RdfFormat.TURTLE):
        if isinstance(t.subject, ox.NamedNode):
            key = t.predicate.value
            if isinstance(t.object, ox.Literal) and t.object.language and t.object.language != "en":
                key += "@" + t.object.language  # rdfs:label@fr beside the English rdfs:label
            props.setdefault(t.subject.value, {}).setdefault(key, []).append(t.object.value)

    def terms(test) -> dict[str, Term]:
        out = {}
        for iri, p in props.items():
            names = p.get(ns.SKG + "csvName")
            if names and test(iri, p):
                types = p.get(ns.RDF + "type", [])
                supers = p.get(ns.RDFS + "subClassOf", [])
                out[names[0]] = Term(
                    csv_name=names[0],
                    iri=iri,
                    label=p.get(ns.RDFS + "label", [names[0]])[0],
                    comment=p.get(ns.RDFS + "comment", [""])[0],
                    symmetric=ns.OWL + "SymmetricProperty" in types,
                    roll_up=p.get(ns.SKG + "isRollUp") == ["true"],
                    one_off=p.get(ns.SKG + "isOneOff") == ["true"],
                    combat=ns.SKG + "CombatEvent" in supers,
                    label_fr=p.get(ns.RDFS + "label@fr", [""])[0],
                )
        return out

    def sub_of(parent: str):
        def is_sub(iri, p):
            seen, todo = set(), list(p.get(ns.RDFS + "subClassOf", []))
            while todo:
                c = todo.pop()
                if c == parent:
                    return True
                if c not in seen:
                    seen.add(c)
                    todo += props.get(c, {}).get(ns.RDFS + "subClassOf", [])
            return False

        return is_sub

    def typed(cls: str):
        return lambda iri, p: cls in p.get(ns.RDF + "type", [])

    return Vocabulary(
        actor_types=terms(sub_of(ns.SKG + "Actor")),
        orientations=terms(typed(ns.SKG + "Orientation")),
        place_types=terms(sub_of(ns.SKG + "Place")),
        relations=terms(typed(ns.SKG + "Relation")),
        event_types=terms(sub_of(ns.SKG + "Event")),
        roles=terms(typed(ns.SKG + "Role")),
        certainties=terms(typed(ns.SKG + "Certainty")),
    )
