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

import functools
import hashlib
import math
import re
import time
import tomllib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kg.ask.records import (
    BY_EVENT_MAX,
    DATASETS,
    LINK_NS,
    LINKS_GRAPH,
    EventRecord,
    Link,
    dataset_of,
    every_record,
    families,
    links_column,
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
    written: int = 0  # links loaded into the store (kg link writes only those that changed)
    one_to_many: int = 0
    unplaced: dict[str, int] = field(default_factory=dict)
    unknown_types: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process: the wall time on a machine other processes share is longer
    options: Options = field(default_factory=Options)

    def as_dict(self) -> dict:
        return {
            "records": self.records, "new_records": self.new_records, "comparisons": self.comparisons,
            "links": self.links, "kept": self.kept, "removed": self.removed, "written": self.written,
            "one_to_many": self.one_to_many,
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


@functools.lru_cache(maxsize=65536)
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
    family_of: dict[tuple, tuple[frozenset[str], frozenset[str]]] = {}  # by the record's two sides
    kinds_cache: dict[tuple[str, str], tuple[str, ...]] = {}
    for r in records:
        kinds = kinds_cache.get((r.dataset, r.type_key))
        if kinds is None:
            kinds = kinds_cache[(r.dataset, r.type_key)] = kinds_of(r, table)
        if not kinds:
            key = f"{r.dataset}: {r.type_key}"
            report.unknown_types[key] = report.unknown_types.get(key, 0) + 1
            continue
        if r.lat is None or r.lon is None or r.place_precision == "country":
            report.unplaced[r.dataset] = report.unplaced.get(r.dataset, 0) + 1
            continue
        sides = (r.side_a, r.side_b)  # r.actors would make their union for every record
        known = family_of.get(sides)
        if known is None:
            actors = _curated_actors(r)
            family = frozenset().union(*(fams.get(a, (a,)) for a in actors)) if actors else frozenset()
            known = family_of[sides] = (actors, family)
        actors, family = known
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
    return round(score, 3), _rule(x, y, gap), gap, _km(x, y)


# -- blocking and scoring, vectorised -----------------------------------------------------

_W = 4096  # cells per row of the grid's key (longitudes -180..180 span 1,440 cells)
_BIG = 1 << 23  # days per key in the sorted (key, first day) order: past any span of dates


class _Arrays:
    """The prepared records as numpy columns (one row per record, in IRI order), what the
    vectorised blocking and scoring read."""

    def __init__(self, records: list[_Prepared], new: list[bool], fams):
        import numpy as np

        n = len(records)
        sets = sorted({p.r.dataset for p in records})
        self.sets = sets
        ds_index = {d: i for i, d in enumerate(sets)}
        kind_bit: dict[str, int] = {}
        actor_id: dict[frozenset[str], int] = {frozenset(): 0}
        region_id: dict[tuple[str, str], int] = {}
        country_id: dict[str, int] = {}
        cols = {name: [0] * n for name in ("ds", "first", "last", "kinds", "primary", "actors", "region",
                                             "country")}
        flo = {name: [0.0] * n for name in ("lat", "lon", "cos", "toll", "deg_lat", "deg_lon")}
        flags = {name: [False] * n for name in ("point", "episode", "short")}
        for k, p in enumerate(records):
            cols["ds"][k] = ds_index[p.r.dataset]
            cols["first"][k], cols["last"][k] = p.first, p.last
            mask = 0
            for kind in p.kinds:
                mask |= 1 << kind_bit.setdefault(kind, len(kind_bit))
            cols["kinds"][k] = mask
            cols["primary"][k] = kind_bit.setdefault(p.primary, len(kind_bit))
            cols["actors"][k] = actor_id.setdefault(p.actors, len(actor_id))
            cols["region"][k] = -1 if p.region is None else region_id.setdefault(p.region, len(region_id))
            cols["country"][k] = country_id.setdefault(p.r.country, len(country_id))
            flo["lat"][k], flo["lon"][k], flo["cos"][k] = p.lat, p.lon, p.cos_lat
            flo["deg_lat"][k], flo["deg_lon"][k] = p.r.lat, p.r.lon
            flo["toll"][k] = math.nan if p.log_toll is None else p.log_toll
            flags["point"][k], flags["episode"][k], flags["short"][k] = p.point, p.episode, p.short
        if len(kind_bit) > 62:
            raise DataError([Problem(KINDS_FILE.name, 0, None, f"{len(kind_bit)} kinds: at most 62 are supported")])
        for name, values in cols.items():
            setattr(self, name, np.array(values, dtype=np.int64))
        for name, values in flo.items():
            setattr(self, name, np.array(values, dtype=np.float64))
        for name, values in flags.items():
            setattr(self, name, np.array(values, dtype=bool))
        self.new = np.array(new, dtype=bool)
        self.actor_sets = list(actor_id)  # by id
        families_of = [frozenset().union(*(fams.get(a, (a,)) for a in s)) if s else frozenset()
                       for s in self.actor_sets]
        self.actor_families = families_of
        self.cx = np.floor(self.deg_lon / CELL).astype(np.int64)
        self.cy = np.floor(self.deg_lat / CELL).astype(np.int64)


def _expand(left, right):
    """For ranges [left, right) of a sorted array: (the query each hit belongs to, the positions hit)."""
    import numpy as np

    counts = right - left
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(left)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(total) - np.repeat(starts, counts) + np.repeat(left, counts)
    return owner, pos


def _join(a: _Arrays, q, qkey, t, tkey, window: int):
    """The pairs (query record, target record) whose keys are equal and whose spans come
    within ``window`` days: targets sorted by (key, first day), each query's range found by
    bisection (np.searchsorted); targets grouped by the length of their span (0, 1-7, 8-31,
    32-127, 128 days or more: a day, ACLED's week, a month, UCDP's longer events), so that a
    search reaches back only as far as the longest of its group (with two groups, up to a week
    and longer, records were met by ten times as many candidates as the dates keep: 28.8M for
    2.7M at 100k x 30k; 3.6M now)."""
    import numpy as np

    out_i, out_j = [], []
    if len(q) == 0 or len(t) == 0:
        return out_i, out_j
    span = a.last[t] - a.first[t]
    base = int(a.first.min()) - window - int(span.max()) - 1
    group = np.zeros(len(span), dtype=np.int64)
    longer = span > 0
    group[longer] = np.searchsorted(np.array([1, 8, 32, 128]), span[longer], "right")
    for g in np.flatnonzero(np.bincount(group)).tolist():  # the groups present (np.unique imports numpy.ma)
        part = group == g
        tt, tk = t[part], tkey[part]
        if len(tt) == 0:
            continue
        longest = int((a.last[tt] - a.first[tt]).max())
        order = np.lexsort((a.first[tt], tk))
        tt, comb = tt[order], tk[order] * _BIG + (a.first[tt[order]] - base)
        lo = a.first[q] - window
        hi = a.last[q] + window
        left = np.searchsorted(comb, qkey * _BIG + (lo - longest - base), "left")
        right = np.searchsorted(comb, qkey * _BIG + (hi - base), "right")
        owner, pos = _expand(left, right)
        i, j = q[owner], tt[pos]
        keep = a.last[j] >= lo[owner]
        out_i.append(i[keep])
        out_j.append(j[keep])
    return out_i, out_j


def _candidates(a: _Arrays, opt: Options):
    """Every pair of records of different data sets, at least one of them new, that may be one
    incident (a superset: the scoring decides), as two index arrays (x, y): x the new record
    (of the two new ones, the one of the earlier data set). Points meet points in the same or
    the next cells of a 0.25-degree grid; a record placed at a region meets the records of its
    region; a record without a first-level region (a curated place) meets every placed record
    not both a point; always within the window of dates."""
    import numpy as np

    window = opt.window
    point, has_region = a.point, a.region >= 0
    xs, ys = [], []
    ny = math.ceil(opt.distance / (110.57 * CELL))
    nx_all = np.ceil(opt.distance / (111.32 * CELL * np.maximum(a.cos, 0.05))).astype(np.int64)
    idx = np.arange(len(a.ds))
    for d in range(len(a.sets)):
        query = a.new & (a.ds == d)
        if not query.any():
            continue
        target = (a.ds != d) & (~a.new | (a.ds > d))
        if not target.any():
            continue

        def join(qmask, tmask, qkey=None, tkey=None, query=query, target=target):
            q, t = idx[query & qmask], idx[target & tmask]
            zero_q = np.zeros(len(q), dtype=np.int64) if qkey is None else qkey(q)
            zero_t = np.zeros(len(t), dtype=np.int64) if tkey is None else tkey(t)
            i, j = _join(a, q, zero_q, t, zero_t, window)
            xs.extend(i)
            ys.extend(j)

        # points against points, cell by cell
        q_pts, t_pts = idx[query & point], idx[target & point]
        if len(q_pts) and len(t_pts):
            tkey = (a.cx[t_pts] + _W // 2) * _W + (a.cy[t_pts] + _W // 2)
            for dx in range(-int(nx_all[q_pts].max()), int(nx_all[q_pts].max()) + 1):
                qd = q_pts[nx_all[q_pts] >= abs(dx)]
                for dy in range(-ny, ny + 1):
                    qkey = (a.cx[qd] + dx + _W // 2) * _W + (a.cy[qd] + dy + _W // 2)
                    i, j = _join(a, qd, qkey, t_pts, tkey, window)
                    xs.extend(i)
                    ys.extend(j)
        # placed at a region: the records of that region
        region_key = a.region.__getitem__
        join(~point & has_region, has_region, region_key, region_key)
        join(point & has_region, ~point & has_region, region_key, region_key)
        # no first-level region (curated places), one of the two not a point: by dates alone
        join(~has_region & ~point, np.ones_like(point))
        join(~has_region & point, ~point)
        join(has_region, ~has_region & ~point)
        join(has_region & ~point, ~has_region & point)
    if not xs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(xs), np.concatenate(ys)


def _scores(a: _Arrays, x, y, opt: Options):
    """``_score`` for every pair (x, y) at once: the score, or -1.0 when the two cannot be one
    incident; with the day gaps and kilometres."""
    import numpy as np

    distance, window = opt.distance, opt.window
    gap = np.maximum(a.first[y] - a.last[x], a.first[x] - a.last[y])
    ok = gap <= window
    gap = np.maximum(gap, 0)
    ok &= (a.kinds[x] & a.kinds[y]) != 0
    # actors: per distinct pair of actor sets
    ax, ay = a.actors[x], a.actors[y]
    actor_score = np.full(len(x), 0.5)
    both = ok & (ax > 0) & (ay > 0)
    if both.any():
        code = ax[both] * len(a.actor_sets) + ay[both]
        uniq, inverse = np.unique(code, return_inverse=True)
        values = []
        for c in uniq.tolist():
            i, j = divmod(c, len(a.actor_sets))
            sx, sy = a.actor_sets[i], a.actor_sets[j]
            if a.actor_families[i].isdisjoint(sy) and a.actor_families[j].isdisjoint(sx):
                values.append(-1.0)  # the actors contradict each other
            else:
                shared = len(sx & sy)  # the same actors named score highest, kin (a part, a parent) less
                values.append(0.6 + 0.4 * shared / len(sx | sy) if shared else 0.6)
        got = np.array(values)[inverse.reshape(-1)]
        actor_score[both] = got
        ok[np.flatnonzero(both)[got < 0]] = False
    h = np.sin((a.lat[y] - a.lat[x]) / 2) ** 2 + a.cos[x] * a.cos[y] * np.sin((a.lon[y] - a.lon[x]) / 2) ** 2
    km = 12742.0 * np.arcsin(np.where(h < 1.0, np.sqrt(np.minimum(h, 1.0)), 1.0))  # haversine
    both_points = a.point[x] & a.point[y]
    both_regions = (a.region[x] >= 0) & (a.region[y] >= 0) & ~both_points
    near = ~both_points & ~both_regions
    ok &= ~both_points | (km <= distance)
    ok &= ~both_regions | (a.region[x] == a.region[y])
    ok &= ~near | ((km <= opt.region_km) & (a.country[x] == a.country[y]))
    place_score = np.where(both_points, 1.0 - 0.7 * km / distance if distance > 0 else 1.0,
                           np.where(both_regions, 0.5, 0.4))
    time_score = 1.0 - 0.5 * gap / (window + 1)
    time_score = np.where(a.short[x] & a.short[y], time_score, time_score * 0.85)
    tx, ty = a.toll[x], a.toll[y]
    tolls = ~np.isnan(tx) & ~np.isnan(ty)  # tolls within a factor of ten score above 0
    toll_score = np.where(tolls, np.maximum(1.0 - np.abs(tx - ty) / _LOG10, 0.0), 0.5)
    # an attack on civilians is one-sided violence first: the primary kinds agree
    kind_score = np.where(a.primary[x] == a.primary[y], 1.0, 0.5)
    score = 0.25 * time_score + 0.3 * place_score + 0.2 * actor_score + 0.15 * kind_score + 0.1 * toll_score
    return np.where(ok, score, -1.0), gap, km


def match(new: list[EventRecord], others: list[EventRecord], opt: Options, *, store_families=None,
          kept: Iterable[Link] = (), table=None, report: Report | None = None) -> list[Link]:
    """The links of ``new`` records to ``others`` of other data sets (and to each other, across
    data sets), one-to-one per pair of data sets best score first, episodes one-to-many;
    ``kept`` links already hold their records' places."""
    import numpy as np

    report = report or Report(options=opt)
    table = table or load_kinds()
    fams = store_families or {}
    new_p = _prepare(new, table, fams, report)
    other_p = _prepare(others, table, fams, report)
    report.new_records += len(new)
    # every record numbered in IRI order: ties of score fall to the smaller IRIs, whatever the input order
    tagged = sorted([(p.r.iri, True, p) for p in new_p] + [(p.r.iri, False, p) for p in other_p],
                    key=lambda t: t[0])
    everyone = [p for _iri, _new, p in tagged]
    if not everyone:
        return []
    a = _Arrays(everyone, [is_new for _iri, is_new, _p in tagged], fams)
    x, y = _candidates(a, opt)
    report.comparisons += len(x)
    score, gap, km = _scores(a, x, y, opt)
    keep = score >= 0
    x, y, gap = x[keep], y[keep], gap[keep]
    rounded = _round3(score[keep])
    order = np.lexsort((y, x, -rounded))  # best score first, then the smaller IRIs
    # one-to-one per pair of data sets: each (record, other data set) taken once, but by episodes
    sets = len(a.sets)
    taken: set[int] = set()  # record index * number of data sets + the other data set's index
    kept = list(kept)
    if kept:
        at = {p.r.iri: k for k, p in enumerate(everyone)}
        set_index = {d: i for i, d in enumerate(a.sets)}
        for link in kept:
            for one, other in ((link.a, link.b), (link.b, link.a)):
                if one in at and dataset_of(other) in set_index:
                    taken.add(at[one] * sets + set_index[dataset_of(other)])
    x, y, gap, rounded = x[order], y[order], gap[order], rounded[order]
    kx, ky = x * sets + a.ds[y], y * sets + a.ds[x]
    # what each pair checks: -1 (never taken) for an episode's side, which takes many
    check_x, check_y = np.where(a.episode[x], -1, kx).tolist(), np.where(a.episode[y], -1, ky).tolist()
    kxs, kys = kx.tolist(), ky.tolist()
    chosen = []
    for i, (cx, cy) in enumerate(zip(check_x, check_y)):  # best first: the greedy one-to-one
        if cx in taken or cy in taken:
            continue
        taken.add(kxs[i])
        taken.add(kys[i])
        chosen.append(i)
    out = []
    many = (a.episode[x[chosen]] | a.episode[y[chosen]]).tolist()
    for rx, ry, day_gap, s, one_to_many in zip(x[chosen].tolist(), y[chosen].tolist(), gap[chosen].tolist(),
                                               rounded[chosen].tolist(), many):
        px, py = everyone[rx], everyone[ry]
        first, second = sorted((px.r.iri, py.r.iri))
        out.append(Link(first, second, _rule(px, py, day_gap), s, day_gap, _km(px, py), one_to_many))
    report.links += len(out)
    report.one_to_many += sum(1 for link in out if link.one_to_many)
    return out


def _round3(values):
    """``round(v, 3)`` of each value, as Python rounds (numpy's round differs where v * 1000 lies
    at a half, so those few are rounded by Python)."""
    import numpy as np

    out = np.round(values, 3)
    scaled = values * 1000
    near = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if near.any():
        out[near] = [round(v, 3) for v in values[near].tolist()]
    return out


def _km(x: _Prepared, y: _Prepared) -> float:
    h = math.sin((y.lat - x.lat) / 2) ** 2 + x.cos_lat * y.cos_lat * math.sin((y.lon - x.lon) / 2) ** 2
    return round(12742.0 * math.asin(min(1.0, math.sqrt(h))), 1)


def _rule(x: _Prepared, y: _Prepared, gap: int) -> str:
    if x.point and y.point:
        place_rule = "within-distance"
    elif x.region is not None and y.region is not None:
        place_rule = "same-region"
    else:
        place_rule = "near-region"
    short = x.short and y.short
    time_rule = "episode" if (x.episode or y.episode) else "same-day" if (gap == 0 and short) else "within-window"
    return f"{time_rule}+{place_rule}"


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
    records = every_record(store)
    counts: dict[str, int] = {}
    for r in records:
        counts[r.dataset] = counts.get(r.dataset, 0) + 1
    report.records = {d: counts[d] for d in sorted(counts, key=lambda d: (d not in DATASETS, DATASETS.index(d)
                                                                         if d in DATASETS else 0, d))}
    links = match(records, [], opt, store_families=families(store), report=report)
    report.seconds, report.cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    return links, report


def link(data_dir: Path | None = None, *, window: int = 1, distance: float = 25.0, region_km: float = 150.0,
         wait: bool = True) -> dict:
    """``kg link``: recompute every incident link with these options and switch the store to
    the result (atomically, like an import); returns the report. Only the links that changed
    are written: the store's others stay as they are (removing and loading 70,000 links again
    cost more than all the matching)."""
    import pyoxigraph as ox

    from kg.store import cache
    from kg.store import staging as stores

    opt = Options(window, distance, region_km)
    opt.check()
    with stores.import_lock("kg link", wait=wait):
        live = cache.open_store(data_dir)
        started, cpu = time.monotonic(), time.process_time()
        links, report = compute(live, opt)
        stored = _stored_links(live.store, links) if getattr(live, "name", None) == "oxigraph" else None
        old = set(read_links(live) if stored is None else stored)
        new = set(links)
        stale, fresh = old - new, new - old
        # a checkpoint of the live store (its files hard-linked, not copied), with only the changes
        with stores.Staging(live.store) as stage:
            del live
            raw = stage.store
            graph = ox.NamedNode(LINKS_GRAPH)
            if len(stale) > len(old) // 2:  # mostly new links (other options): the whole graph again
                if graph in set(raw.named_graphs()):
                    raw.remove_graph(graph)
                fresh = new
            else:
                _remove_links(raw, stale)
                for q in list(raw.quads_for_pattern(ox.NamedNode(LINKS_NODE), None, None, graph)):
                    raw.remove(q)
            raw.bulk_load((link_nquads(sorted(fresh, key=lambda k: (k.a, k.b))) + options_nquads(opt, report)).encode(),
                          format=ox.RdfFormat.N_QUADS)
            report.kept, report.removed = len(old & new), len(stale)
            report.written = len(fresh)
            report.seconds, report.cpu_seconds = time.monotonic() - started, time.process_time() - cpu
            stage.commit()
    return report.as_dict()


def _stored_links(raw_store, new: Iterable[Link]) -> list[Link] | None:
    """The links the store holds, as ``read_links`` reads them (in another order), for ``kg link``
    to compare with the ``new`` ones: one query grouped by link node, which writes each node's IRI
    once and no record's IRI (a read per predicate wrote 10 IRIs per link: 2.8 s for 72,000).
    A link's node is named by its two records (``link_iri``: a hash of them; two pairs of one
    name would already share one node's facts in the graph), so a node named as one of ``new``
    links that link's records; the records of the other nodes are read node by node. None
    (read them with ``read_links``) when a node holds two values of one fact, or when there are
    thousands of other nodes (other options: every link is new)."""
    import csv
    import io

    import pyoxigraph as ox

    graph = ox.NamedNode(LINKS_GRAPH)
    rules = [row[0] for row in raw_store.query(
        f"SELECT DISTINCT ?o WHERE {{ GRAPH <{LINKS_GRAPH}> {{ ?l <{S}linkRule> ?o }} }}")]
    if any(isinstance(o, ox.BlankNode) for o in rules):
        return None
    rule_text = [o.value for o in rules]
    branches = [f'{{ ?l <{S}linkFrom> ?x BIND("a" AS ?v) }}', f'{{ ?l <{S}linkTo> ?x BIND("b" AS ?v) }}']
    if rules:
        values = " ".join(f'({o} "r{i}")' for i, o in enumerate(rules))
        branches.append(f"{{ VALUES (?x ?v) {{ {values} }} ?l <{S}linkRule> ?x }}")
    for tag, predicate in (("s", "linkScore"), ("g", "dayGap"), ("k", "distanceKm"), ("m", "oneToMany")):
        branches.append(f'{{ ?l <{S}{predicate}> ?x BIND(CONCAT("{tag}", STR(?x)) AS ?v) }}')
    text = raw_store.query(f"SELECT ?l (GROUP_CONCAT(?v) AS ?vs) WHERE {{ GRAPH <{LINKS_GRAPH}> {{ "
                           f"{' UNION '.join(branches)} }} }} GROUP BY ?l").serialize(format=ox.QueryResultsFormat.CSV)
    reader = csv.reader(io.StringIO(text.decode("utf-8")))
    next(reader, None)
    by_node = {link_iri(k): k for k in new}
    out: list[Link] = []
    others: list[tuple[str, tuple]] = []
    for node, vs in reader:
        got: dict[str, str] = {}
        for token in vs.split(" "):
            if token[0] in got:
                return None
            got[token[0]] = token[1:]
        if not {"a", "b", "r", "s", "g"} <= got.keys():  # not a whole link: read_links skips it too
            continue
        fields = (rule_text[int(got["r"])], float(got["s"]), int(got["g"]),
                  float(got["k"]) if "k" in got else None, got.get("m") in ("true", "1"))
        k = by_node.get(node)
        if k is not None:
            out.append(Link(k.a, k.b, *fields))
        else:
            others.append((node, fields))
    if len(others) > BY_EVENT_MAX:
        return None
    ends = [ox.NamedNode(S + "linkFrom"), ox.NamedNode(S + "linkTo")]
    for node, fields in others:
        a, b = (next(raw_store.quads_for_pattern(ox.NamedNode(node), p, None, graph)).object for p in ends)
        if not isinstance(a, ox.NamedNode) or not isinstance(b, ox.NamedNode):
            return None
        out.append(Link(a.value, b.value, *fields))
    return out


def _remove_links(raw_store, links: Iterable[Link]) -> None:
    """Remove these links' quads (their node's and both skg:sameIncident) from the links graph."""
    import pyoxigraph as ox

    g = ox.NamedNode(LINKS_GRAPH)
    same = ox.NamedNode(S + "sameIncident")
    for k in links:
        node = ox.NamedNode(link_iri(k))
        for q in list(raw_store.quads_for_pattern(node, None, None, g)):
            raw_store.remove(q)
        for s, o in ((k.a, k.b), (k.b, k.a)):
            raw_store.remove(ox.Quad(ox.NamedNode(s), same, ox.NamedNode(o), g))


def _link_ends(raw_store) -> list[tuple[str, str, str]]:
    """(link node, record, record) of every link: two single-pattern scans, no join."""
    a, b = links_column(raw_store, S + "linkFrom"), links_column(raw_store, S + "linkTo")
    return [(node, x, b[node]) for node, x in a.items() if node in b]


class _Windows:
    """Day spans, merged: does a span meet one of them (by bisection)?"""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.merged, self.firsts = merged, [m[0] for m in merged]

    def meets(self, first: date, last: date) -> bool:
        k = bisect_right(self.firsts, last.toordinal()) - 1
        return k >= 0 and self.merged[k][1] >= first.toordinal()


def _near(store, new: list[EventRecord], datasets: list[str], opt: Options,
          curated: list[EventRecord] | None = None) -> list[EventRecord]:
    """The records of ``datasets`` whose dates and places can meet one of ``new``: an event
    at a place in the grid cells a new point searches (its own and the next ones), or in the
    region of a new row, within that row's dates plus the window; a place without a region,
    or a new row without one, within any new row's dates. The rest of the store is not read:
    places (thousands) are, then the events at the chosen places within the new rows' first
    and last dates (one query), and only the records that meet are read in full. Curated
    records (a few thousand) are read within the dates."""
    from kg.ask.records import curated_records, events_at, read_places, read_records

    placed = [r for r in new if r.lat is not None and r.lon is not None and r.place_precision != "country"]
    if not placed:
        return []
    lo = min(r.start for r in placed) - timedelta(days=opt.window)
    hi = max(r.end for r in placed) + timedelta(days=opt.window)
    # the blocks the new rows search, each with the day spans of the rows that search it
    blocks: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    ny = math.ceil(opt.distance / (110.57 * CELL))
    for r in placed:
        span = (r.start.toordinal() - opt.window, r.end.toordinal() + opt.window)
        blocks[("any",)].append(span)
        region = (r.country, admin_key(r.admin1)) if r.admin1 else None
        blocks[("region", region) if region else ("everywhere",)].append(span)
        if r.place_precision == "point":
            nx = math.ceil(opt.distance / (111.32 * CELL * max(math.cos(math.radians(r.lat)), 0.05)))
            cx, cy = math.floor(r.lon / CELL), math.floor(r.lat / CELL)
            for dx in range(-nx, nx + 1):
                for dy in range(-ny, ny + 1):
                    blocks[("cell", cx + dx, cy + dy)].append(span)
    windows = {key: _Windows(spans) for key, spans in blocks.items()}
    nowhere = _Windows(())
    everywhere, anyone = windows.get(("everywhere",), nowhere), windows[("any",)]

    def meets(lat, lon, country: str, admin1: str, first: date, last: date) -> bool:
        if everywhere.meets(first, last):
            return True
        if not admin1:  # no region (a curated place): it may meet any new row
            return anyone.meets(first, last)
        if windows.get(("region", (country, admin_key(admin1))), nowhere).meets(first, last):
            return True
        if lat is None or lon is None:
            return False
        cell = ("cell", math.floor(float(lon) / CELL), math.floor(float(lat) / CELL))
        return windows.get(cell, nowhere).meets(first, last)

    if len(placed) > BY_EVENT_MAX:  # a big import: the store read predicate by predicate costs less
        return [r for r in read_events(store, datasets, lo, hi) if meets(r.lat, r.lon, r.country, r.admin1,
                                                                         r.start, r.end)]
    out: list[EventRecord] = []
    for name in datasets:
        if name == "curated":
            every = curated_records(store) if curated is None else curated
            out += [r for r in every if r.end >= lo and r.start <= hi
                    and meets(r.lat, r.lon, r.country, r.admin1, r.start, r.end)]
            continue
        places = read_places(store, name)
        chosen = {p for p, (lat, lon, country, admin1, _label) in places.items()
                  if not admin1 or ("region", (country, admin_key(admin1))) in windows or ("everywhere",) in windows
                  or (lat is not None and lon is not None
                      and ("cell", math.floor(float(lon) / CELL), math.floor(float(lat) / CELL)) in windows)}
        wanted = []
        for e, p, first, last in events_at(store, name, chosen, lo, hi):
            lat, lon, country, admin1, _label = places[p]
            if meets(lat, lon, country, admin1, first, last):
                wanted.append(e)
        out += read_records(store, name, wanted)
    return out


SMALL_LOAD = 1_000_000  # characters of N-Quads written in one transaction rather than bulk-loaded


def after_import(raw_store, dataset: str, new_events: set[str],
                 new_records: list[EventRecord] | None = None,
                 curated: list[EventRecord] | None = None) -> Report:
    """Relink after an import, in its staging store: drop the links of replaced or vanished
    records, then link only ``new_events`` (the rows of the new files) against the records
    whose dates and places can meet them, with the options of the last ``kg link``. The
    records of the store elsewhere and at other times are not read. ``new_records``, when the
    import kept them (``Mapper.link_records``), are the new rows themselves, not read back;
    ``curated``, the curated records (``records.curated_records`` of the live store: an import
    leaves the curated graph as it was), not read from the staging store."""
    import pyoxigraph as ox

    from kg.ask.records import read_records
    from kg.store.embedded import OxigraphStore

    started, cpu = time.monotonic(), time.process_time()
    store = OxigraphStore.wrapping(raw_store)
    opt = stored_options(store)
    report = Report(options=opt)
    held = {ns.local_id(g) for g in store.graphs()}
    new = new_records if new_records is not None else read_records(store, dataset, new_events)
    others = _near(store, new, [d for d in DATASETS if d != dataset and d in held], opt, curated)
    for r in new + others:
        report.records[r.dataset] = report.records.get(r.dataset, 0) + 1
    # the links of rows this import replaced, or whose record is gone (a file replaced by a shorter one)
    ends = _link_ends(raw_store)
    gone = _gone(raw_store, dataset, {x for _node, a, b in ends for x in (a, b)})
    stale_nodes = {node for node, a, b in ends if a in new_events or b in new_events or a in gone or b in gone}
    stale = [Link(a, b, "", 0.0, 0, None) for node, a, b in ends if node in stale_nodes]
    if stale:
        _remove_links(raw_store, stale)
    near = {r.iri for r in new + others}
    kept = [Link(a, b, "", 0.0, 0, None) for node, a, b in ends
            if node not in stale_nodes and (a in near or b in near)]
    links = match(new, others, opt, store_families=families(store), kept=kept, report=report)
    text = link_nquads(links)
    if text and LINKS_GRAPH not in store.graphs():  # the graph comes with the first link
        text += options_nquads(opt, report)
        text += f"<{LINKS_NODE}> <{S}madeByImport> \"true\"^^<{ns.XSD}boolean> <{LINKS_GRAPH}> .\n"
    if text:  # a few links: one transaction (2 ms for 300 quads, where a bulk load takes 25)
        load = raw_store.load if len(text) < SMALL_LOAD else raw_store.bulk_load
        load(text.encode(), format=ox.RdfFormat.N_QUADS)
    report.kept, report.removed, report.written = len(ends) - len(stale), len(stale), len(links)
    report.seconds, report.cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    return report


def _gone(raw_store, dataset: str, iris: set[str]) -> set[str]:
    """Those of ``iris`` that are events of ``dataset`` no longer in its graph: looked up in
    the engine, 2,000 at a time (hundreds of link ends: one query, where a lookup each from
    Python took ~20 us apiece) or, when the ends number more than half the data set's events
    (71,000 links at 100,000 rows), one scan of its events."""
    import pyoxigraph as ox

    g = ox.NamedNode(ns.dataset_graph(dataset))
    start = ox.NamedNode(S + "start")
    mine = {x for x in iris if dataset_of(x) == dataset}
    if len(mine) > 1000:
        count = next(iter(raw_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g.value}> {{ ?e <{start.value}> "
                                          f"?d }} }}")))[0].value
        if 2 * len(mine) > int(count):
            return mine - {q.subject.value for q in raw_store.quads_for_pattern(None, start, None, g)}
    present: set[str] = set()
    ordered = sorted(mine)
    for i in range(0, len(ordered), 2_000):
        values = " ".join(f"<{x}>" for x in ordered[i:i + 2_000])
        present.update(row[0].value for row in raw_store.query(
            f"SELECT DISTINCT ?e WHERE {{ VALUES ?e {{ {values} }} GRAPH <{g.value}> {{ ?e <{start.value}> ?d }} }}"))
    return mine - present


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
