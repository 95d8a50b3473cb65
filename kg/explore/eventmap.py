"""The map of ``kg viz``: country borders and every event at its place.

Events of every data set (the curated graph and ACLED/UCDP imports) are read
with the named queries ``map-events``, ``map-places``, ``event-sides`` and
``event-classes`` (on an embedded store, the facts and sides of ``map-events`` and
``event-sides`` in one query grouped by event, ``kg.store.event_facts``: the same facts
without a million rows; else the rows, kept beside a read-only store: ``kg.store.event_table``)
and packed into columns of numbers that index small tables
(places, actors, types, sources), so a 100,000-event import costs a few
megabytes of JSON rather than tens and the page draws it on a canvas.

An event is drawn at its place's coordinates (curated events name a place;
imported ones carry their own). Each place row says what its point stands for
(``PLACE_POINT``, ``PLACE_IMPORTED``, ``PLACE_COUNTRY``, ``PLACE_AREA``): an event
at a region is drawn as "somewhere in" that region, one known only to a country
is kept in the columns but listed by the page, never drawn at the country's
middle. One whose place has no position at all is listed apart (``unplaced``).

A source the graph cites is named by its id in the page's table of sources (the page
resolves it); an incident several data sets record (``kg link``) is listed in ``incidents``
so that the map draws it once, marked by the data sets that record it. The whole map of a
store is made once per language and its text kept beside the store (``map_json``).

The borders are Natural Earth's, shipped as package data (``kg/geo/``; see
``scripts/make-borders.py`` for where they come from and how to regenerate them).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from kg.ask.network import key
from kg.explore.styles import page_sources, safe_json, style
from kg.explore.words import Words
from kg.graph import namespaces as ns
from kg.store import event_facts, event_table, sparql

EPOCH = date(1970, 1, 1)
FOCUS_COUNTRIES = {"Mali", "Burkina Faso", "Niger"}
PRECISIONS = {"Day": "d", "Month": "m", "Year": "y"}
# the 4th column of a place row: what its point stands for
PLACE_IMPORTED, PLACE_POINT, PLACE_COUNTRY, PLACE_AREA = 0, 1, 2, 3


@cache
def borders() -> dict[str, Any]:
    """The region's country borders (Natural Earth 1:50m, simplified): rings of lon, lat."""
    return json.loads(resources.files("kg").joinpath("geo/sahel-borders.json").read_text(encoding="utf-8"))


@cache
def country_points() -> dict[str, tuple[float, float]]:
    """A point inside each country of the map (the centroid of its largest ring), by name."""
    out = {}
    for c in borders()["countries"]:
        ring = max(c["rings"], key=len)
        xs, ys = ring[0::2], ring[1::2]
        area = cx = cy = 0.0
        for i in range(len(xs) - 1):
            cross = xs[i] * ys[i + 1] - xs[i + 1] * ys[i]
            area += cross
            cx += (xs[i] + xs[i + 1]) * cross
            cy += (ys[i] + ys[i + 1]) * cross
        if area:
            out[c["name"]] = (round(cx / (3 * area), 2), round(cy / (3 * area), 2))
    return out


def _kinds(store, kind_of: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each event class -> (kind key for the colour, its own label).

    The kind is the ontology class it is (skg:Battle) or, for a data set's own type
    (ACLED's "Armed clash"), the ontology class it is declared a subclass of.
    """
    supers: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for r in sparql.run(store, "event-classes"):
        c = str(r["class"])
        supers.setdefault(c, []).append(str(r["super"]))
        if r["label"]:
            labels[c] = str(r["label"])
    event = ns.SKG + "Event"

    def is_event(c: str, seen: frozenset = frozenset()) -> bool:
        return c == event or any(s not in seen and is_event(s, seen | {c}) for s in supers.get(c, ()))

    out = {event: ("other", "event")}
    for c in supers:
        if not is_event(c):
            continue
        names = [ns.local_id(c)] + [ns.local_id(s) for s in supers[c] if s.startswith(ns.SKG)]
        kind = next((kind_of[n] for n in names if n in kind_of), "other")
        out[c] = (kind, labels.get(c) or ns.local_id(c))
    return out


def _events(store, classes: dict[str, tuple[str, str]]):
    """(event IRI, its facts) for every subject whose class is an event class, from ``map-events``."""
    facts: dict[str, dict[str, Any]] = {}
    for r in event_table.rows(store, "map-events"):
        k, value = r["key"], r["value"]
        f = facts.get(r["event"])
        if f is None:
            f = facts[r["event"]] = {}
        if k == "class":
            if str(value) in classes:
                f["class"] = str(value)
        elif k == "source":
            f.setdefault("source", []).append(str(value))
        elif k == "startPrecision":
            f[k] = ns.local_id(str(value))
        elif k in ("label", "sourceNames", "place"):
            f[k] = str(value)
        else:
            f[k] = value
    for e, f in facts.items():
        if "class" in f:
            yield str(e), f


def _sides(store) -> list[tuple[str, str, str]]:
    """(event IRI, side: "a", "b" or "", actor IRI) of every participation, from ``event-sides``."""
    return [(str(r["event"]), r["side"], str(r["actor"])) for r in event_table.rows(store, "event-sides")]


def map_data(store, sources: dict[str, dict], actor_labels: dict[str, str], event_styles: dict,
             participants: set[str] | None = None, states: dict[str, list[str]] | None = None,
             words: Words | None = None) -> dict[str, Any]:
    """The map's data: borders, tables and one column per event field (see the module doc).

    With ``participants`` (node keys, ``{"jnim"}``) only the events one of them took part in.
    ``states`` (node key -> label and aliases) lets an event "in Mali" be drawn at the
    middle of the country whose Natural Earth name is one of them (default: the labels).

    ``actor_labels`` maps node keys (``jnim``) to labels; participants not in it
    (an imported actor left out of the network) are looked up by their own label.
    ``words`` (English by default) names places, events, their types and the countries in the
    page's language where the catalogue or the graph has a name (``event_styles`` come named).
    """
    words = words or Words()
    kind_of = {cls: k for k, st in event_styles.items() for cls in st.get("classes", [])}
    kinds = list(event_styles)
    kind_index = {k: i for i, k in enumerate(kinds)}
    classes = _kinds(store, kind_of)

    fast = event_facts.possible(store)  # an embedded store: one grouped read, not a million rows
    places: dict[str, int] = {}
    place_rows: list[list] = []
    for r in (sparql.run(store, "map-places") if fast else event_table.rows(store, "map-places")):
        p = str(r["place"])
        if p in places:
            continue
        places[p] = len(place_rows)
        place_rows.append([words.label(key(p), str(r["label"])), round(float(r["lat"]), 3), round(float(r["long"]), 3),
                           PLACE_AREA if r["area"] is not None else PLACE_POINT if p.startswith(ns.PLACE) else PLACE_IMPORTED])

    countries = country_points()
    names = states if states is not None else {k: [v] for k, v in actor_labels.items()}
    for node, candidates in names.items():  # a state as the place: "in Mali", listed, never drawn
        name = next((c for c in candidates if c in countries), None)
        if name is not None:
            lon, lat = countries[name]
            places[ns.ACTOR + node] = len(place_rows)
            place_rows.append([actor_labels.get(node, candidates[0]), lat, lon, PLACE_COUNTRY])

    actors: dict[str, int] = {}
    actor_rows: list[list[str]] = []
    missing: dict[str, list[int]] = {}

    def actor(iri: str) -> int:
        i = actors.get(iri)
        if i is None:
            k = key(iri)
            i = actors[iri] = len(actor_rows)
            label = actor_labels.get(k)
            actor_rows.append([k, label or k])
            if label is None:
                missing.setdefault(iri, []).append(i)
        return i

    read = event_facts.read(store, classes, places) if fast else None
    found, side_rows = read if read is not None else (_events(store, classes), _sides(store))
    sides: dict[str, tuple[list[int], list[int], list[int]]] = {}
    which = {"a": 0, "b": 1}
    for e, side, who in side_rows:
        lists = sides.get(e)
        if lists is None:
            lists = sides[e] = ([], [], [])
        lists[which.get(side, 2)].append(actor(who))
    if missing:
        _label_missing(store, missing, actor_rows)

    groups: dict[tuple[int, ...], int] = {(): 0}
    source_index: dict[str, int] = {}
    source_rows: list[dict] = []
    types: dict[str, int] = {}
    type_rows: list[str] = []

    def group(members: list[int]) -> int:
        t = tuple(members) if len(members) < 2 else tuple(sorted(set(members)))
        return groups.setdefault(t, len(groups))

    def source(text: str, ref: dict | None) -> int:
        i = source_index.get(text)
        if i is None:  # a cited source by its id in the page's table of sources; a data set's own by its text
            i = source_index[text] = len(source_rows)
            source_rows.append(text if ref else {"title": text, "url": None})
        return i

    unplaced_count = 0
    cols: dict[str, list] = {c: [] for c in ("id", "label", "kind", "type", "start", "end", "prec", "deaths",
                                              "place", "a", "b", "o", "src")}
    iris: list[str] = []
    unplaced: list[list] = []
    for e, r in found:
        kind, type_label = classes[r["class"]]
        place = places.get(r["place"]) if r.get("place") else None
        if place is None or "start" not in r:
            unplaced_count += 1
            unplaced.append([words.label(key(e), r.get("label") or key(e)), (r["start"] - EPOCH).days if "start" in r else None,
                             (r.get("end", r["start"]) - EPOCH).days if "start" in r else None])
            continue
        a, b, other = sides.get(e, ([], [], []))
        refs = [source(ns.local_id(s), sources.get(ns.local_id(s))) for s in r.get("source", ())]
        if r.get("sourceNames"):
            refs.append(source(r["sourceNames"], None))
        t = types.get(type_label)
        if t is None:
            t = types[type_label] = len(type_rows)
            cls = r["class"]
            type_rows.append(words.term("event_type", ns.local_id(cls), type_label) if cls.startswith(ns.SKG) else type_label)
        cols["id"].append(key(e))
        iris.append(e)
        cols["label"].append(words.label(key(e), r["label"]) if r.get("label") else None)
        cols["kind"].append(kind_index[kind])
        cols["type"].append(t)
        cols["start"].append((r["start"] - EPOCH).days)
        cols["end"].append((r.get("end", r["start"]) - EPOCH).days)
        cols["prec"].append(PRECISIONS.get(r.get("startPrecision", "Day"), "d"))
        cols["deaths"].append(int(r["fatalities"]) if r.get("fatalities") is not None else -1)
        cols["place"].append(place)
        cols["a"].append(group(a))
        cols["b"].append(group(b))
        cols["o"].append(group(other))
        cols["src"].append(group(refs))
    order = sorted(range(len(cols["id"])), key=lambda i: (cols["start"][i], cols["id"][i]))
    if participants is not None:
        wanted = {i for i, a in enumerate(actor_rows) if a[0] in participants}
        members = list(groups)  # a group's index is its place in insertion order
        order = [i for i in order if any(wanted.intersection(members[cols[c][i]]) for c in ("a", "b", "o"))]
    events = {c: [v[i] for i in order] for c, v in cols.items()}
    incident_rows = _incidents(store, [iris[i] for i in order])
    group_rows: list[list[int]] = [[] for _ in groups]  # lists of actors or of sources, by column
    for members, i in groups.items():
        group_rows[i] = list(members)
    return {
        "borders": borders()["countries"], "bordersSource": borders()["source"],
        "bordersLicence": borders()["licence"],
        "countryLabels": [[words.term("country", name, name), lon, lat, 1 if name in FOCUS_COUNTRIES else 0]
                          for name, (lon, lat) in country_points().items()],
        "kinds": [{"key": k, "label": st["label"], "color": st["color"], "shape": st.get("shape", "circle")}
                  for k, st in event_styles.items()],
        "places": place_rows, "actors": actor_rows, "types": type_rows, "sources": source_rows,
        "groups": group_rows, "events": events, "unplaced": unplaced,
        "unplacedCount": unplaced_count, "incidents": incident_rows,
        "firstYear": (EPOCH + timedelta(days=min(events["start"]))).year if events["start"] else None,
    }


def _incidents(store, iris: list[str]) -> list[list]:
    """The incidents several data sets record (``kg link``), for the map to draw each once.

    One row per incident with a record among the map's events: ``[drawn, datasets, records]``,
    where ``drawn`` is the position (in the map's columns) of the record that stands for it
    (curated, else UCDP, else ACLED: ``records.DRAW_ORDER``, among those the map holds),
    ``datasets`` the data sets that record it and ``records`` one row per record,
    ``[dataset, id, first day, last day, deaths, low, high, position or -1]`` (days since
    1970; deaths, low and high null when not given).
    """
    from kg.ask import records

    linked = records.incident_map(store=store)
    if not linked:
        return []
    at = {iri: i for i, iri in enumerate(iris) if iri in linked}
    roots: dict[str, list[str]] = {}
    for iri in at:
        roots.setdefault(linked[iri]["incident"], linked[iri]["records"])
    wanted = {r for group in roots.values() for r in group}
    found = {r.iri: r for r in records.records_by_iri(store, wanted)}
    rows = []
    for root in sorted(roots, key=lambda r: min(at[x] for x in roots[r] if x in at)):
        group = roots[root]  # in the order of records.DRAW_ORDER
        drawn = next(at[x] for x in group if x in at)
        recs = []
        for x in group:
            r = found.get(x)
            if r is None:
                continue
            recs.append([r.dataset, r.record_id, (r.start - EPOCH).days, (r.end - EPOCH).days,
                         r.fatalities, r.low, r.high, at.get(x, -1)])
        rows.append([drawn, linked[group[0]]["datasets"], recs])
    return rows


def sources_of(data: dict[str, Any], sources: dict[str, dict]) -> dict[str, dict]:
    """The cited sources a map's events name by id (``map_data``'s ``sources``), for the page's table."""
    return {s: sources.get(s, {"title": s, "url": None}) for s in data["sources"] if isinstance(s, str)}


def map_json(store=None, sources: dict[str, dict] | None = None,
             words: Words | None = None) -> tuple[str, dict[str, Any]]:
    """The map of the whole graph as the page's JSON text (``safe_json``), in the language of
    ``words`` (English by default), and what the page needs before it reads it (the first year
    with an event, the sources it cites by id).

    Made once per store and language: a read-only store never changes, so the text is kept
    beside it (``event_table.keep``, one file per language: ``kg-page-map-fr.json``) and the
    next page copies it instead of reading a million rows and packing them again (on a
    100,000-row import: about a minute, then a second). The language and its words are part
    of the key (``map_key``): a French page never gets the English text, nor the reverse.
    """
    from kg.store.cache import or_default

    store = or_default(store)
    words = words or Words()
    sources = page_sources(store) if sources is None else sources
    name, key = f"map-{words.lang}", map_key(words)
    kept = kept_map_json(store, sources, words)
    if kept is not None:
        return kept
    data = map_of(store, sources, words=words)
    text = safe_json(data)
    meta = {"firstYear": data["firstYear"], "sources": sorted(sources_of(data, sources))}
    event_table.keep(store, name, key, json.dumps(meta) + "\n" + text)
    meta["sources"] = sources_of(data, sources)
    return text, meta


def kept_map_json(store, sources: dict[str, dict], words: Words) -> tuple[str, dict[str, Any]] | None:
    """``map_json``'s answer if it is kept beside the store (``event_table.derived``), else None."""
    kept = event_table.derived(store, f"map-{words.lang}", map_key(words))
    if kept is None:
        return None
    head, _, text = kept.partition("\n")
    meta = json.loads(head)
    meta["sources"] = {s: sources.get(s, {"title": s, "url": None}) for s in meta["sources"]}
    return text, meta


# the child's whole program: its path is the parent's (the same kg), its answer a pickle on stdout
_CHILD = ("import pickle, sys; job = pickle.load(sys.stdin.buffer); sys.path[:] = job['path']; "
          "from kg.explore.eventmap import map_json_child; map_json_child(job)")


def start_map_child(path, sources: dict[str, dict], words: Words):
    """A process making ``map_json`` of the read-only store at ``path`` (``kg viz`` makes the first
    map of a big store beside the network); None if it cannot be started."""
    import pickle
    import subprocess
    import sys

    job = {"path": list(sys.path), "store": str(path), "sources": sources, "lang": words.lang, "labels": words.labels}
    try:
        child = subprocess.Popen([sys.executable, "-I", "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        child.stdin.write(pickle.dumps(job))
        child.stdin.close()
    except OSError:
        return None
    return child


def map_from_child(child) -> tuple[str, dict[str, Any]] | None:
    """The answer of ``start_map_child``'s process; None if it failed (the caller makes the map
    itself, and says what went wrong if anything does)."""
    import pickle

    out = child.stdout.read()
    child.stdout.close()
    if child.wait() != 0 or not out:
        return None
    return pickle.loads(out)


def map_json_child(job: dict[str, Any]) -> None:
    """The child of ``start_map_child``: ``map_json`` of the store, pickled on stdout; nothing and
    exit status 1 on any failure (the parent then makes the map itself)."""
    import pickle
    import sys
    from pathlib import Path

    from kg.store.embedded import OxigraphStore

    try:
        store = OxigraphStore(Path(job["store"]), read_only=True)
        answer = map_json(store, job["sources"], words=Words(job["lang"], job["labels"]))
    except (Exception, KeyboardInterrupt):  # noqa: BLE001  the parent makes the map itself (and reports
        sys.exit(1)  # its error); Ctrl-C reaches both processes: the parent's message is enough
    try:
        sys.stdout.buffer.write(pickle.dumps(answer))
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # the parent stopped (an error of its own): nobody to answer
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor a warning at exit
        sys.exit(1)


def map_key(words: Words) -> str:
    """What the map's text in ``words``' language is made by: the code and styles
    (``_code_key``), the language, its catalogue's words and the graph's labels in it."""
    from kg.store.digest import digest

    h = digest(_code_key().encode())
    h.update(json.dumps([words.lang, words.messages, words.labels], sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


@cache
def _code_key() -> str:
    """What the map's text is made by: this module and the words' (``kg.explore.words``), the
    page's styles and the event table's rules."""
    from pathlib import Path

    from kg.explore import words as words_module
    from kg.store.digest import digest

    h = digest(Path(__file__).read_bytes())
    h.update(Path(words_module.__file__).read_bytes())
    h.update(resources.files("kg").joinpath("templates/viz-style.json").read_bytes())
    h.update(event_table._key().encode())
    return h.hexdigest()


def map_of(store=None, sources: dict[str, dict] | None = None, participants: set[str] | None = None,
           words: Words | None = None) -> dict[str, Any]:
    """The map's data for the whole graph (or the events of ``participants``), with the page's
    styles and sources (``kg viz``, ``kg timeline --format html``, notebooks), in the language
    of ``words`` (:func:`kg.explore.viz.page_words`; English by default)."""
    from kg.store.cache import or_default

    store = or_default(store)
    labels: dict[str, str] = {}
    states: dict[str, list[str]] = {}
    for r in sparql.run(store, "map-actors"):
        k = key(str(r["actor"]))
        labels[k] = words.label(k, str(r["label"])) if words else str(r["label"])
        if str(r["type"]) == ns.SKG + "State":
            names = states.setdefault(k, [str(r["label"])])
            if r["alias"]:
                names.append(str(r["alias"]))
    sources = page_sources(store) if sources is None else sources
    words = words or Words()
    return map_data(store, sources, labels, words.style(style())["events"], participants=participants, states=states,
                    words=words)


def _label_missing(store, missing: dict[str, list[int]], actor_rows: list[list[str]]) -> None:
    """Labels of participants the network left out (an imported actor in no relation)."""
    iris = sorted(missing)
    for n in range(0, len(iris), 500):
        values = " ".join(f"<{iri}>" for iri in iris[n:n + 500] if ">" not in iri and " " not in iri)
        query = ("SELECT ?a ?l WHERE { VALUES ?a { " + values + " } "
                 "GRAPH ?g { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")
        for r in store.select(query):
            for i in missing.get(str(r["a"]), []):
                actor_rows[i][1] = str(r["l"])
