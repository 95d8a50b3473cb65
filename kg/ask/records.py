"""The event records of every data set, and the incident links between them, as plain Python.

Incident links (``kg link``, written by ``kg.imports.links`` into the named graph
``.../graph/links``) say that two records of different data sets (curated, acled,
ucdp) describe the same incident. This module reads both sides of that: the
records (date span, place, kind, actors, tolls) and the links, and groups linked
records into incidents (the connected parts of the link graph). ``kg compare``,
the answers that show "which ACLED and UCDP records describe this event" and
the page read them here.

    read_events(store, datasets=None, start=None, end=None) -> list[EventRecord]
    every_record(store)                                  -> list[EventRecord] (kg link's: by IRI)
    read_links(store)                                    -> list[Link]
    incidents(links)                                     -> {record IRI: incident id}
    linked_records(event_iris, store=None)               -> {event IRI: [record dicts]}
    incident_map(store=None)                             -> {record IRI: its incident, data sets,
                                                            records, and whether a map draws it}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.graph import namespaces as ns

LINKS_GRAPH = ns.dataset_graph("links")
LINK_NS = ns.ID + "link/"
DATASETS = ("curated", "acled", "ucdp")
S = ns.SKG


@dataclass(slots=True)
class EventRecord:
    """One event of one data set, as the linker and the comparisons see it."""

    iri: str
    dataset: str
    record_id: str  # ACLED's event_id_cnty, UCDP's id, the curated event's id
    label: str
    type_key: str  # curated type name, ACLED (sub-)event type label, UCDP type of violence (1-3)
    start: date
    end: date
    precision: str
    lat: float | None = None
    lon: float | None = None
    country: str = ""  # the state's actor IRI, when known
    admin1: str = ""
    place: str = ""
    place_precision: str = "point"  # point, region or country
    fatalities: int | None = None
    low: int | None = None
    high: int | None = None
    side_a: frozenset[str] = frozenset()
    side_b: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actors(self) -> frozenset[str]:
        return self.side_a | self.side_b

    def toll_text(self) -> str:
        """``24`` or ``19 (15–30)``: the best estimate and, where given, the range."""
        if self.fatalities is None and self.low is None:
            return "?"
        best = "?" if self.fatalities is None else str(self.fatalities)
        if self.low is not None and self.high is not None and (self.low, self.high) != (self.fatalities,) * 2:
            return f"{best} ({self.low}–{self.high})"
        return best

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "id": self.record_id, "iri": self.iri, "label": self.label,
            "type": self.type_key, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "place": self.place, "admin1": self.admin1, "lat": self.lat, "lon": self.lon,
            "place_precision": self.place_precision, "fatalities": self.fatalities, "low": self.low,
            "high": self.high, "side_a": sorted(ns.local_id(a) for a in self.side_a),
            "side_b": sorted(ns.local_id(a) for a in self.side_b),
        }


@dataclass(frozen=True, slots=True)
class Link:
    """Two records judged the same incident: the rule and score they matched on."""

    a: str
    b: str
    rule: str
    score: float
    day_gap: int
    km: float | None
    one_to_many: bool = False


FAMILY_RELATIONS = (S + "partOf", S + "actsFor", S + "mergedInto")


def family_edges(store) -> dict[str, set[str]]:
    """Each curated actor's parents (skg:partOf, skg:actsFor, skg:mergedInto), any period."""
    up: dict[str, set[str]] = {}
    for r in store.select(
        f"SELECT ?a ?b WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ ?a ?p ?b }} "
        f"VALUES ?p {{ {' '.join(f'<{p}>' for p in FAMILY_RELATIONS)} }} }}"
    ):
        up.setdefault(str(r["a"]), set()).add(str(r["b"]))
    return up


def _closure(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def families(store) -> dict[str, frozenset[str]]:
    """Each curated actor with its parts and its parents, transitively (not its siblings):
    records that name JNIM and the Macina Liberation Front do not contradict each other,
    records that name JNIM and the Islamic State's Sahel Province do."""
    up = family_edges(store)
    down: dict[str, set[str]] = {}
    for a, parents in up.items():
        for b in parents:
            down.setdefault(b, set()).add(a)
    return {a: frozenset({a} | _closure(up, a) | _closure(down, a)) for a in set(up) | set(down)}


def parts(store, actor: str) -> frozenset[str]:
    """The actor and its parts, transitively: what a record must name to be about it."""
    down: dict[str, set[str]] = {}
    for a, parents in family_edges(store).items():
        for b in parents:
            down.setdefault(b, set()).add(a)
    return frozenset({actor} | _closure(down, actor))


def dataset_of(iri: str) -> str:
    """The data set an event IRI belongs to (curated events live under .../id/event/)."""
    if iri.startswith(ns.EVENT):
        return "curated"
    rest = iri[len(ns.ID):] if iri.startswith(ns.ID) else iri
    return rest.split("/", 1)[0]


def _window_filter(start: date | None, end: date | None) -> str:
    parts = []
    if start is not None:
        parts.append(f'?end >= "{start.isoformat()}"^^<{ns.XSD}date>')
    if end is not None:
        parts.append(f'?start <= "{end.isoformat()}"^^<{ns.XSD}date>')
    return f"FILTER({' && '.join(parts)})" if parts else ""


def _int(value) -> int | None:
    return None if value is None else int(value)


def read_events(store, datasets: Iterable[str] | None = None, start: date | None = None,
                end: date | None = None) -> list[EventRecord]:
    """Every event record of ``datasets`` (default: those the store holds) overlapping the window."""
    held = {ns.local_id(g) for g in store.graphs()}
    chosen = [d for d in (datasets or DATASETS) if d in held]
    out: list[EventRecord] = []
    for name in chosen:
        out += curated_records(store, start, end) if name == "curated" else _imported(store, name, start, end)
    return out


def _imported(store, name: str, start: date | None, end: date | None) -> list[EventRecord]:
    raw = getattr(store, "store", None)
    if getattr(store, "name", None) == "oxigraph" and raw is not None:
        return _imported_quads(raw, name, start, end)
    g = ns.dataset_graph(name)
    event_ns = ns.dataset_ns(name, "event")
    places = {}
    for r in store.select(
        f"SELECT ?p ?lat ?long ?a1 ?c ?l WHERE {{ GRAPH <{g}> {{ ?p a <{S}Place> . "
        f"OPTIONAL {{ ?p <{ns.GEO}lat> ?lat ; <{ns.GEO}long> ?long }} OPTIONAL {{ ?p <{S}admin1> ?a1 }} "
        f"OPTIONAL {{ ?p <{S}country> ?c }} OPTIONAL {{ ?p <{ns.RDFS}label> ?l }} }} }}"
    ):
        places[str(r["p"])] = (
            float(r["lat"]) if r["lat"] is not None else None, float(r["long"]) if r["long"] is not None else None,
            str(r["c"]) if r["c"] is not None else "", str(r["a1"] or ""), str(r["l"] or ""))
    types = {str(r["t"]): str(r["l"]) for r in store.select(
        f"SELECT ?t ?l WHERE {{ GRAPH <{g}> {{ ?t a <{ns.OWL}Class> ; <{ns.RDFS}label> ?l }} }}")}
    sides: dict[str, tuple[set, set]] = {}
    for r in store.select(
        f"SELECT ?e ?p ?a WHERE {{ GRAPH <{g}> {{ ?e ?p ?a }} VALUES ?p {{ <{S}sideA> <{S}sideB> "
        f"<{S}possibleSideA> <{S}possibleSideB> }} }}"
    ):
        pair = sides.setdefault(str(r["e"]), (set(), set()))
        pair[0 if str(r["p"]).endswith("A") else 1].add(str(r["a"]))
    out = []
    for r in store.select(
        f"SELECT ?e ?id ?t ?start ?end ?sp ?fat ?low ?high ?pp ?place WHERE {{ GRAPH <{g}> {{ "
        f"?e <{S}sourceRecord> ?id ; a ?t ; <{S}start> ?start ; <{S}end> ?end . "
        f"OPTIONAL {{ ?e <{S}startPrecision> ?sp }} OPTIONAL {{ ?e <{S}fatalities> ?fat }} "
        f"OPTIONAL {{ ?e <{S}fatalitiesLow> ?low }} OPTIONAL {{ ?e <{S}fatalitiesHigh> ?high }} "
        f"OPTIONAL {{ ?e <{S}placePrecision> ?pp }} OPTIONAL {{ ?e <{S}place> ?place }} }} "
        f"{_window_filter(start, end)} }}"
    ):
        e = str(r["e"])
        if not e.startswith(event_ns):
            continue
        t = str(r["t"])
        key = types.get(t, ns.local_id(t))
        if name == "ucdp":
            key = ns.local_id(t).removeprefix("type_")
        lat, lon, country, admin1, place = places.get(str(r["place"]), (None, None, "", "", "")) \
            if r["place"] is not None else (None, None, "", "", "")
        a, b = sides.get(e, ((), ()))
        out.append(EventRecord(
            e, name, str(r["id"]), f"{name.upper()} {r['id']}", key, r["start"], r["end"],
            ns.local_id(str(r["sp"])) if r["sp"] is not None else "Day", lat, lon, country, admin1, place,
            str(r["pp"]) if r["pp"] is not None else ("point" if lat is not None else "country"),
            _int(r["fat"]), _int(r["low"]), _int(r["high"]), frozenset(a), frozenset(b)))
    return out


def _imported_quads(raw, name: str, start: date | None, end: date | None) -> list[EventRecord]:
    """``_imported`` read predicate by predicate from a pyoxigraph store: 130,000 events in 12 s of
    CPU, where one SPARQL query with a dozen OPTIONALs took 105 s for 100,000 (bench/README.md)."""
    graph = ns.dataset_graph(name)

    def pairs(predicate: str):
        return column_rows(raw, graph, predicate)

    def values(predicate: str) -> dict[str, str]:
        return dict(pairs(predicate))

    columns = {key: values(predicate) for key, predicate in _COLUMNS.items()}
    sides: dict[str, tuple[set, set]] = {}
    for predicate, which in (("sideA", 0), ("possibleSideA", 0), ("sideB", 1), ("possibleSideB", 1)):
        for subject, actor in pairs(S + predicate):
            sides.setdefault(subject, (set(), set()))[which].add(actor)
    labels = values(ns.RDFS + "label")
    places = {p: (columns["lat"].get(p), columns["long"].get(p), columns["country"].get(p, ""),
                  columns["admin1"].get(p, ""), labels.get(p, "")) for p in set(columns["place"].values())}
    return _assemble(name, columns, sides, places, labels, start, end)


_COLUMNS = {  # what a record is read from: its event's facts and its place's
    "start": S + "start", "end": S + "end", "type": ns.RDF + "type", "precision": S + "startPrecision",
    "fatalities": S + "fatalities", "low": S + "fatalitiesLow", "high": S + "fatalitiesHigh",
    "place_precision": S + "placePrecision", "place": S + "place",
    "lat": ns.GEO + "lat", "long": ns.GEO + "long", "admin1": S + "admin1", "country": S + "country",
}
_SIDES = {S + "sideA": 0, S + "possibleSideA": 0, S + "sideB": 1, S + "possibleSideB": 1}


def _assemble(name: str, columns: dict[str, dict[str, str]], sides, places, labels, start: date | None,
              end: date | None) -> list[EventRecord]:
    """EventRecords of the events ``columns["start"]`` holds, from their columns (text by IRI):
    ``places`` gives each place's (lat, long, country, admin1, label) as text, ``labels`` the
    ACLED classes' labels."""
    event_ns = ns.dataset_ns(name, "event")
    days: dict[str, date] = {}

    def day(text: str) -> date:
        d = days.get(text)
        if d is None:
            d = days[text] = date.fromisoformat(text)
        return d

    starts, ends, kinds, precisions = columns["start"], columns["end"], columns["type"], columns["precision"]
    fat, low, high = columns["fatalities"], columns["low"], columns["high"]
    place_precision, place_of = columns["place_precision"], columns["place"]
    out = []
    for e, first_text in starts.items():
        if not e.startswith(event_ns):
            continue
        row_id = e[len(event_ns):]
        first, last = day(first_text), day(ends.get(e, first_text))
        if (start is not None and last < start) or (end is not None and first > end):
            continue
        t = kinds.get(e, "")
        key = ns.local_id(t).removeprefix("type_") if name == "ucdp" else labels.get(t, ns.local_id(t))
        la, lo, country, admin1, place = places.get(place_of.get(e), (None, None, "", "", ""))
        la, lo = (float(la), float(lo)) if la is not None and lo is not None else (None, None)
        a, b = sides.get(e, ((), ()))
        out.append(EventRecord(
            e, name, row_id, f"{name.upper()} {row_id}", key, first, last,
            ns.local_id(precisions.get(e, "Day")), la, lo, country, admin1,
            place, place_precision.get(e, "point" if la is not None else "country"),
            int(fat[e]) if e in fat else None, int(low[e]) if e in low else None,
            int(high[e]) if e in high else None, frozenset(a), frozenset(b)))
    return out


def every_record(store) -> list[EventRecord]:
    """Every event record of every data set the store holds, sorted by IRI: what ``kg link``
    matches. The same records as ``read_events(store)`` (in another order); from a pyoxigraph
    store each imported data set is read by one grouped query (``_imported_grouped``)."""
    held = {ns.local_id(g) for g in store.graphs()}
    raw = getattr(store, "store", None)
    out: list[EventRecord] = []
    for name in (d for d in DATASETS if d in held):
        got = None
        if name != "curated" and getattr(store, "name", None) == "oxigraph" and raw is not None:
            got = _imported_grouped(raw, name)
        out += got if got is not None else read_events(store, [name])
    out.sort(key=lambda r: r.iri)
    return out


# What a record is read from in one grouped query: the tag each value carries, and whether it is
# written by a number (objects IRIs, a few hundred distinct: numbered by a VALUES block, so that
# the store never turns them into text row by row) or by its lexical form (dates and numbers,
# which the store keeps inline: no lookup to write them).
_GROUPED = {
    "T": ("type", True), "P": ("precision", True), "Q": ("place_precision", True), "L": ("place", True),
    "s": ("start", False), "e": ("end", False), "f": ("fatalities", False), "l": ("low", False),
    "h": ("high", False),
}
_GROUPED_SIDES = {"a": S + "sideA", "b": S + "sideB", "c": S + "possibleSideA", "d": S + "possibleSideB"}


def _imported_grouped(raw, name: str) -> list[EventRecord] | None:
    """Every record of the imported data set ``name``, read by one query grouped by event: the
    same records as ``_imported_quads``, for less than half the store's work. Writing an event's IRI
    as text is the cost of reading it (a lookup in the store's string table for each row, 5 us):
    a read per predicate writes it a dozen times, this query once, and the IRIs of types,
    places and actors not at all (they come as numbers of a VALUES block, read once each).
    None when the data set holds what this reading cannot give back as ``_imported_quads``
    does (a blank node as an object, two values of a one-valued fact): read it that way then."""
    import csv
    import io

    import pyoxigraph as ox

    graph = ns.dataset_graph(name)

    def pairs(predicate: str) -> dict[str, str]:
        return dict(column_rows(raw, graph, predicate))

    decoded: dict[str, list[str]] = {}  # tag -> the text of each number
    branches = []
    predicates = {tag: _COLUMNS[key] for tag, (key, _coded) in _GROUPED.items()} | _GROUPED_SIDES
    for tag, predicate in predicates.items():
        if tag in _GROUPED and not _GROUPED[tag][1]:
            branches.append(f'{{ ?s <{predicate}> ?x BIND(CONCAT("{tag}", STR(?x)) AS ?v) }}')
            continue
        objects = [row[0] for row in raw.query(
            f"SELECT DISTINCT ?o WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?o }} }}")]
        if any(isinstance(o, ox.BlankNode) for o in objects):
            return None
        decoded[tag] = [o.value for o in objects]
        if objects:
            values = " ".join(f'({o} "{tag}{i}")' for i, o in enumerate(objects))
            branches.append(f"{{ VALUES (?o ?v) {{ {values} }} ?s <{predicate}> ?o }}")
    # places (thousands of rows at most) and labels (of places and of ACLED's classes)
    lat, long, country, admin1 = (pairs(_COLUMNS[key]) for key in ("lat", "long", "country", "admin1"))
    labels = pairs(ns.RDFS + "label")
    # what each number stands for, worked out once (_assemble does it per record)
    no_place = (None, None, "", "", "")
    places = []
    for p in decoded["L"]:
        la, lo = lat.get(p), long.get(p)
        la, lo = (float(la), float(lo)) if la is not None and lo is not None else (None, None)
        places.append((la, lo, country.get(p, ""), admin1.get(p, ""), labels.get(p, "")))

    def kind(t: str) -> str:
        return ns.local_id(t).removeprefix("type_") if name == "ucdp" else labels.get(t, ns.local_id(t))

    kinds = [kind(t) for t in decoded["T"]]
    no_kind = kind("")
    precisions = [ns.local_id(x) for x in decoded["P"]]
    no_precision = ns.local_id("Day")
    sides = {tag: decoded[tag] for tag in _GROUPED_SIDES}
    if not branches:
        return []
    text = raw.query(f"SELECT ?s (GROUP_CONCAT(?v) AS ?vs) WHERE {{ GRAPH <{graph}> {{ "
                     f"{' UNION '.join(branches)} }} }} GROUP BY ?s").serialize(format=ox.QueryResultsFormat.CSV)
    reader = csv.reader(io.StringIO(text.decode("utf-8")))
    next(reader, None)
    event_ns = ns.dataset_ns(name, "event")
    prefix = len(event_ns)
    days: dict[str, date] = {}
    upper = name.upper()
    out = []
    for e, vs in reader:
        if not e.startswith(event_ns):
            continue
        got: dict[str, str] = {}
        side_a: list[str] = []
        side_b: list[str] = []
        for token in vs.split(" "):
            tag, value = token[0], token[1:]
            if tag in sides:
                (side_a if tag in "ac" else side_b).append(sides[tag][int(value)])
            elif tag in got:
                return None  # two values of a one-valued fact: read per predicate, as before
            else:
                got[tag] = value
        first_text = got.get("s")
        if first_text is None:
            continue
        last_text = got.get("e", first_text)
        first = days.get(first_text) or days.setdefault(first_text, date.fromisoformat(first_text))
        last = days.get(last_text) or days.setdefault(last_text, date.fromisoformat(last_text))
        la, lo, where, region, place = places[int(got["L"])] if "L" in got else no_place
        pp = got.get("Q")
        row_id = e[prefix:]
        out.append(EventRecord(
            e, name, row_id, f"{upper} {row_id}", kinds[int(got["T"])] if "T" in got else no_kind, first, last,
            precisions[int(got["P"])] if "P" in got else no_precision, la, lo, where, region, place,
            decoded["Q"][int(pp)] if pp is not None else ("point" if la is not None else "country"),
            int(got["f"]) if "f" in got else None, int(got["l"]) if "l" in got else None,
            int(got["h"]) if "h" in got else None, frozenset(side_a), frozenset(side_b)))
    return out


BY_EVENT_MAX = 5000  # records read event by event; past this, the whole graph by one grouped query


def read_records(store, name: str, iris: Iterable[str]) -> list[EventRecord]:
    """The records of these event IRIs of the imported data set ``name``, each read by its own
    quads (one index lookup per event and per place): what a relink reads of the rows it links
    and of the rows they may meet, instead of every record of the store."""
    import pyoxigraph as ox

    raw = store.store
    iris = set(iris)
    if len(iris) > BY_EVENT_MAX:  # many: the whole graph read by one grouped query costs less
        every = _imported_grouped(raw, name)
        if every is None:
            every = _imported_quads(raw, name, None, None)
        return [r for r in every if r.iri in iris]
    g = ox.NamedNode(ns.dataset_graph(name))
    by_predicate = {predicate: key for key, predicate in _COLUMNS.items()}
    columns: dict[str, dict[str, str]] = {key: {} for key in _COLUMNS}
    sides: dict[str, tuple[set, set]] = {}
    for e in iris:
        for q in raw.quads_for_pattern(ox.NamedNode(e), None, None, g):
            p = q.predicate.value
            key = by_predicate.get(p)
            if key is not None:
                columns[key][e] = q.object.value
            elif p in _SIDES:
                sides.setdefault(e, (set(), set()))[_SIDES[p]].add(q.object.value)
    places = read_places(store, name)
    return _assemble(name, columns, sides, places, _class_labels(store, name), None, None)


def _class_labels(store, name: str) -> dict[str, str]:
    g = ns.dataset_graph(name)
    return {str(r["t"]): str(r["l"]) for r in store.select(
        f"SELECT ?t ?l WHERE {{ GRAPH <{g}> {{ ?t a <{ns.OWL}Class> ; <{ns.RDFS}label> ?l }} }}")}


def read_places(store, name: str) -> dict[str, tuple[str, str, str, str, str]]:
    """Every place of the imported data set ``name``: (lat, long, country, admin1, label), text or
    None (places number in thousands where events number in hundreds of thousands)."""
    g = ns.dataset_graph(name)
    out = {}
    for r in store.select(
        f"SELECT ?p ?lat ?long ?a1 ?c ?l WHERE {{ GRAPH <{g}> {{ ?p a <{S}Place> . "
        f"OPTIONAL {{ ?p <{ns.GEO}lat> ?lat ; <{ns.GEO}long> ?long }} OPTIONAL {{ ?p <{S}admin1> ?a1 }} "
        f"OPTIONAL {{ ?p <{S}country> ?c }} OPTIONAL {{ ?p <{ns.RDFS}label> ?l }} }} }}"
    ):
        out[str(r["p"])] = (None if r["lat"] is None else str(r["lat"]), None if r["long"] is None else str(r["long"]),
                            str(r["c"] or ""), str(r["a1"] or ""), str(r["l"] or ""))
    return out


COLUMNS_FROM = 5000  # events at the chosen places past which events_at reads three columns instead


def events_at(store, name: str, places: Iterable[str], start: date, end: date) -> list[tuple[str, str, date, date]]:
    """(event IRI, place IRI, start, end) of the events of ``name`` at these places whose dates
    overlap [start, end]: one query, whose filter runs before any IRI is written out; when the
    places hold many events (counted first, 0.02 s for 30,000), three column reads filtered
    here (the query's lookups and rows: 1.6 s for 30,000 events at 17 places, the columns 0.8 s)."""
    chosen = sorted(places)
    if not chosen:
        return []
    g = ns.dataset_graph(name)
    at_places = sum(int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ VALUES ?p {{ {values} }} "
                                     f"?e <{S}place> ?p }} }}")[0]["n"]) for values in iri_blocks(chosen))
    if at_places > COLUMNS_FROM and getattr(store, "name", None) == "oxigraph":
        return _events_at_columns(store, name, set(chosen), start, end)
    out = []
    for i in range(0, len(chosen), 2000):
        values = " ".join(f"<{p}>" for p in chosen[i:i + 2000])
        out += [(str(r["e"]), str(r["p"]), r["s"], r["en"]) for r in store.select(
            f"SELECT ?e ?p ?s ?en WHERE {{ GRAPH <{g}> {{ VALUES ?p {{ {values} }} ?e <{S}place> ?p ; "
            f"<{S}start> ?s . FILTER(?s <= \"{end.isoformat()}\"^^<{ns.XSD}date>) ?e <{S}end> ?en . "
            f"FILTER(?en >= \"{start.isoformat()}\"^^<{ns.XSD}date>) }} }}")]
    return out


def curated_records(store, start: date | None = None, end: date | None = None) -> list[EventRecord]:
    """The curated events as records (those overlapping ``start``..``end``): kept beside the
    store by the write that built its curated graph, else read from the graph
    (``kg.store.curated_records``); every import's relink reads them."""
    from kg.store import curated_records as kept

    records = (EventRecord(*row) for row in kept.rows(store))
    return [r for r in records if (start is None or r.end >= start) and (end is None or r.start <= end)]


def iri_blocks(iris: Iterable[str], size: int = 2000) -> Iterable[str]:
    """The IRIs, sorted, as the bodies of VALUES blocks of ``size`` each (``<a> <b> ...``):
    a store reads its indexes for each, where one block of 100,000 would overflow the parser."""
    group = sorted(iris)
    for i in range(0, len(group), size):
        yield " ".join(f"<{x}>" for x in group[i:i + size])


def read_links(store, touching: Iterable[str] | None = None) -> list[Link]:
    """Every incident link the store holds (none when ``kg link`` never ran); with
    ``touching``, only the links of the incidents of these records (the connected parts
    of the link graph they lie in), read a few records at a time rather than every link:
    an answer about a dozen events reads its dozen incidents, not 50,000 links."""
    if LINKS_GRAPH not in store.graphs():
        return []
    if touching is not None:
        return _links_touching(store, {str(x) for x in touching})
    raw = getattr(store, "store", None)
    if getattr(store, "name", None) == "oxigraph" and raw is not None:
        return _links_quads(raw)
    return [Link(str(r["a"]), str(r["b"]), str(r["rule"]), float(r["score"]), int(r["gap"]),
                 float(r["km"]) if r["km"] is not None else None, bool(r["many"]))
            for r in store.select(
                f"SELECT ?a ?b ?rule ?score ?gap ?km ?many WHERE {{ GRAPH <{LINKS_GRAPH}> {{ "
                f"?l a <{S}IncidentLink> ; <{S}linkFrom> ?a ; <{S}linkTo> ?b ; <{S}linkRule> ?rule ; "
                f"<{S}linkScore> ?score ; <{S}dayGap> ?gap . OPTIONAL {{ ?l <{S}distanceKm> ?km }} "
                f"OPTIONAL {{ ?l <{S}oneToMany> ?many }} }} }}")]


_LINK_FIELDS = {S + "linkFrom": "a", S + "linkTo": "b", S + "linkRule": "rule", S + "linkScore": "score",
                S + "dayGap": "gap", S + "distanceKm": "km", S + "oneToMany": "many"}


def _links_touching(store, records: set[str]) -> list[Link]:
    """The links of the connected parts of the link graph holding these records, found by
    widening from the records one step at a time (an incident has a handful of records).
    Each step binds the records and the predicates, so that the store looks them up in its
    indexes (OPTIONALs over the links graph scanned every link: 50 s at 100k x 30k)."""
    seen: set[str] = set()
    found: dict[str, dict[str, Any]] = {}
    frontier = set(records)
    branches = " UNION ".join(f"{{ ?l <{p}> ?o BIND(<{p}> AS ?p) }}" for p in _LINK_FIELDS)
    while frontier:
        seen |= frontier
        new_links: set[str] = set()
        for values in iri_blocks(frontier):
            for r in store.select(
                f"SELECT DISTINCT ?l WHERE {{ GRAPH <{LINKS_GRAPH}> {{ VALUES ?x {{ {values} }} "
                f"{{ ?l <{S}linkFrom> ?x }} UNION {{ ?l <{S}linkTo> ?x }} }} }}"):
                if str(r["l"]) not in found:
                    new_links.add(str(r["l"]))
        if not new_links:
            break
        for values in iri_blocks(new_links):
            for r in store.select(
                f"SELECT ?l ?p ?o WHERE {{ GRAPH <{LINKS_GRAPH}> {{ VALUES ?l {{ {values} }} {branches} }} }}"):
                found.setdefault(str(r["l"]), {})[_LINK_FIELDS[str(r["p"])]] = r["o"]
        frontier = {str(f[k]) for x in new_links for k in ("a", "b") if (f := found.get(x)) and k in f} - seen
    return [Link(str(f["a"]), str(f["b"]), str(f["rule"]), float(f["score"]), int(f["gap"]),
                 float(f["km"]) if f.get("km") is not None else None, bool(f.get("many", False)))
            for _, f in sorted(found.items()) if {"a", "b", "rule", "score", "gap"} <= f.keys()]


def links_column(raw, predicate: str) -> dict[str, str]:
    """{link node: value} of one predicate of the links graph, from a pyoxigraph store: one
    single-pattern scan written as CSV by Oxigraph, no join (kg link reads its ends so)."""
    return dict(column_rows(raw, LINKS_GRAPH, predicate))


def column_rows(raw, graph: str, predicate: str, text: bytes | None = None) -> Iterable[list[str]]:
    """[subject, object] as text of every triple of ``predicate`` in ``graph``, from a pyoxigraph
    store: one pattern, no join (Oxigraph's joins of a dozen patterns cost ten times more), its
    results written as CSV by the store (in Rust, ``column_text``) and read here; ``text``:
    that CSV, written already (``ColumnTexts``)."""
    import csv
    import io

    reader = csv.reader(io.StringIO((text if text is not None else column_text(raw, graph, predicate)).decode("utf-8")))
    next(reader, None)
    return reader


def column_text(raw, graph: str, predicate: str) -> bytes:
    """``column_rows``' CSV, as the store writes it (letting go of the GIL meanwhile)."""
    import pyoxigraph as ox

    return raw.query(f"SELECT ?s ?o WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?o }} }}").serialize(
        format=ox.QueryResultsFormat.CSV)


class ColumnTexts:
    """Whole columns of one graph, written by the store on a thread while the caller reads its
    files: an addition of 20,000 rows to 20,000 reads two (the stored revisions, the events'
    rows: ~0.15 s each, in Rust, without the GIL) and would otherwise wait for each. Used
    by ``column_values`` only when it reads the column anyway; they are never other answers."""

    def __init__(self, raw, graph: str, predicates: Iterable[str]) -> None:
        import threading

        self.raw, self.graph, self.texts = raw, graph, {}
        self.thread = threading.Thread(target=self._read, args=(tuple(predicates),), name="kg-columns", daemon=True)
        self.thread.start()

    def _read(self, predicates: tuple[str, ...]) -> None:
        try:
            for p in predicates:
                self.texts[p] = column_text(self.raw, self.graph, p)
        except Exception:  # noqa: BLE001, S110  a column not written: column_values reads it itself
            pass
        finally:
            self.raw = None  # the store is let go of as soon as the columns are written

    def text(self, graph: str, predicate: str) -> bytes | None:
        """The column's CSV, once written; None if it is not one of these (or could not be read)."""
        self.join()
        return self.texts.get(predicate) if graph == self.graph else None

    def join(self) -> None:
        self.thread.join()


def column_values(raw, graph: str, predicate: str, subjects: Iterable[str],
                  columns: ColumnTexts | None = None) -> dict[str, str]:
    """The object (as text) of ``predicate`` for each of ``subjects`` that has one in ``graph``
    of a pyoxigraph store: looked up one by one when they are few (~17 us each), read as one
    column (``column_rows``, ~3 us a row) when they are more than a fifth of the column (an
    addition of 20,000 rows to a data set of 20,000: 0.35 s -> 0.06 s), written already if
    ``columns`` (of a store holding the same graph) has it. A subject with two values gets
    one of them."""
    import pyoxigraph as ox

    wanted = set(subjects)
    if not wanted:
        return {}
    if len(wanted) > 1000:
        count = int(next(iter(raw.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?o }} }}")))[0].value)
        if 5 * len(wanted) > count:
            text = columns.text(graph, predicate) if columns is not None else None
            return {s: o for s, o in column_rows(raw, graph, predicate, text) if s in wanted}
    g, p = ox.NamedNode(graph), ox.NamedNode(predicate)
    out: dict[str, str] = {}
    for s in wanted:
        try:
            node = ox.NamedNode(s)
        except ValueError:  # not an IRI's characters: the store holds nothing of it
            continue
        for q in raw.quads_for_pattern(node, p, None, g):
            out[s] = q.object.value
            break
    return out


def _links_quads(raw) -> list[Link]:
    """``read_links`` from a pyoxigraph store, predicate by predicate (``links_column``):
    72,000 links in a fifth of the time of the joined query."""
    a, b, rule, score, gap = (links_column(raw, S + p) for p in ("linkFrom", "linkTo", "linkRule", "linkScore", "dayGap"))
    km, many = links_column(raw, S + "distanceKm"), links_column(raw, S + "oneToMany")
    return [Link(x, b[n], rule[n], float(score[n]), int(gap[n]), float(km[n]) if n in km else None,
                 many.get(n) in ("true", "1"))
            for n, x in a.items() if n in b and n in rule and n in score and n in gap]


def incidents(links: Iterable[Link]) -> dict[str, str]:
    """Each linked record's incident: the connected parts of the links, each named by its
    smallest record IRI (stable while the links stay the same)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for link in links:
        ra, rb = find(link.a), find(link.b)
        parent.setdefault(ra, ra)
        parent.setdefault(rb, rb)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            parent[hi] = lo
    return {x: find(x) for x in parent}


def linked_records(event_iris: Iterable[str] | None = None, *, store=None,
                   links: list[Link] | None = None) -> dict[str, list[dict[str, Any]]]:
    """For each event (default: every linked one), the records of other data sets that describe
    the same incident, with their ids and tolls: what the page's event cards and the answers show.

    ``{"https://.../event/battle_of_x": [{"dataset": "acled", "id": "MLI4105", "fatalities": 24,
    "low": None, "high": None, "toll": "24", "text": "ACLED MLI4105: 24 dead", "rule": ..., "score": ...}]}``
    """
    from kg.store.cache import or_default

    store = or_default(store)
    if event_iris is not None:
        event_iris = {str(e) for e in event_iris}
    if links is None:  # given: the caller read them already (the links of these events' incidents at least)
        links = read_links(store, event_iris)
    if not links:
        return {}
    of = incidents(links)
    members: dict[str, list[str]] = {}
    for record, root in of.items():
        members.setdefault(root, []).append(record)
    wanted = set(of) if event_iris is None else {str(e) for e in event_iris} & set(of)
    if not wanted:
        return {}
    needed = {m for e in wanted for m in members[of[e]]}
    records = {r.iri: r for r in records_by_iri(store, needed)}
    best: dict[tuple[str, str], Link] = {}
    for link in links:
        best[(link.a, link.b)] = best[(link.b, link.a)] = link
    out: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(wanted):
        rows = []
        for m in sorted(members[of[e]], key=lambda x: (dataset_of(x), x)):
            if m == e or m not in records:
                continue
            r = records[m]
            direct = best.get((e, m))
            rows.append({
                "dataset": r.dataset, "id": r.record_id, "iri": m, "start": r.start.isoformat(),
                "fatalities": r.fatalities, "low": r.low, "high": r.high, "toll": r.toll_text(),
                "text": record_text(r),
                "rule": direct.rule if direct else "same incident (through another record)",
                "score": direct.score if direct else None,
            })
        out[e] = rows
    return out


DRAW_ORDER = ("curated", "ucdp", "acled")  # which record stands for an incident on a map


def incident_map(*, store=None) -> dict[str, dict[str, Any]]:
    """For every linked record: its incident, the data sets that record the incident, the
    incident's records, and whether this record is the one to draw (so that a map draws an
    incident of several data sets once: its curated record, else its UCDP, else its ACLED one).

    ``{"https://.../acled/event/MLI4105": {"incident": "https://.../event/x", "datasets": ["acled",
    "curated", "ucdp"], "records": [...IRIs], "draw": False}}``; unlinked records are absent
    (each is an incident of its own, drawn as it is).
    """
    from kg.store.cache import or_default

    store = or_default(store)
    of = incidents(read_links(store))
    members: dict[str, list[str]] = {}
    for record, root in of.items():
        members.setdefault(root, []).append(record)
    out: dict[str, dict[str, Any]] = {}
    for root, group in members.items():
        order = {d: i for i, d in enumerate(DRAW_ORDER)}
        group.sort(key=lambda x: (order.get(dataset_of(x), len(order)), x))
        sets = sorted({dataset_of(x) for x in group})
        for x in group:
            out[x] = {"incident": root, "datasets": sets, "records": list(group), "draw": x == group[0]}
    return out


def record_text(r: EventRecord) -> str:
    """``ACLED MLI4105: 24 dead`` or ``UCDP 312345: 19 (15–30)``."""
    if r.dataset == "curated":
        return f"{r.label}: {r.toll_text()}"
    return f"{r.dataset.upper()} {r.record_id}: {r.toll_text()}" + (" dead" if r.low is None else "")


_RECORD_FIELDS = {S + "start": "start", S + "end": "end", S + "sourceRecord": "id", ns.RDFS + "label": "label",
                  S + "fatalities": "fat", S + "fatalitiesLow": "low", S + "fatalitiesHigh": "high"}


def tolls_by_iri(store, iris: set[str]) -> dict[str, int]:
    """The best toll (skg:fatalities) of each of these records that has one: all an answer
    needs to count an incident's toll once, one predicate instead of a record's seven."""
    out: dict[str, int] = {}
    for values in iri_blocks(iris):
        for r in store.select(f"SELECT ?e ?f WHERE {{ GRAPH ?g {{ VALUES ?e {{ {values} }} ?e <{S}fatalities> ?f }} }}"):
            out[str(r["e"])] = _int(r["f"]) or 0
    return out


def records_by_iri(store, iris: set[str]) -> list[EventRecord]:
    """The records of these IRIs (date, toll, id, English label), looked up one by one: the
    records and the predicates bound by VALUES blocks, so that the store reads its indexes
    (OPTIONALs were evaluated over every event of every graph: 50 s at 100k events)."""
    fields: dict[str, dict[str, Any]] = {}
    group = sorted(iris)
    # one branch per predicate, written out: a predicate bound by VALUES is not used to read
    # the index (2000 records: 98 s that way, 0.6 s this way, at 100k ACLED events)
    branches = " UNION ".join(f"{{ ?e <{p}> ?o BIND(<{p}> AS ?p) }}" for p in _RECORD_FIELDS)
    for values in iri_blocks(group):
        for r in store.select(
            f"SELECT ?e ?p ?o (LANG(?o) AS ?lang) WHERE {{ GRAPH ?g {{ VALUES ?e {{ {values} }} {branches} }} }}"
        ):
            key, value = _RECORD_FIELDS[str(r["p"])], r["o"]
            record = fields.setdefault(str(r["e"]), {})
            if key == "label" and r.get("lang") not in (None, "", "en"):  # the English label, as answers print
                record.setdefault("other_label", value)
                continue
            record[key] = value
    out = []
    for e in group:
        f = fields.get(e)
        if f is None or "start" not in f or "end" not in f:
            continue
        ident = str(f["id"]) if f.get("id") is not None else ns.local_id(e)
        label = f.get("label") or f.get("other_label") or ident
        out.append(EventRecord(e, dataset_of(e), ident, str(label), "", f["start"], f["end"],
                               "Day", fatalities=_int(f.get("fat")), low=_int(f.get("low")), high=_int(f.get("high"))))
    return out


def _events_at_columns(store, name: str, places: set[str], start: date,
                       end: date) -> list[tuple[str, str, date, date]]:
    """``events_at`` by three column reads (CSV written by the store) filtered here."""
    graph = ns.dataset_graph(name)
    raw = store.store

    def column(predicate: str) -> dict[str, str]:
        return dict(column_rows(raw, graph, predicate))

    place_of, starts, ends = column(S + "place"), column(S + "start"), column(S + "end")
    low, high = start.isoformat(), end.isoformat()
    out = []
    for e, p in place_of.items():
        if p in places:
            first, last = starts.get(e), ends.get(e)
            if first is not None and last is not None and first <= high and last >= low:
                out.append((e, p, date.fromisoformat(first), date.fromisoformat(last)))
    return out
