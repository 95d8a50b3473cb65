"""The curated events for GIS and for scripts written for ACLED: GeoJSON (events with their
place, dates, kind, sides, tolls and sources; places; region shapes from kg/geo/) and a CSV in
ACLED's columns, which ``kg import acled`` reads back.

Both are written from the built graph (one data set's graph, ``curated`` by default), sorted,
so the same data give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

from kg.graph import namespaces as ns
from kg.graph.terms import IRI
from kg.graph.vocab import vocabulary
from kg.store import sparql

WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"

# The roles that put an actor on a side when its participation gives none
_ROLE_SIDE = {"attacker": "a", "perpetrator": "a", "organiser": "a", "defender": "b", "target": "b", "victim": "b"}

# ACLED's event type and sub-event type for each of our event types (ACLED codebook 2023);
# attacks and ambushes are battles when someone fought back (actors on side b), else violence
# against civilians. kg import acled maps these back to our classes (kg/imports/layouts.py).
ACLED_TYPES = {
    "battle": ("Battles", "Armed clash"),
    "siege": ("Battles", "Armed clash"),
    "military_operation": ("Battles", "Armed clash"),
    "capture": ("Battles", "Non-state actor overtakes territory"),
    "attack": ("Battles", "Armed clash"),
    "ambush": ("Battles", "Armed clash"),
    "massacre": ("Violence against civilians", "Attack"),
    "kidnapping": ("Violence against civilians", "Abduction/forced disappearance"),
    "agreement": ("Strategic developments", "Agreement"),
    "deployment": ("Strategic developments", "Headquarters or base established"),
    "withdrawal": ("Strategic developments", "Non-violent transfer of territory"),
}
_OTHER = ("Strategic developments", "Other")
# ACLED's interaction codes (inter1, inter2) by our actor type (and orientation)
_INTER = {"state": 1, "state_armed_forces": 1, "government": 1, "armed_group": 2,
          "foreign_military_operation": 8, "international_mission": 8, "private_military_company": 8,
          "intergovernmental_organisation": 8}
_MILITIA_INTER = 4  # identity militias (Dan Na Ambassagou, Koglweogo, the Dozo hunters)
ACLED_CSV_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
# ISO 3166-1 numeric codes (ACLED's iso column) of the states our events happen in
_ISO = {"mali": 466, "burkina_faso": 854, "niger": 562, "algeria": 12, "mauritania": 478, "chad": 148,
        "ivory_coast": 384, "benin": 204, "togo": 768, "nigeria": 566, "senegal": 686, "guinea": 324,
        "ghana": 288, "libya": 434, "sudan": 729, "france": 250, "morocco": 504}


def _id(iri) -> str:
    return ns.local_id(str(iri)) if iri else ""


def collect(graph: str = "curated", store=None) -> dict[str, Any]:
    """The events, participants, places and actors of one graph, as plain records."""
    from kg.store.cache import or_default

    store = or_default(store)
    g = IRI(ns.dataset_graph(graph))
    vocab = vocabulary()
    event_type = {t.iri: name for name, t in vocab.event_types.items()}
    node_type = {t.iri: name for name, t in {**vocab.actor_types, **vocab.place_types}.items()}
    orientation = {t.iri: name for name, t in vocab.orientations.items()}
    nodes: dict[str, dict[str, Any]] = {}
    for r in sparql.run(store, "gis-places", graph=g):
        nodes[_id(r["node"])] = {
            "id": _id(r["node"]), "kind": "place" if str(r["top"]) == ns.SKG + "Place" else "actor",
            "type": node_type.get(str(r["class"]), _id(r["class"])), "label": r["label"],
            "label_fr": r["labelFr"], "country": _id(r["country"]) or None,
            "lat": r["lat"], "lon": r["long"], "wikidata": _id(r["wikidata"]) or None,
            "orientation": orientation.get(str(r["orientation"])) if r["orientation"] else None}
    sides: dict[str, dict[str, list[str]]] = {}
    for r in sparql.run(store, "gis-participants", graph=g):
        role = _id(r["role"]).lower()
        side = r["side"] or _ROLE_SIDE.get(role, "a")
        entry = sides.setdefault(_id(r["event"]), {"a": [], "b": []})
        if _id(r["actor"]) not in entry[side]:
            entry[side].append(_id(r["actor"]))
    events = []
    for r in sparql.run(store, "gis-events", graph=g):
        eid = _id(r["event"])
        events.append({
            "id": eid, "type": event_type.get(str(r["class"]), _id(r["class"])), "label": r["label"],
            "start": r["start"], "end": r["end"], "start_precision": _id(r["startPrecision"]) or "Day",
            "end_precision": _id(r["endPrecision"]) or "Day", "place": _id(r["place"]) or None,
            "fatalities": r["fatalities"], "fatalities_low": r["low"], "fatalities_high": r["high"],
            "wikidata": _id(r["wikidata"]) or None, "description": r["description"],
            "sources": sorted(_id(s) for s in (r["sources"] or "").split()),
            "side_a": sides.get(eid, {}).get("a", []), "side_b": sides.get(eid, {}).get("b", [])})
    events.sort(key=lambda e: (e["start"], e["id"]))
    return {"events": events, "nodes": nodes, "as_of": sparql.as_of(store)}


def _position(place: dict | None) -> tuple[float, float] | None:
    if place and place.get("lat") is not None and place.get("lon") is not None:
        return float(place["lon"]), float(place["lat"])
    return None


def _country(place_id: str | None, nodes: dict) -> str | None:
    """The state an event happened in: its place's country, or the place itself when it is a state."""
    node = nodes.get(place_id or "")
    if node is None:
        return None
    return place_id if node["kind"] == "actor" else node["country"]


def geojson(graph: str = "curated", store=None) -> bytes:
    """A GeoJSON FeatureCollection (RFC 7946): one feature per event (a point at its place, or no
    geometry when the place has no position), one per place, regions with kg/geo's shapes."""
    data = collect(graph, store)
    nodes = data["nodes"]
    regions = _region_shapes()
    labels = {k: n["label"] for k, n in nodes.items()}
    features: list[dict[str, Any]] = []
    for e in data["events"]:
        place = nodes.get(e["place"] or "")
        pos = _position(place)
        country = _country(e["place"], nodes)
        features.append({"type": "Feature", "id": f"event/{e['id']}",
                         "geometry": {"type": "Point", "coordinates": list(pos)} if pos else None,
                         "properties": {
                             "kind": "event", "id": e["id"], "label": e["label"], "type": e["type"],
                             "start": e["start"].isoformat(), "end": e["end"].isoformat() if e["end"] else None,
                             "start_precision": e["start_precision"], "end_precision": e["end_precision"],
                             "place": e["place"], "place_label": labels.get(e["place"] or ""),
                             "place_precision": ("point" if pos else "none") if place and place["kind"] == "place"
                             else ("country" if place else "none"),
                             "country": country, "country_label": labels.get(country or ""),
                             "side_a": "; ".join(labels.get(a, a) for a in e["side_a"]),
                             "side_a_ids": "; ".join(e["side_a"]),
                             "side_b": "; ".join(labels.get(b, b) for b in e["side_b"]),
                             "side_b_ids": "; ".join(e["side_b"]),
                             "fatalities": e["fatalities"], "fatalities_low": e["fatalities_low"],
                             "fatalities_high": e["fatalities_high"],
                             "sources": "; ".join(e["sources"]),
                             "wikidata": f"{WIKIDATA_PAGE}{e['wikidata']}" if e["wikidata"] else None,
                             "iri": ns.EVENT + e["id"]}})
    for key in sorted(nodes):
        n = nodes[key]
        if n["kind"] != "place":
            continue
        shape = regions.get(key)
        pos = _position(n)
        geometry = shape or ({"type": "Point", "coordinates": list(pos)} if pos else None)
        features.append({"type": "Feature", "id": f"place/{key}", "geometry": geometry,
                         "properties": {"kind": "region" if n["type"] == "region" else "place", "id": key,
                                        "label": n["label"], "label_fr": n["label_fr"], "type": n["type"],
                                        "country": n["country"], "country_label": labels.get(n["country"] or ""),
                                        "latitude": pos[1] if pos else None, "longitude": pos[0] if pos else None,
                                        "wikidata": f"{WIKIDATA_PAGE}{n['wikidata']}" if n["wikidata"] else None,
                                        "shape_source": "kg/geo/sahel-regions.json" if shape else None,
                                        "iri": ns.PLACE + key}})
    doc = {"type": "FeatureCollection", "name": f"sahel-kg {graph}",
           "as_of": data["as_of"].isoformat(), "features": features}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()


def _region_shapes() -> dict[str, dict]:
    """The geometry kg/geo/sahel-regions.json gives each region place (points today; outlines
    when the file holds them)."""
    from importlib import resources

    text = resources.files("kg").joinpath("geo", "sahel-regions.json").read_text(encoding="utf-8")
    return {f["properties"]["place"]: f["geometry"] for f in json.loads(text)["features"]
            if f.get("geometry") and f["properties"].get("place")}


def acled_csv(graph: str = "curated", store=None) -> bytes:
    """The events in ACLED's columns (the dyadic export), one row each, so that scripts written
    for ACLED run on them and ``kg import acled`` reads them back. What ACLED cannot say is
    said plainly: the start day stands for a multi-day event (``tags`` gives the end), a toll no
    source gives stays empty (not 0), a place without a position leaves latitude/longitude empty."""
    data = collect(graph, store)
    nodes = data["nodes"]
    timestamp = int(datetime.combine(data["as_of"], datetime.min.time(), UTC).timestamp())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACLED_CSV_COLUMNS)
    for e in data["events"]:
        row = _acled_row(e, nodes, timestamp)
        writer.writerow([row.get(c, "") for c in ACLED_CSV_COLUMNS])
    return out.getvalue().encode()


def _inter(actor: dict | None) -> int | str:
    if actor is None:
        return ""
    if actor["type"] == "armed_group" and actor.get("orientation") == "militia":
        return _MILITIA_INTER
    return _INTER.get(actor["type"], "")


def _acled_row(e: dict, nodes: dict, timestamp: int) -> dict[str, Any]:
    labels = {k: n["label"] for k, n in nodes.items()}
    place = nodes.get(e["place"] or "")
    country = _country(e["place"], nodes)
    pos = _position(place)
    event_type, sub_type = ACLED_TYPES.get(e["type"], _OTHER)
    if e["type"] in ("attack", "ambush") and not e["side_b"]:
        event_type, sub_type = "Violence against civilians", "Attack"
    side_a, side_b = list(e["side_a"]), list(e["side_b"])
    if not side_a:  # ACLED names actor1 always: an unidentified group, in its own words
        side_a_labels = [f"Unidentified Armed Group ({labels.get(country or '', 'unknown')})"]
    else:
        side_a_labels = [labels.get(a, a) for a in side_a]
    side_b_labels = [labels.get(b, b) for b in side_b]
    inter1 = _inter(nodes.get(side_a[0])) if side_a else 3  # ACLED codes unidentified armed groups 3
    inter2 = _inter(nodes.get(side_b[0])) if side_b else ""
    day: date = e["start"]
    precision = {"Day": 1, "Month": 3, "Year": 3}[e["start_precision"]]
    tags = []
    if e["end"] and e["end"] != e["start"] and not (precision == 3 and e["end"].month == day.month
                                                     and e["end"].year == day.year):
        tags.append(f"ends {e['end'].isoformat()}")
    if e["start_precision"] == "Year":
        tags.append("date known to the year only")
    if e["fatalities_low"] is not None or e["fatalities_high"] is not None:
        tags.append(f"toll range {e['fatalities_low'] or ''}-{e['fatalities_high'] or ''}")
    return {
        "event_id_cnty": e["id"], "event_date": day.isoformat(), "year": day.year,
        "time_precision": precision, "disorder_type": "Political violence" if event_type != "Strategic developments"
        else "Strategic developments",
        "event_type": event_type, "sub_event_type": sub_type,
        "actor1": side_a_labels[0], "assoc_actor_1": "; ".join(side_a_labels[1:]), "inter1": inter1,
        "actor2": side_b_labels[0] if side_b_labels else "", "assoc_actor_2": "; ".join(side_b_labels[1:]),
        "inter2": inter2, "interaction": f"{inter1}{inter2}" if inter1 != "" else "",
        "civilian_targeting": "Civilian targeting" if event_type == "Violence against civilians" else "",
        "iso": _ISO.get(country or "", ""), "region": "Western Africa" if country in _ISO else "",
        "country": labels.get(country or "", ""),
        "admin1": labels.get(e["place"], "") if place and place["type"] == "region" else "",
        "admin2": "", "admin3": "",
        "location": labels.get(e["place"] or "", "") if place and place["kind"] == "place" else "",
        "latitude": f"{pos[1]:.4f}" if pos else "", "longitude": f"{pos[0]:.4f}" if pos else "",
        "geo_precision": (1 if place["type"] in ("city", "town", "village", "site") else 2) if pos else 3,
        "source": "; ".join(e["sources"]), "source_scale": "",
        "notes": e["description"] or e["label"],
        "fatalities": e["fatalities"] if e["fatalities"] is not None else "",
        "tags": "; ".join(tags), "timestamp": timestamp,
    }
