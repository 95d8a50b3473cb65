"""Incident links: which records of different data sets describe the same incident.

Two records of different data sets (curated, acled, ucdp, and any later one) are
linked when

- their dates meet: the spans they may lie in (a day, ACLED's week, a month)
  come within ``window`` days of each other (default 1);
- their places meet: within ``distance`` km (default 25), or, when one is placed
  only at a region (ACLED geo_precision 3, UCDP where_prec 4-5, a curated region),
  the same first-level region (same country and admin1), or within ``region_km``
  of a curated region's centre; a record placed only at a country never links;
- their kinds are compatible: ``kinds.toml`` (package data) maps curated types,
  ACLED's event and sub-event types and UCDP's type of violence onto shared kinds,
  and the two must share one;
- their resolved actors do not contradict: when both name curated actors, at least
  one of them (or a part, parent or successor of one: skg:partOf, skg:actsFor,
  skg:mergedInto) is in both.

Matching is one-to-one between two data sets, best score first, as MELTT does for
events, except for an *episode* (a curated or UCDP record that spans several days
at day precision, e.g. a siege): it may link to one record per day or more, and its
links say so (``skg:oneToMany true``).

Blocking: a record is compared only with records of the same or the next cells of a
0.25-degree grid (points), or of its region (records placed at a region), whose spans
overlap its own plus the window, found by bisection in lists sorted by day; so
100,000 ACLED rows against 30,000 UCDP rows make tens of comparisons per row, not
3 billion in all.

Each link is a node in the named graph ``.../graph/links``::

    link:1f0c... a skg:IncidentLink ; skg:linkFrom <ucdp event> ; skg:linkTo <acled event> ;
        skg:linkRule "same-day+within-distance" ; skg:linkScore 0.93 ; skg:dayGap 0 ;
        skg:distanceKm 4.2 .
    <ucdp event> skg:sameIncident <acled event> .   (and back)

``link()`` (``kg link``) recomputes every link; ``after_import`` (run by every
import before its switch) removes the links of the rows it replaced or dropped and
links only the new rows against everything else.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
import tomllib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.ask.records import (
    LINK_NS,
    LINKS_GRAPH,
    EventRecord,
    Link,
    dataset_of,
    families,
    read_events,
    read_links,
)
from kg.errors import DataError, Problem, UsageError
from kg.graph import namespaces as ns
from kg.store.names import normalise

KINDS_FILE = Path(__file__).with_name("kinds.toml")
CELL = 0.25  # degrees of the blocking grid (about 28 km north-south)
S = ns.SKG
LINKS_NODE = ns.DATASET + "links"


@dataclass(frozen=True)
class Options:
    """How close two records must be to link (the options of ``kg link``)."""

    window: int = 1  # days between their spans
    distance: float = 25.0  # km between their places
    region_km: float = 150.0  # km from a curated region's centre, for a record placed only at a region

    def check(self) -> None:
        if self.window < 0 or self.window > 366:
            raise UsageError(f"--window {self.window}: expected 0 to 366 days")
        if not 0 <= self.distance <= 1000:
            raise UsageError(f"--distance {self.distance}: expected 0 to 1000 km")
        if not 0 <= self.region_km <= 2000:
            raise UsageError(f"--region-km {self.region_km}: expected 0 to 2000 km")


@dataclass
class Report:
    """What a linking run did: records read and compared, links made, types the taxonomy lacks."""

    records: dict[str, int] = field(default_factory=dict)
    new_records: int = 0
    comparisons: int = 0
    links: int = 0
    kept: int = 0
    removed: int = 0
    one_to_many: int = 0
    unplaced: dict[str, int] = field(default_factory=dict)
    unknown_types: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process: the wall time on a machine other processes share is longer
    options: Options = field(default_factory=Options)

    def as_dict(self) -> dict:
        return {
            "records": self.records, "new_records": self.new_records, "comparisons": self.comparisons,
            "links": self.links, "kept": self.kept, "removed": self.removed, "one_to_many": self.one_to_many,
            "unplaced": self.unplaced,
            "unknown_types": [{"type": k, "records": n} for k, n in sorted(self.unknown_types.items())],
            "seconds": round(self.seconds, 2), "cpu_seconds": round(self.cpu_seconds, 2),
            "options": {"window": self.options.window, "distance": self.options.distance,
                        "region_km": self.options.region_km},
        }


# -- the taxonomy ------------------------------------------------------------------

_kinds_cache: dict[Path, dict[str, dict[str, tuple[str, ...]]]] = {}


def load_kinds(path: Path = KINDS_FILE) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{"acled": {"armedclash": ("fighting",), ...}, "ucdp": {...}, "curated": {...}}``, keyed by
    normalised type; the first kind of each is its primary one."""
    if path in _kinds_cache:
        return _kinds_cache[path]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataError([Problem(path.name, 0, None, f"cannot read the taxonomy of kinds: {e}")]) from None
    table: dict[str, dict[str, frozenset[str]]] = {}
    for dataset, types in raw.items():
        if not isinstance(types, dict):
            raise DataError([Problem(path.name, 0, None, f"[{dataset}] must be a table of type = [kinds]")])
        for key, kinds in types.items():
            if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
                raise DataError([Problem(path.name, 0, None, f"[{dataset}] {key!r}: expected a list of kinds")])
        table[dataset] = {normalise(k): tuple(v) for k, v in types.items()}
    _kinds_cache[path] = table
    return table


def kinds_of(record: EventRecord, table: dict[str, dict[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """The shared kinds of a record's type, primary first (empty when the taxonomy lacks it)."""
    return table.get(record.dataset, {}).get(normalise(record.type_key), ())


# -- actors ------------------------------------------------------------------------

def _curated_actors(record: EventRecord) -> frozenset[str]:
    return frozenset(a for a in record.actors if a.startswith(ns.ACTOR))


# -- comparing two records -----------------------------------------------------------

_ADMIN_WORDS = frozenset({"region", "province", "department", "departement", "prefecture", "state", "cercle"})


def admin_key(name: str) -> str:
    """ACLED's "Tillaberi" and UCDP's "Tillabéri region" as one key."""
    words = re.split(r"[\s\-_/]+", name)
    return "".join(key for key in map(normalise, words) if key and key not in _ADMIN_WORDS)


def is_episode(r: EventRecord) -> bool:
    """A record of several days at day precision (a siege, a UCDP event over days): it may
    match one record per day of the other data set. ACLED codes one day per event
    (its "week" precision is an uncertainty, not a span), so none of its rows is one."""
    return r.dataset != "acled" and r.precision == "Day" and r.end > r.start


@dataclass(slots=True)
class _Prepared:
    """A record with what comparing it needs, computed once: day numbers, coordinates in
    radians, the log of its toll, its kinds, actors and region."""

    r: EventRecord
    kinds: frozenset[str]
    primary: str  # the first kind kinds.toml gives the type
    actors: frozenset[str]
    family: frozenset[str]
    region: tuple[str, str] | None
    episode: bool
    point: bool
    first: int  # day numbers (date.toordinal) of its span
    last: int
    lat: float  # radians
    lon: float
    cos_lat: float
    log_toll: float | None
    short: bool  # a single day


def _prepare(records: Iterable[EventRecord], table, fams, report: Report) -> list[_Prepared]:
    out = []
    for r in records:
        kinds = kinds_of(r, table)
        if not kinds:
            key = f"{r.dataset}: {r.type_key}"
            report.unknown_types[key] = report.unknown_types.get(key, 0) + 1
            continue
        if r.lat is None or r.lon is None or r.place_precision == "country":
            report.unplaced[r.dataset] = report.unplaced.get(r.dataset, 0) + 1
            continue
        actors = _curated_actors(r)
        family = frozenset().union(*(fams.get(a, (a,)) for a in actors)) if actors else frozenset()
        region = (r.country, admin_key(r.admin1)) if r.admin1 else None
        lat = math.radians(r.lat)
        out.append(_Prepared(
            r, frozenset(kinds), kinds[0], actors, family, region, is_episode(r), r.place_precision == "point",
            r.start.toordinal(), r.end.toordinal(), lat, math.radians(r.lon), math.cos(lat),
            math.log1p(r.fatalities) if r.fatalities is not None else None, r.start == r.end))
    return out


_LOG10 = math.log(10)


def _score(x: _Prepared, y: _Prepared, opt: Options, distance: float, window: int) -> float:
    """The score of two records, or -1.0 when they cannot be one incident: the hot loop of
    linking (millions of calls at 100,000 rows), so no strings, tuples or rounding here."""
    gap = y.first - x.last
    if x.first - y.last > gap:
        gap = x.first - y.last
    if gap > window:
        return -1.0
    if gap < 0:
        gap = 0
    if x.kinds.isdisjoint(y.kinds):
        return -1.0
    if x.actors and y.actors:
        if x.family.isdisjoint(y.actors) and y.family.isdisjoint(x.actors):
            return -1.0  # the actors contradict each other
        shared = len(x.actors & y.actors)  # the same actors named score highest, kin (a part, a parent) less
        actor_score = 0.6 + 0.4 * shared / len(x.actors | y.actors) if shared else 0.6
    else:
        actor_score = 0.5
    h = math.sin((y.lat - x.lat) / 2) ** 2 + x.cos_lat * y.cos_lat * math.sin((y.lon - x.lon) / 2) ** 2
    km = 12742.0 * math.asin(math.sqrt(h) if h < 1.0 else 1.0)  # haversine
    if x.point and y.point:
        if km > distance:
            return -1.0
        place_score = 1.0 - 0.7 * km / distance if distance > 0 else 1.0
    elif x.region is not None and y.region is not None:
        if x.region != y.region:
            return -1.0
        place_score = 0.5
    elif km <= opt.region_km and x.r.country == y.r.country:  # a curated region has no admin1: its centre
        place_score = 0.4
    else:
        return -1.0
    time_score = 1.0 - 0.5 * gap / (window + 1)
    if not (x.short and y.short):
        time_score *= 0.85
    if x.log_toll is not None and y.log_toll is not None:  # tolls within a factor of ten score above 0
        toll_score = 1.0 - abs(x.log_toll - y.log_toll) / _LOG10
        if toll_score < 0.0:
            toll_score = 0.0
    else:
        toll_score = 0.5
    # an attack on civilians is one-sided violence first: the primary kinds agree
    kind_score = 1.0 if x.primary == y.primary else 0.5
    return 0.25 * time_score + 0.3 * place_score + 0.2 * actor_score + 0.15 * kind_score + 0.1 * toll_score


def compare(x: _Prepared, y: _Prepared, opt: Options) -> tuple[float, str, int, float | None] | None:
    """(score, rule, day gap, km) when the two records may be one incident, else None."""
    score = _score(x, y, opt, opt.distance, opt.window)
    if score < 0:
        return None
    gap = max(0, y.first - x.last, x.first - y.last)
    h = math.sin((y.lat - x.lat) / 2) ** 2 + x.cos_lat * y.cos_lat * math.sin((y.lon - x.lon) / 2) ** 2
    km = 12742.0 * math.asin(min(1.0, math.sqrt(h)))
    if x.point and y.point:
        place_rule = "within-distance"
    elif x.region is not None and y.region is not None:
        place_rule = "same-region"
    else:
        place_rule = "near-region"
    short = x.short and y.short
    time_rule = "episode" if (x.episode or y.episode) else "same-day" if (gap == 0 and short) else "within-window"
    return round(score, 3), f"{time_rule}+{place_rule}", gap, round(km, 1)


class _Spans:
    """Records sorted by their first day, to find those overlapping a span by bisection:
    a record of ``first`` overlaps [lo, hi] when lo - longest <= first <= hi and last >= lo."""

    __slots__ = ("firsts", "items", "longest")

    def __init__(self, items: list[_Prepared]):
        items.sort(key=lambda p: p.first)
        self.items = items
        self.firsts = [p.first for p in items]
        self.longest = max((p.last - p.first for p in items), default=0)

    def overlapping(self, lo: int, hi: int, out: list[_Prepared]) -> None:
        items = self.items
        for k in range(bisect_left(self.firsts, lo - self.longest), bisect_right(self.firsts, hi)):
            p = items[k]
            if p.last >= lo:
                out.append(p)


def _spans(groups: dict) -> dict:
    """Each group split into records of up to a week and longer ones (so that the few long
    records do not widen every search), as _Spans."""
    out = {}
    for key, items in groups.items():
        short = [p for p in items if p.last - p.first <= 7]
        long = [p for p in items if p.last - p.first > 7]
        out[key] = tuple(_Spans(part) for part in (short, long) if part)
    return out


class _Index:
    """The records of one data set, each in one place: points by grid cell, records placed
    at a region by region, records without a first-level region (curated places) apart;
    within each, sorted by their first day. No record is met twice in one search."""

    def __init__(self, records: list[_Prepared]):
        cells: dict[tuple[int, int], list[_Prepared]] = defaultdict(list)
        regions: dict[tuple[str, str], list[_Prepared]] = defaultdict(list)  # points and regions, with admin1
        coarse: dict[tuple[str, str], list[_Prepared]] = defaultdict(list)  # placed only at the region
        loose: list[_Prepared] = []  # no admin1: curated places
        loose_coarse: list[_Prepared] = []
        self.all = _Spans(list(records))
        for p in records:
            if p.point:
                cells[(math.floor(p.r.lon / CELL), math.floor(p.r.lat / CELL))].append(p)
            if p.region is not None:
                regions[p.region].append(p)
                if not p.point:
                    coarse[p.region].append(p)
            else:
                loose.append(p)
                if not p.point:
                    loose_coarse.append(p)
        self.cells, self.regions, self.coarse = _spans(cells), _spans(regions), _spans(coarse)
        self.loose, self.loose_coarse = _Spans(loose), _Spans(loose_coarse)

    def candidates(self, x: _Prepared, opt: Options) -> list[_Prepared]:
        lo, hi = x.first - opt.window, x.last + opt.window
        out: list[_Prepared] = []
        if x.region is None and not x.point:  # a curated region: anything near its centre
            self.all.overlapping(lo, hi, out)
            return out
        if x.point:
            r = x.r
            ny = math.ceil(opt.distance / (110.57 * CELL))
            nx = math.ceil(opt.distance / (111.32 * CELL * max(x.cos_lat, 0.05)))
            cx, cy = math.floor(r.lon / CELL), math.floor(r.lat / CELL)
            cells = self.cells
            for dx in range(-nx, nx + 1):
                for dy in range(-ny, ny + 1):
                    for spans in cells.get((cx + dx, cy + dy), ()):
                        spans.overlapping(lo, hi, out)
            if x.region is not None:
                for spans in self.coarse.get(x.region, ()):
                    spans.overlapping(lo, hi, out)
            else:  # a curated point: records placed at a region near it
                for spans in self.coarse.values():
                    for s in spans:
                        s.overlapping(lo, hi, out)
            self.loose_coarse.overlapping(lo, hi, out)
        else:  # placed at a region: every record of the region, and the curated ones
            for spans in self.regions.get(x.region, ()):
                spans.overlapping(lo, hi, out)
            self.loose.overlapping(lo, hi, out)
        return out


def match(new: list[EventRecord], others: list[EventRecord], opt: Options, *, store_families=None,
          kept: Iterable[Link] = (), table=None, report: Report | None = None) -> list[Link]:
    """The links of ``new`` records to ``others`` of other data sets (and to each other, across
    data sets), one-to-one per pair of data sets best score first, episodes one-to-many;
    ``kept`` links already hold their records' places."""
    report = report or Report(options=opt)
    table = table or load_kinds()
    fams = store_families or {}
    new_p = _prepare(new, table, fams, report)
    other_p = _prepare(others, table, fams, report)
    by_set: dict[str, list[_Prepared]] = defaultdict(list)
    for p in other_p:
        by_set[p.r.dataset].append(p)
    new_by_set: dict[str, list[_Prepared]] = defaultdict(list)
    for p in new_p:
        new_by_set[p.r.dataset].append(p)
    # every record numbered in IRI order: ties of score fall to the smaller IRIs, whatever the input order
    everyone = sorted(new_p + other_p, key=lambda p: p.r.iri)
    rank = {id(p): k for k, p in enumerate(everyone)}
    indexes = {d: _Index(ps) for d, ps in by_set.items()}
    new_indexes: dict[str, _Index] = {}
    candidates: list[tuple[float, int, int]] = []  # (-score, rank of x, rank of y): sorted natively
    comparisons = 0
    distance, window = opt.distance, opt.window
    sets = sorted(new_by_set)
    for i, d in enumerate(sets):
        targets = [indexes[o] for o in indexes if o != d]
        targets += [new_indexes.setdefault(o, _Index(new_by_set[o])) for o in sets[i + 1:]]
        for x in new_by_set[d]:
            rx = rank[id(x)]
            for index in targets:
                found_here = index.candidates(x, opt)
                comparisons += len(found_here)
                for y in found_here:
                    score = _score(x, y, opt, distance, window)
                    if score >= 0:
                        candidates.append((-round(score, 3), rx, rank[id(y)]))
    candidates.sort()
    taken: set[tuple[str, str]] = set()  # (record, other data set) whose one-to-one place is taken
    for link in kept:
        taken.add((link.a, dataset_of(link.b)))
        taken.add((link.b, dataset_of(link.a)))
    out = []
    for _neg, rx, ry in candidates:
        x, y = everyone[rx], everyone[ry]
        kx, ky = (x.r.iri, y.r.dataset), (y.r.iri, x.r.dataset)
        if (not x.episode and kx in taken) or (not y.episode and ky in taken):
            continue
        taken.add(kx)
        taken.add(ky)
        score, rule, gap, km = compare(x, y, opt)
        a, b = sorted((x.r.iri, y.r.iri))
        out.append(Link(a, b, rule, score, gap, km, x.episode or y.episode))
    report.comparisons += comparisons
    report.new_records += len(new)
    report.links += len(out)
    report.one_to_many += sum(1 for link in out if link.one_to_many)
    return out


# -- the named graph ---------------------------------------------------------------------

def link_iri(link: Link) -> str:
    return LINK_NS + hashlib.sha1(f"{link.a}|{link.b}".encode()).hexdigest()[:20]


def link_nquads(links: Iterable[Link]) -> str:
    g = f" <{LINKS_GRAPH}> .\n"
    out = []
    for link in links:
        n = f"<{link_iri(link)}>"
        out.append(
            f"{n} <{ns.RDF}type> <{S}IncidentLink>{g}{n} <{S}linkFrom> <{link.a}>{g}{n} <{S}linkTo> <{link.b}>{g}"
            f'{n} <{S}linkRule> "{link.rule}"{g}{n} <{S}linkScore> "{link.score}"^^<{ns.XSD}decimal>{g}'
            f'{n} <{S}dayGap> "{link.day_gap}"^^<{ns.XSD}integer>{g}'
            f"<{link.a}> <{S}sameIncident> <{link.b}>{g}<{link.b}> <{S}sameIncident> <{link.a}>{g}"
        )
        if link.km is not None:
            out.append(f'{n} <{S}distanceKm> "{link.km}"^^<{ns.XSD}decimal>{g}')
        if link.one_to_many:
            out.append(f'{n} <{S}oneToMany> "true"^^<{ns.XSD}boolean>{g}')
    return "".join(out)


def options_nquads(opt: Options, report: Report) -> str:
    g = f" <{LINKS_GRAPH}> .\n"
    d = f"<{LINKS_NODE}>"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    stamp = stamp[:-2] + ":" + stamp[-2:]
    return (
        f"{d} <{ns.RDF}type> <{S}IncidentLinkSet>{g}{d} <{ns.RDFS}label> \"Incident links between data sets\"{g}"
        f'{d} <{S}linkWindowDays> "{opt.window}"^^<{ns.XSD}integer>{g}'
        f'{d} <{S}linkDistanceKm> "{opt.distance}"^^<{ns.XSD}decimal>{g}'
        f'{d} <{S}linkRegionKm> "{opt.region_km}"^^<{ns.XSD}decimal>{g}'
        f'{d} <{ns.PROV}generatedAtTime> "{stamp}"^^<{ns.XSD}dateTime>{g}'
    )


def stored_options(store) -> Options:
    """The options the links were last made with (the defaults when never)."""
    if LINKS_GRAPH not in store.graphs():
        return Options()
    rows = store.select(
        f"SELECT ?w ?d ?r WHERE {{ GRAPH <{LINKS_GRAPH}> {{ <{LINKS_NODE}> <{S}linkWindowDays> ?w ; "
        f"<{S}linkDistanceKm> ?d ; <{S}linkRegionKm> ?r }} }}")
    if not rows:
        return Options()
    return Options(int(rows[0]["w"]), float(rows[0]["d"]), float(rows[0]["r"]))


def compute(store, opt: Options | None = None) -> tuple[list[Link], Report]:
    """Every link among the records ``store`` holds (a wrapped store: ``select``, ``graphs``)."""
    started, cpu = time.monotonic(), time.process_time()
    opt = opt or Options()
    opt.check()
    report = Report(options=opt)
    records = read_events(store)
    for r in records:
        report.records[r.dataset] = report.records.get(r.dataset, 0) + 1
    links = match(records, [], opt, store_families=families(store), report=report)
    report.seconds, report.cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    return links, report


def link(data_dir: Path | None = None, *, window: int = 1, distance: float = 25.0, region_km: float = 150.0,
         wait: bool = True) -> dict:
    """``kg link``: recompute every incident link with these options and switch the store to
    the result (atomically, like an import); returns the report."""
    import pyoxigraph as ox

    from kg.store import cache
    from kg.store import staging as stores

    opt = Options(window, distance, region_km)
    opt.check()
    with stores.import_lock("kg link", wait=wait):
        live = cache.open_store(data_dir)
        links, report = compute(live, opt)
        # a checkpoint of the live store (its files hard-linked, not copied), without the old links
        with stores.Staging(live.store) as stage:
            del live
            graph = ox.NamedNode(LINKS_GRAPH)
            if graph in set(stage.store.named_graphs()):
                stage.store.remove_graph(graph)
            stage.store.bulk_load((link_nquads(links) + options_nquads(opt, report)).encode(),
                                  format=ox.RdfFormat.N_QUADS)
            stage.commit()
    return report.as_dict()


def after_import(raw_store, dataset: str, new_events: set[str]) -> Report:
    """Relink after an import, in its staging store: drop the links of replaced or vanished
    records, then link only ``new_events`` (the rows of the new files) against the rest,
    with the options of the last ``kg link``."""
    import pyoxigraph as ox

    from kg.store.embedded import OxigraphStore

    started, cpu = time.monotonic(), time.process_time()
    store = OxigraphStore.wrapping(raw_store)
    opt = stored_options(store)
    report = Report(options=opt)
    records = read_events(store)
    present = {r.iri for r in records}
    for r in records:
        report.records[r.dataset] = report.records.get(r.dataset, 0) + 1
    old = read_links(store)
    stale = [k for k in old if k.a in new_events or k.b in new_events or k.a not in present or k.b not in present]
    kept = [k for k in old if k not in set(stale)] if stale else old
    if stale:
        g = ox.NamedNode(LINKS_GRAPH)
        for k in stale:
            node = ox.NamedNode(link_iri(k))
            for q in list(raw_store.quads_for_pattern(node, None, None, g)):
                raw_store.remove(q)
            for s, o in ((k.a, k.b), (k.b, k.a)):
                raw_store.remove(ox.Quad(ox.NamedNode(s), ox.NamedNode(S + "sameIncident"), ox.NamedNode(o), g))
    new = [r for r in records if r.iri in new_events]
    others = [r for r in records if r.iri not in new_events]
    links = match(new, others, opt, store_families=families(store), kept=kept, report=report)
    text = link_nquads(links)
    if text and LINKS_GRAPH not in store.graphs():  # the graph comes with the first link
        text += options_nquads(opt, report)
        text += f"<{LINKS_NODE}> <{S}madeByImport> \"true\"^^<{ns.XSD}boolean> <{LINKS_GRAPH}> .\n"
    if text:
        raw_store.bulk_load(text.encode(), format=ox.RdfFormat.N_QUADS)
    report.kept, report.removed = len(kept), len(stale)
    report.seconds, report.cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    return report


def prune(raw_store) -> int:
    """Remove the links whose records are gone (after ``kg drop``); returns how many."""
    import pyoxigraph as ox

    from kg.store.embedded import OxigraphStore

    store = OxigraphStore.wrapping(raw_store)
    old = read_links(store)
    g = ox.NamedNode(LINKS_GRAPH)
    if not old:  # no links to prune: a links graph of options alone (kg link) stays as the user made it
        return 0
    present = {str(r["e"]) for r in store.select(
        f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?e <{S}start> ?s }} FILTER(?g != <{LINKS_GRAPH}>) }}")}
    stale = [k for k in old if k.a not in present or k.b not in present]
    for k in stale:
        for q in list(raw_store.quads_for_pattern(ox.NamedNode(link_iri(k)), None, None, g)):
            raw_store.remove(q)
        for s, o in ((k.a, k.b), (k.b, k.a)):
            raw_store.remove(ox.Quad(ox.NamedNode(s), ox.NamedNode(S + "sameIncident"), ox.NamedNode(o), g))
    if stale:
        _drop_if_empty(raw_store, g, remaining=len(old) - len(stale))
    return len(stale)


def _drop_if_empty(raw_store, graph, remaining: int) -> None:
    """The links graph goes when a drop removes its last link, if an import made it (it came
    with the first link): a drop of every imported data set leaves the store as it was
    before the imports. One that ``kg link`` wrote keeps its options."""
    import pyoxigraph as ox

    made_by_import = any(True for _ in raw_store.quads_for_pattern(
        ox.NamedNode(LINKS_NODE), ox.NamedNode(S + "madeByImport"), None, graph))
    if remaining == 0 and made_by_import:  # options a user set with kg link stay
        raw_store.remove_graph(graph)


__all__ = ["Options", "Report", "after_import", "compare", "compute", "link", "load_kinds", "match", "prune"]
