"""Everything the graph knows about one actor: the answer to ``kg actor``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kg.ask.fought import _answer as _fought_answer
from kg.ask.records import linked_records
from kg.ask.relations import _statement
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.store import sparql
from kg.store.names import resolve

WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"  # an item's page for people (owl:sameAs holds the entity IRI)

# How a profile groups an actor's relations, by relation type and direction.
_SECTIONS = {
    ("leads", "object"): "leaders",
    ("leads", "subject"): "leads",
    ("part_of", "subject"): "part_of",
    ("part_of", "object"): "components",
    ("acts_for", "subject"): "acts_for",
    ("acts_for", "object"): "agents",
    ("merged_into", "subject"): "merged_into",
    ("merged_into", "object"): "absorbed",
    ("succeeded", "subject"): "succeeded",
    ("succeeded", "object"): "succeeded_by",
    ("allied_with", "subject"): "allies",
    ("allied_with", "object"): "allies",
}


def actor(name: str, *, source: str | None = None, store=None) -> dict[str, Any]:
    """A profile: type, aliases, Wikidata id, active period, leaders, parents and
    components, allies and opponents by period, key events, sources."""
    from kg.store.cache import or_default

    store = or_default(store)
    iri = resolve(name, store, source)  # source: that data set's own names first
    details = sparql.run(store, "actor-details", actor=iri)[0]
    active = None
    if details["founded"] or details["dissolved"]:
        active = {
            "start": details["founded"].isoformat() if details["founded"] else None,
            "end": details["dissolved"].isoformat() if details["dissolved"] else None,
            "text": _active_text(details),
        }
    sections: dict[str, list] = defaultdict(list)
    others: list[dict] = []
    for s in (_statement(r) for r in sparql.run(store, "relations-of-actor", actor=iri)):
        side = "subject" if s["subject_id"] == ns.local_id(iri) else "object"
        key = _SECTIONS.get((s["relation"], side))
        other = s["object"] if side == "subject" else s["subject"]
        entry = {"actor": other, "actor_id": s["object_id"] if side == "subject" else s["subject_id"],
                 "relation": s["relation_label"], "relation_id": s["relation"],
                 "period": s["period_text"], "certainty": s["certainty"],
                 "sources": s["sources"]}
        if s["relation"] == "fought":
            continue  # opponents come from kg fought, which adds events and roll-up
        (sections[key] if key else others).append(entry)
    fought_rows, _queries, fought_notes = _fought_answer(ns.local_id(iri), None, None, None, None, False, None, store)
    opponents = [
        {"actor": r["opponent"], "actor_id": r["opponent_id"], "period": r["period_text"],
         "events": r["events"], "via": r["via"], "sources": r["sources"]}
        for r in fought_rows
    ]
    events = []
    seen = set()
    for r in sparql.run(store, "events-of-actor", actor=iri):
        if r["event"] in seen:
            continue
        seen.add(r["event"])
        events.append({"date": dates.display(r["start"], r["startPrecision"] or "Day"), "event": r["label"],
                       "type": r["type"], "role": r["role"], "place": r["placeLabel"],
                       "fatalities": r["fatalities"], "id": ns.local_id(r["event"]), "iri": str(r["event"])})
    described = linked_records([e["iri"] for e in events], store=store) if events else {}
    for e in events:  # the ACLED and UCDP records of the same incident, with their tolls (kg link)
        e["records"] = [x["text"] for x in described.pop(e.pop("iri"), [])]
    return {
        "id": ns.local_id(iri),
        "iri": str(iri),
        "label": details["label"],
        "type": details["typeLabel"],
        "orientation": details["orientation"],
        "aliases": sorted({a for a in (details["aliases"] or "").split("; ") if a}),
        "wikidata": details["wikidata"] or None,
        "wikidata_url": f"{WIKIDATA_PAGE}{details['wikidata']}" if details["wikidata"] else None,
        "country": details["countryLabel"],
        "description": details["description"],
        "active": active,
        "leaders": sections["leaders"],
        "leads": sections["leads"],
        "part_of": sections["part_of"] + sections["acts_for"],
        "components": sections["components"] + sections["agents"],
        "merged_into": sections["merged_into"],
        "absorbed": sections["absorbed"],
        "succeeded": sections["succeeded"],
        "succeeded_by": sections["succeeded_by"],
        "allies": sections["allies"],
        "opponents": opponents,
        "opponents_notes": fought_notes,  # what the opponents leave out ("A and/or B" battles) or count twice
        "other_relations": others,
        "events": events,
        "sources": sorted(ns.local_id(s) for s in (details["sources"] or "").split()),
    }


def _active_text(d: dict) -> str:
    start = dates.display(d["founded"], d["foundedPrecision"] or "Day") if d["founded"] else "?"
    end = dates.display(d["dissolved"], d["dissolvedPrecision"] or "Day") if d["dissolved"] else "ongoing"
    return f"{start} – {end}"
