"""Statements and events in date order: the answer to ``kg timeline``.

:func:`timeline` lists them; :func:`kg.explore.timeline_page.timeline_page`
draws one actor's as a self-contained HTML page (``kg timeline NAME --format html
-o FILE``) with the same data and script as the timeline panel of ``kg viz``.
"""

from __future__ import annotations

from typing import Any

from kg.ask.records import linked_records
from kg.ask.relations import _statement, _window_params
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.store import sparql
from kg.store.names import resolve


def timeline(
    name: str | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
    store=None,
) -> list[dict[str, Any]]:
    """What happened, oldest first: statements beginning and events, of one actor or all."""
    from kg.store.cache import or_default

    store = or_default(store)
    params = _window_params(year, start, end)
    items: list[dict[str, Any]] = []
    if name is not None:
        params["actor"] = resolve(name, store, source)  # source: that data set's own names first
        for s in (_statement(r) for r in sparql.run(store, "relations-of-actor", **params)):
            items.append({
                "date": s["period"]["start"], "when": s["period_text"], "kind": "statement",
                "what": f"{s['subject']} {s['relation_label']} {s['object']}", "id": s["id"],
                "sources": s["sources"],
            })
    else:
        for r in sparql.run(store, "statements-in-window", **params):
            period = dates.Period(r["start"], r["end"], r["startPrecision"] or "Day", r["endPrecision"] or "Day")
            relation = _relation_label(r["relation"])
            items.append({
                "date": r["start"].isoformat(), "when": period.text(), "kind": "statement",
                "what": f"{r['subjectLabel']} {relation} {r['objectLabel']}",
                "id": ns.local_id(r["stmt"]),
                "sources": sorted(ns.local_id(s) for s in (r["sources"] or "").split()),
            })
    seen: set[str] = set()
    for r in sparql.run(store, "events-of-actor", **params):
        event = ns.local_id(r["event"])
        if event in seen:
            continue
        seen.add(event)
        period = dates.Period(r["start"], r["end"], r["startPrecision"] or "Day", r["startPrecision"] or "Day")
        what = f"{r['label']} ({r['type']}"
        what += f", {r['fatalities']} killed)" if r["fatalities"] is not None else ")"
        items.append({
            "date": r["start"].isoformat(), "when": period.text(), "kind": "event", "what": what,
            "id": event, "sources": sorted(ns.local_id(s) for s in (r["sources"] or "").split()),
            "iri": str(r["event"]),
        })
    events = [i for i in items if i["kind"] == "event"]
    described = linked_records([i["iri"] for i in events], store=store) if events else {}
    for i in items:  # the ACLED and UCDP records of the same incident, with their tolls (kg link)
        if i["kind"] == "event":
            i["records"] = [x["text"] for x in described.get(i.pop("iri"), [])]
        else:
            i["records"] = []
    return sorted(items, key=lambda i: (i["date"], i["kind"], i["what"]))


def _relation_label(iri: str) -> str:
    from kg.graph.vocab import vocabulary

    return vocabulary().relation_by_iri(iri).label
