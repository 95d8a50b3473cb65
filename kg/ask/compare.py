"""Where the curated graph, ACLED and UCDP agree and disagree: the answers of ``kg compare``.

They read the records of each data set and the incident links between them
(``kg.ask.records``; the links are made by ``kg link`` and by every import):

    overview(country=, year= | start=, end=)  -> per data set: events, fatalities (UCDP's
                                                 low/best/high), incidents, the share of its
                                                 events linked to each other data set
    dyad(a, b=None, year= | start=, end=)     -> per pair and year: curated statements, events
                                                 and deaths by data set, linked incidents, and
                                                 the disagreements
    incident_rows(a=, b=, country=, year=...) -> each incident with its records side by side

An incident is a set of records joined by links; a record no link joins is an
incident of its own. Where an answer sums events across data sets, it counts
incidents: the ACLED and UCDP records of one attack count once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from kg.ask.records import (
    DATASETS,
    EventRecord,
    Link,
    families,
    incidents,
    parts,
    read_events,
    read_links,
    record_text,
)
from kg.errors import UsageError
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.store.names import resolve

TOLL_FACTOR = 2.0  # tolls of one incident that differ by more than this factor disagree


def _window(year, start, end) -> tuple[date | None, date | None]:
    try:
        w = dates.window(year, start, end)
    except dates.DateFormatError as e:
        raise UsageError(str(e)) from None
    return (w.start, w.end) if w else (None, None)


class _View:
    """The records of a window (and country) with the links among them, grouped into incidents."""

    def __init__(self, store, start: date | None, end: date | None, country: str | None = None):
        self.records = read_events(store, None, start, end)
        if country is not None:
            iri = resolve(country, store)
            self.records = [r for r in self.records if r.country == iri]
        self.by_iri = {r.iri: r for r in self.records}
        self.links: list[Link] = [k for k in read_links(store) if k.a in self.by_iri and k.b in self.by_iri]
        of = incidents(self.links)
        self.incident = {r.iri: of.get(r.iri, r.iri) for r in self.records}
        self.members: dict[str, list[EventRecord]] = defaultdict(list)
        for r in self.records:
            self.members[self.incident[r.iri]].append(r)
        self.link_of: dict[tuple[str, str], Link] = {}
        for k in self.links:
            self.link_of[(k.a, k.b)] = self.link_of[(k.b, k.a)] = k

    def datasets(self) -> list[str]:
        held = {r.dataset for r in self.records}
        return [d for d in DATASETS if d in held] + sorted(held - set(DATASETS))


def overview(country: str | None = None, *, year: int | None = None, start: str | None = None,
             end: str | None = None, store=None) -> list[dict[str, Any]]:
    """One row per data set (and one for all of them, counted by incident): events,
    fatalities (best, and UCDP's low and high), and the share of its events linked to each
    other data set. ``country`` is a state's name or id; the window is exact on event dates."""
    from kg.store.cache import or_default

    store = or_default(store)
    view = _View(store, *_window(year, start, end), country)
    sets = view.datasets()
    linked: dict[str, dict[str, set[str]]] = {d: defaultdict(set) for d in sets}
    for k in view.links:
        da, db = view.by_iri[k.a].dataset, view.by_iri[k.b].dataset
        linked[da][db].add(k.a)
        linked[db][da].add(k.b)
    rows = []
    for d in sets:
        recs = [r for r in view.records if r.dataset == d]
        row: dict[str, Any] = {
            "dataset": d, "events": len(recs),
            "incidents": len({view.incident[r.iri] for r in recs}),
            "fatalities": sum(r.fatalities or 0 for r in recs),
            "fatalities_low": sum((r.low if r.low is not None else r.fatalities or 0) for r in recs)
            if any(r.low is not None for r in recs) else None,
            "fatalities_high": sum((r.high if r.high is not None else r.fatalities or 0) for r in recs)
            if any(r.high is not None for r in recs) else None,
        }
        for other in sets:
            if other != d:
                n = len(linked[d][other])
                row[f"linked_to_{other}"] = round(n / len(recs), 3) if recs else None
        rows.append(row)
    # every data set together: an incident recorded by several counts once, its toll the largest best estimate
    tolls = {}
    for root, members in view.members.items():
        known = [r.fatalities for r in members if r.fatalities is not None]
        tolls[root] = max(known) if known else 0
    rows.append({"dataset": "all (by incident)", "events": len(view.records), "incidents": len(view.members),
                 "fatalities": sum(tolls.values()), "fatalities_low": None, "fatalities_high": None})
    return rows


def _side_of(r: EventRecord, who: frozenset[str]) -> str | None:
    if r.side_a & who:
        return "a"
    if r.side_b & who:
        return "b"
    return None


def _opponents(r: EventRecord, who: frozenset[str]) -> frozenset[str]:
    side = _side_of(r, who)
    if side is None:
        return frozenset()
    return (r.side_b if side == "a" else r.side_a) - who


def dyad(a: str, b: str | None = None, *, year: int | None = None, start: str | None = None,
         end: str | None = None, store=None) -> dict[str, Any]:
    """What each data set says about A against B (or A against anyone), per year: the curated
    statements, events and deaths by data set, the linked incidents, and the disagreements --
    one data set names A against B and another A against C for the same incident; tolls that
    differ by more than a factor of two; a dyad-year only one data set sees."""
    from kg.store.cache import or_default

    store = or_default(store)
    lo, hi = _window(year, start, end)
    actor_a = resolve(a, store)
    actor_b = resolve(b, store) if b else None
    who_a = parts(store, actor_a)
    who_b = parts(store, actor_b) if actor_b else None
    labels = _labels(store)
    fams = families(store)
    view = _View(store, lo, hi)

    def about(r: EventRecord) -> bool:
        side = _side_of(r, who_a)
        if side is None:
            return False
        if who_b is None:
            return True
        return bool((r.side_b if side == "a" else r.side_a) & who_b)

    chosen = [r for r in view.records if about(r)]
    sets = view.datasets()
    per_year: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: {d: {"events": 0, "fatalities": 0}
                                                                          for d in sets})
    for r in chosen:
        cell = per_year[r.start.year][r.dataset]
        cell["events"] += 1
        cell["fatalities"] += r.fatalities or 0
    incident_rows = []
    disagreements = []
    seen_roots = set()
    for r in chosen:
        root = view.incident[r.iri]
        if root in seen_roots:
            continue
        seen_roots.add(root)
        members = view.members[root]
        incident_rows.append(_incident_row(root, members, view, labels))
        disagreements += _disagreements(root, members, who_a, fams, labels)
    covered: dict[int, set[str]] = defaultdict(set)  # the data sets with any record in a year
    for r in view.records:
        covered[r.start.year].add(r.dataset)
    by_year = []
    for y in sorted(per_year):
        cells = per_year[y]
        row: dict[str, Any] = {"year": y}
        for d in sets:
            row[f"{d}_events"] = cells[d]["events"]
            row[f"{d}_fatalities"] = cells[d]["fatalities"]
        year_roots = {view.incident[r.iri] for r in chosen if r.start.year == y}
        row["incidents"] = len(year_roots)
        row["linked_incidents"] = sum(1 for root in year_roots
                                      if len({m.dataset for m in view.members[root]}) > 1)
        seeing = [d for d in sets if cells[d]["events"]]
        covering = covered.get(y, set())
        if len(seeing) == 1 and len(covering) > 1:
            disagreements.append({"kind": "one data set only", "incident": None, "year": y,
                                  "what": f"{y}: only {seeing[0]} records "
                                          f"{labels.get(actor_a, ns.local_id(actor_a))} against "
                                          f"{labels.get(actor_b, ns.local_id(actor_b)) if actor_b else 'anyone'}"})
        by_year.append(row)
    return {
        "actor": labels.get(actor_a, ns.local_id(actor_a)), "actor_id": ns.local_id(actor_a),
        "opponent": labels.get(actor_b, ns.local_id(actor_b)) if actor_b else None,
        "opponent_id": ns.local_id(actor_b) if actor_b else None,
        "statements": _statements(store, who_a, who_b, lo, hi, labels),
        "years": by_year,
        "incidents": sorted(incident_rows, key=lambda i: (i["date"], i["incident"])),
        "disagreements": disagreements,
    }


def incident_rows(a: str | None = None, b: str | None = None, *, country: str | None = None,
                  year: int | None = None, start: str | None = None, end: str | None = None,
                  linked_only: bool = True, store=None) -> list[dict[str, Any]]:
    """Each incident (of A, of A against B, of a country, or all) with its records side by
    side: one column per data set naming its records and tolls, and whether they agree."""
    from kg.store.cache import or_default

    store = or_default(store)
    lo, hi = _window(year, start, end)
    view = _View(store, lo, hi, country)
    labels = _labels(store)
    who_a = parts(store, resolve(a, store)) if a else None
    who_b = parts(store, resolve(b, store)) if b else None
    out = []
    for root, members in view.members.items():
        if linked_only and len(members) < 2:
            continue
        if who_a is not None and not any(_side_of(r, who_a) for r in members):
            continue
        if who_b is not None and not any(_opponents(r, who_a) & who_b for r in members):
            continue
        out.append(_incident_row(root, members, view, labels))
    return sorted(out, key=lambda i: (i["date"], i["incident"]))


def _incident_row(root: str, members: list[EventRecord], view: _View, labels: dict) -> dict[str, Any]:
    first = min(members, key=lambda r: (r.start, r.dataset))
    row: dict[str, Any] = {
        "incident": _incident_id(members), "date": first.start.isoformat(),
        "place": next((r.place for r in members if r.dataset == "curated" and r.place), None)
        or next((r.place for r in members if r.place), ""),
    }
    for d in view.datasets():
        mine = sorted((r for r in members if r.dataset == d), key=lambda r: r.record_id)
        row[d] = "; ".join(record_text(r) for r in mine)
    known = [r.fatalities for r in members if r.fatalities is not None]
    row["tolls_agree"] = (max(known) <= TOLL_FACTOR * max(min(known), 1)) if len(known) > 1 else None
    row["actors"] = sorted({labels.get(x, ns.local_id(x)) for r in members for x in r.actors
                            if x.startswith(ns.ACTOR)})
    rules = sorted({view.link_of[(x.iri, y.iri)].rule for x in members for y in members
                    if (x.iri, y.iri) in view.link_of})
    row["rules"] = rules
    row["records"] = [r.as_dict() for r in sorted(members, key=lambda r: (r.dataset, r.record_id))]
    return row


def _incident_id(members: list[EventRecord]) -> str:
    """Named for its curated record if it has one, else its UCDP, else its ACLED record."""
    order = {d: i for i, d in enumerate(("curated", "ucdp", "acled"))}
    first = min(members, key=lambda r: (order.get(r.dataset, 9), r.dataset, r.record_id))
    return f"{first.dataset}:{first.record_id}"


def _disagreements(root: str, members: list[EventRecord], who_a, fams, labels) -> list[dict]:
    out = []
    sets = {r.dataset for r in members}
    if len(sets) < 2:
        return out
    incident = _incident_id(members)
    year = min(r.start for r in members).year

    def names(iris) -> str:
        return ", ".join(sorted(labels.get(x, ns.local_id(x)) for x in iris)) or "nobody named"

    opponents = {}
    for r in members:
        opp = frozenset(x for x in _opponents(r, who_a) if x.startswith(ns.ACTOR))
        if opp:
            opponents.setdefault(r.dataset, set()).update(opp)
    if len(opponents) > 1:
        # a state and its army are one opponent: sets disagree when no member of one is kin to the other's
        def kin(one: set[str], other: set[str]) -> bool:
            return any(fams.get(x, frozenset({x})) & other for x in one)

        sets_seen = list(opponents.values())
        if any(not kin(x, y) for x in sets_seen for y in sets_seen if x is not y):
            what = "; ".join(f"{d}: against {names(v)}" for d, v in sorted(opponents.items()))
            out.append({"kind": "opponents differ", "incident": incident, "year": year, "what": what})
    tolls = {}
    for r in members:
        if r.fatalities is not None:
            tolls[r.dataset] = max(tolls.get(r.dataset, 0), r.fatalities)
    if len(tolls) > 1 and max(tolls.values()) > TOLL_FACTOR * max(min(tolls.values()), 1):
        what = "; ".join(f"{d}: {n}" for d, n in sorted(tolls.items()))
        out.append({"kind": "tolls differ", "incident": incident, "year": year, "what": what})
    return out


def _statements(store, who_a, who_b, lo, hi, labels) -> list[dict[str, Any]]:
    """The curated statements between A (or its parts) and B (or anyone), in the window."""
    values_a = " ".join(f"<{x}>" for x in who_a)
    filt = []
    if lo is not None:
        filt.append(f'(!BOUND(?end) || ?end >= "{lo.isoformat()}"^^<{ns.XSD}date>)')
    if hi is not None:
        filt.append(f'?start <= "{hi.isoformat()}"^^<{ns.XSD}date>')
    rows = store.select(
        f"SELECT ?s ?x ?p ?y ?start ?end WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ "
        f"?s a <{ns.SKG}Statement> ; <{ns.SKG}subject> ?x ; <{ns.SKG}predicate> ?p ; <{ns.SKG}object> ?y ; "
        f"<{ns.SKG}start> ?start . OPTIONAL {{ ?s <{ns.SKG}end> ?end }} }} "
        f"{{ VALUES ?x {{ {values_a} }} }} UNION {{ VALUES ?y {{ {values_a} }} }} "
        + (f"FILTER({' && '.join(filt)}) " if filt else "") + "}")
    out = []
    for r in rows:
        x, y = str(r["x"]), str(r["y"])
        other = y if x in who_a else x
        if who_b is not None and other not in who_b:
            continue
        out.append({"id": ns.local_id(r["s"]), "subject": labels.get(x, ns.local_id(x)),
                    "relation": ns.local_id(r["p"]), "object": labels.get(y, ns.local_id(y)),
                    "start": r["start"].isoformat(), "end": r["end"].isoformat() if r["end"] else None})
    return sorted(out, key=lambda s: (s["start"], s["id"]))


def _labels(store) -> dict[str, str]:
    from kg.store import actor_table

    return dict(actor_table.of(store).names.labels)
