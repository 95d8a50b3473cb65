"""Records -> N-Quads text in the data set's named graph.

Each event is kept lean (type, row id, period with precisions, fatalities,
place, the sources the data set credits, the actors of each side: about a dozen quads), because the store's write
path, not Python, bounds the import speed. Places, actor types and new actors
are written once each. While streaming, every combat or one-sided event is
counted into a summary statement per pair of actors and year (skg:eventCount,
skg:fatalities, and the days of its first and last event as its period), so that "who fought whom when" reads thousands of summaries
instead of millions of events; each summary links to the events it counts
(skg:evidence). Memory holds the summaries, places and names, never the rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from kg.ask.records import EventRecord
from kg.errors import AmbiguousNameError
from kg.graph import namespaces as ns
from kg.imports.layouts import ARMED_GROUP, FOUGHT, MILITIA, VIOLENCE, Record, actor_kind, slug
from kg.imports.names import NameRules
from kg.store.names import NameIndex, normalise
from kg.store.summaries import Summariser

RDF_TYPE = f"<{ns.RDF}type>"
LABEL = f"<{ns.RDFS}label>"
XSD_DATE = f"^^<{ns.XSD}date>"
XSD_INT = f"^^<{ns.XSD}integer>"
XSD_DECIMAL = f"^^<{ns.XSD}decimal>"
DERIVED = f"<{ns.PROV}wasDerivedFrom>"


def _p(local: str) -> str:
    return f"<{ns.SKG}{local}>"


SOURCE_RECORD, START, END, START_P, END_P = _p("sourceRecord"), _p("start"), _p("end"), _p("startPrecision"), _p("endPrecision")
FATALITIES, PLACE, SIDE_A, SIDE_B, EVIDENCE = _p("fatalities"), _p("place"), _p("sideA"), _p("sideB"), _p("evidence")
SOURCE_NAMES = _p("sourceNames")
REVISION = _p("revision")
IMPORTED_FROM = _p("importedFrom")
MAYBE_A, MAYBE_B = _p("possibleSideA"), _p("possibleSideB")  # "A and/or B": not counted as fought
# ACLED inter codes (numbers before 2024, words since) and UCDP side kinds of armed actors and state forces
ARMED_INTER = frozenset({
    "1", "2", "3", "4", "8", "state forces", "rebel group", "rebel groups", "political militia",
    "political militias", "identity militia", "identity militias", "external/other forces", "government",
})
PRECISION = {p: _p(p) for p in ("Day", "Month", "Year")}
LINK_RECORDS_MAX = 50_000  # new rows kept as link records by an import (about 30 MB)


def literal(text: str) -> str:
    """An N-Triples string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


@dataclass
class NewActor:
    """A name the alias table does not know, minted in the data set's namespace."""

    iri: str
    name: str
    kind: tuple[str, str | None]
    rows: int = 0
    note: str = ""
    part_of: str | None = None
    placed_by: str = "unknown name"
    faction_of: str | None = None


_PLACED_BY = {"group": "per-country group", "rule": "state name rule", "alias": "aliases file",
              "faction": "faction rule (Mutiny of X)"}


@dataclass
class NameSeen:
    """An unknown name: where and when it was met, for the report and --unresolved."""

    iri: str
    inter: str
    mentions: int = 0
    countries: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)


@dataclass
class Summary:
    iri: str  # in angle brackets, ready for N-Quads
    first: date
    last: date
    events: int = 0
    fatalities: int = 0


@dataclass
class Mapper:
    """Turns records of one data set into N-Quads, resolving names as it goes."""

    dataset: str  # "acled" or "ucdp"
    names: NameIndex
    rules: NameRules
    graph: str = ""
    resolved: dict[str, str] = field(default_factory=dict)  # country name -> IRI
    unknown: dict[str, NameSeen] = field(default_factory=dict)
    off_period: dict[str, int] = field(default_factory=dict)  # names whose written period misses the event's year
    mentions: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # all, resolved, armed, armed resolved
    new_actors: dict[str, NewActor] = field(default_factory=dict)  # IRI -> actor
    summaries: dict[tuple[str, str, str, int], Summary] = field(default_factory=dict)
    places: dict[tuple, str] = field(default_factory=dict)  # place cells -> IRI
    types: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    first: date | None = None
    last: date | None = None
    file_iri: str = ""  # the file node the events being mapped come from (skg:importedFrom)
    file_first: date | None = None
    file_last: date | None = None
    ids: set[str] | None = None  # row ids mapped so far, when a row may repeat (several files, an addition)
    kept_events: int = 0  # events an addition keeps from earlier imports (additions.carry_over)
    kept_statements: int = 0  # summaries an addition leaves as they were (additions.Recount)
    # an addition's year index: the lines of skg:pairAnswers of the pairs it does not rewrite, by year
    kept_answers: dict[int, list[str]] = field(default_factory=dict)
    lives: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)  # curated lifespans
    outside: dict[tuple[str, str, str, str], list] = field(default_factory=dict)  # (a, rel, b, who) -> [events, years]

    # the new rows as incident-link records (kg.imports.links.after_import), kept while
    # they number at most LINK_RECORDS_MAX; None: not kept (the relink reads them back)
    link_records: list | None = None

    def __post_init__(self) -> None:
        self._placements: dict[tuple[str, str, str], tuple] = {}
        self._said: dict[tuple[str, str, str], int] = {}  # mentions per placement key
        self._said_on_day: dict[str, dict[str, int]] = {}  # name -> actor -> mentions, for names placed by the day
        self._armed: dict[str, bool] = {}
        self.graph = ns.dataset_graph(self.dataset)
        self.g = f" <{self.graph}> .\n"
        self.event_ns = ns.dataset_ns(self.dataset, "event")
        self.place_ns = ns.dataset_ns(self.dataset, "place")
        self.actor_ns = ns.dataset_ns(self.dataset, "actor")
        self.stmt_ns = ns.dataset_ns(self.dataset, "statement")
        self.type_ns = ns.dataset_ns(self.dataset, "type")
        self.dataset_iri = ns.DATASET + self.dataset
        self._texts: dict = {}
        self._side_texts: dict[tuple[str, str], str] = {}

    # -- names ------------------------------------------------------------------

    def sides(self, r: Record) -> tuple[list[str], list[str], list[str], list[str]]:
        """The actors of each side, certain and possible ("A and/or B"), placed by `rules`;
        counts each mention (placed or not, of an armed actor or not). The hot path of an
        import: a placement is looked up once per (name, country, id) and kept here."""
        side_a: list[str] = []
        side_b: list[str] = []
        maybe_a: list[str] = []
        maybe_b: list[str] = []
        placements, armed_inter, said = self._placements, self._armed, self._said
        country, day = r.country, r.day
        total = placed_count = armed_count = armed_placed = 0
        for side, certain, maybe in ((r.side_a, side_a, maybe_a), (r.side_b, side_b, maybe_b)):
            if not side.names:
                continue
            armed = armed_inter.get(side.inter)
            if armed is None:
                armed = armed_inter[side.inter] = side.inter.strip().lower() in ARMED_INTER
            ids = side.ids
            for i, name in enumerate(side.names):
                key = (name, country, ids[i] if ids and i < len(ids) else "")
                found = placements.get(key)
                if found is None:
                    placed = self.rules.place(*key)
                    mints = bool(placed.every_actor() & self.rules.minted.keys())
                    # the common case, settled once: the same placed actors whatever the day,
                    # no period written in the name, none of them an actor of the data set's own
                    fast = placed.static and placed.ok and placed.years is None and not mints
                    found = placements[key] = (placed, mints, fast)
                placed, mints, fast = found
                total += 1
                armed_count += armed
                said[key] = said.get(key, 0) + 1
                if fast:
                    (maybe if placed.uncertain else certain).extend(placed.fixed)
                    placed_count += 1
                    armed_placed += armed
                    continue
                iris = placed.fixed if placed.static else placed.at(day)
                if not placed.static and not placed.parts and len(iris) == 1:
                    on_day = self._said_on_day.setdefault(name, {})
                    on_day[iris[0]] = on_day.get(iris[0], 0) + 1
                (maybe if placed.uncertain else certain).extend(iris)
                if placed.ok:
                    placed_count += 1
                    armed_placed += armed
                elif placed.parts:  # "A and/or B": report the unknown parts, each under its own name
                    for part in placed.parts:
                        if not part.ok:
                            self._unknown(part.name or name, part.at(day), side.inter, r)
                else:
                    self._unknown(name, iris, side.inter, r)
                if placed.years is not None and placed.off_period(day):
                    self.off_period[name] = self.off_period.get(name, 0) + 1
                if mints:
                    self._count_new(iris, placed, side.inter)
        mentions = self.mentions
        mentions[0] += total
        mentions[1] += placed_count
        mentions[2] += armed_count
        mentions[3] += armed_placed
        return side_a, side_b, maybe_a, maybe_b

    def _unknown(self, name: str, iris: tuple[str, ...], inter: str, r: Record) -> None:
        seen = self.unknown.get(name)
        if seen is None:
            seen = self.unknown[name] = NameSeen(iris[0] if iris else "", inter)
        seen.mentions += 1
        seen.countries.add(r.country)
        seen.years.add(r.day.year)

    def _count_new(self, iris: tuple[str, ...], placed, inter: str) -> None:
        """The rows of each actor the data set brings, its class chosen at its first row."""
        for iri in iris:
            new = self.new_actors.get(iri)
            if new is None:
                minted = self.rules.minted.get(iri)
                if minted is None:
                    continue
                kind = actor_kind(minted.label, inter) if placed.how in ("unknown", "and/or") else (minted.cls, None)
                if placed.how == "group" and minted.cls == ARMED_GROUP:
                    kind = (ARMED_GROUP, MILITIA)
                new = self.new_actors[iri] = NewActor(iri, minted.label, kind, part_of=minted.part_of,
                                                      placed_by=_PLACED_BY.get(placed.how, "unknown name"),
                                                      faction_of=minted.faction_of)
            new.rows += 1

    def country(self, name: str) -> str | None:
        key = "\0country\0" + name
        if key not in self.resolved:
            try:
                self.resolved[key] = (self.names.find(name) or "") if name else ""
            except AmbiguousNameError:
                self.resolved[key] = ""
        return self.resolved[key] or None

    # -- one event --------------------------------------------------------------

    def begin_file(self, name: str) -> str:
        """Start the rows of one file: their events point to its node; returns the node's IRI."""
        self.file_iri = file_iri(self.dataset, name)
        self.file_first = self.file_last = None
        return self.file_iri

    def event(self, r: Record) -> str | None:
        """The event's N-Quads, or None when its row id was already mapped in this import."""
        if self.ids is not None:
            if r.row_id in self.ids:
                return None
            self.ids.add(r.row_id)
        g = self.g
        e = f"<{self.event_ns}{r.row_id}>"
        if r.type_key not in self.types:
            self.types[r.type_key] = (r.type_label, r.superclasses)
        texts = self._texts  # objects and their graph, cached: days, precisions and source lists repeat
        start = texts.get(r.start) or self._text(r.start, f'"{r.start.isoformat()}"{XSD_DATE}')
        end = texts.get(r.end) or self._text(r.end, f'"{r.end.isoformat()}"{XSD_DATE}')
        out = [
            f"{e} {RDF_TYPE} <{self.type_ns}{r.type_key}>{g}"
            f'{e} {SOURCE_RECORD} "{r.row_id}"{g}'
            f"{e} {START} {start}{e} {END} {end}"
            f"{e} {START_P} {PRECISION[r.start_precision]}{g}"
            f"{e} {END_P} {PRECISION[r.end_precision]}{g}"
        ]
        if self.file_iri:
            out.append(f"{e} {IMPORTED_FROM} <{self.file_iri}>{g}")
        if r.fatalities is not None:
            out.append(f'{e} {FATALITIES} "{r.fatalities}"{XSD_INT}{g}')
        if r.revision is not None:
            out.append(f'{e} {REVISION} "{r.revision}"{XSD_INT}{g}')
        if r.sources:
            out.append(f"{e} {SOURCE_NAMES} {texts.get(r.sources) or self._text(r.sources, literal(r.sources))}")
        place = self._place(r, out)
        if place:
            out.append(f"{e} {PLACE} {place}{g}")
        side_a, side_b, maybe_a, maybe_b = self.sides(r)
        # the rest of each side's line (" <sideA> <actor> <graph> .") is built once per actor
        side_texts = self._side_texts
        for predicate, iris in ((SIDE_A, side_a), (SIDE_B, side_b), (MAYBE_A, maybe_a), (MAYBE_B, maybe_b)):
            if iris:
                for iri in (iris if len(iris) == 1 else dict.fromkeys(iris)):
                    text = side_texts.get((predicate, iri))
                    if text is None:
                        text = side_texts[(predicate, iri)] = f" {predicate} <{iri}>{g}"
                    out.append(e + text)
        if r.relation is not None:
            self._count(r, e, side_a, side_b, out)
        if self.link_records is not None:
            self._keep_link_record(r, place, side_a + maybe_a, side_b + maybe_b)
        if self.first is None or r.start < self.first:
            self.first = r.start
        if self.last is None or r.end > self.last:
            self.last = r.end
        if self.file_first is None or r.start < self.file_first:
            self.file_first = r.start
        if self.file_last is None or r.end > self.file_last:
            self.file_last = r.end
        return "".join(out)

    def _keep_link_record(self, r: Record, place: str | None, side_a: list[str], side_b: list[str]) -> None:
        """The row as the relink would read it back from the store (records.read_records):
        reading 20,000 new rows back cost 2-4 s of an addition's 9-14."""
        if len(self.link_records) >= LINK_RECORDS_MAX:
            self.link_records = None  # a big import: the relink reads the store predicate by predicate
            return
        located = place is not None and r.lat is not None and r.lon is not None
        lat, lon = (float(r.lat), float(r.lon)) if located else (None, None)
        precision = r.place_precision if r.place_precision != "point" else ("point" if located else "country")
        key = r.type_key.removeprefix("type_") if self.dataset == "ucdp" else self.types[r.type_key][0]
        self.link_records.append(EventRecord(
            f"{self.event_ns}{r.row_id}", self.dataset, r.row_id, f"{self.dataset.upper()} {r.row_id}", key,
            r.start, r.end, r.start_precision, lat, lon,
            (self.country(r.country) or "") if place else "", (r.admin[0] if r.admin else "") if place else "",
            (r.location or r.admin[0]) if place else "", precision, r.fatalities, r.low, r.high,
            frozenset(side_a), frozenset(side_b)))

    def _text(self, key, term: str) -> str:
        """``term`` followed by the graph and the end of the line, remembered under ``key``."""
        text = term + self.g
        if len(self._texts) < 100_000:
            self._texts[key] = text
        return text

    def _place(self, r: Record, out: list[str]) -> str | None:
        if not r.location and r.lat is None:
            return None
        key = (r.country, r.admin, r.location, r.lat, r.lon)
        iri = self.places.get(key)
        if iri is None:
            digest = hashlib.sha1("|".join((r.country, *r.admin, r.location, r.lat or "", r.lon or "")).encode())
            iri = self.places[key] = f"<{self.place_ns}{slug(r.location)}_{digest.hexdigest()[:10]}>"
            g = self.g
            out.append(f"{iri} {RDF_TYPE} <{ns.SKG}Place>{g}{iri} {LABEL} {literal(r.location or r.admin[0])}{g}")
            out.append(f"{iri} {DERIVED} <{self.dataset_iri}>{g}")
            if r.lat is not None and r.lon is not None:
                out.append(f'{iri} <{ns.GEO}lat> "{r.lat}"{XSD_DECIMAL}{g}{iri} <{ns.GEO}long> "{r.lon}"{XSD_DECIMAL}{g}')
            for level, name in zip(("admin1", "admin2", "admin3"), r.admin):
                if name:
                    out.append(f"{iri} {_p(level)} {literal(name)}{g}")
            state = self.country(r.country)
            if state:
                out.append(f"{iri} {_p('country')} <{state}>{g}")
        return iri

    def _count(self, r: Record, e: str, side_a: list[str], side_b: list[str], out: list[str]) -> None:
        """Count the event into the summary of each pair of opposing actors, for its year.

        A year, not a month: every summary costs each ``kg fought`` query a little
        (Oxigraph evaluates the query's OPTIONALs over all statements), so there
        should be thousands of them, not tens of thousands.
        """
        pairs = set()
        for a in side_a:
            for b in side_b:
                if a == b:
                    continue
                if r.relation == FOUGHT:
                    pairs.add((min(a, b), max(a, b)))
                elif r.relation == VIOLENCE:
                    pairs.add((a, b))
        for a, b in pairs:
            out.append(self.count((a, r.relation, b, r.day.year), e, r.start, r.end, r.fatalities))

    def count(self, key: tuple[str, str, str, int], e: str, start: date, end: date, fatalities: int | None) -> str:
        """Count one event into the summary ``key`` (a, relation, b, year); returns its evidence quad.
        Also used to count again the events an addition keeps from earlier imports."""
        year = key[3]
        # the period stays inside the year, so that a question about the next
        # year does not count this year's events (a week can straddle New Year)
        first = start if start.year == year else date(year, 1, 1)
        last = end if end.year == year else date(year, 12, 31)
        summary = self.summaries.get(key)
        if summary is None:
            summary = self.summaries[key] = Summary(f"<{self.statement_iri(key)}>", first, last)
        elif first < summary.first:
            summary.first = first
        if last > summary.last:
            summary.last = last
        summary.events += 1
        summary.fatalities += fatalities or 0
        if self.lives:
            for who in (key[0], key[2]):
                life = self.lives.get(who)
                if life is not None and ((life[0] is not None and end < life[0])
                                         or (life[1] is not None and start > life[1])):
                    found = self.outside.get((*key[:3], who))
                    if found is None:
                        found = self.outside[(*key[:3], who)] = [0, set()]
                    found[0] += 1
                    found[1].add(year)
        return f"{summary.iri} {EVIDENCE} {e}{self.g}"

    def statement_iri(self, key: tuple[str, str, str, int]) -> str:
        a, relation, b, year = key
        return f"{self.stmt_ns}{self._tag(a)}--{ns.local_id(relation)}--{self._tag(b)}--{year}"

    def _tag(self, iri: str) -> str:
        return ns.local_id(iri) if iri.startswith(ns.ACTOR) else f"{self.dataset}.{ns.local_id(iri)}"

    # -- after the last row -----------------------------------------------------

    def closing(self, meta: dict, files: list[dict]) -> str:
        """Summaries, new actors, event types, the imported files and the data set's own description."""
        g, out = self.g, []
        source = f"<{self.dataset_iri}>"
        # the year index (kg/store/summaries.py): one pair-year node per fought summary,
        # whose pair is already ordered and whose period already lies in one year;
        # linked to its statement (skg:pairStatement), so that kg fought --year reads
        # the year's statements through the index, not pair by pair
        pair_years = Summariser(self.graph, as_of=self.last or date.today(), symmetric=())
        pair_years.kept_answers = self.kept_answers
        for key, summary in self.summaries.items():
            a, relation, b, _year = key
            pair_years.add(a, relation, b, summary.first, summary.last,
                           events=summary.events, fatalities=summary.fatalities,
                           statement=summary.iri.strip("<>"), precisions=("Day", "Day"),
                           sources=(self.dataset_iri,))
            s = summary.iri
            out.append(
                f"<{a}> <{relation}> <{b}>{g}"
                f"{s} {RDF_TYPE} <{ns.SKG}Statement>{g}"
                f"{s} {_p('subject')} <{a}>{g}{s} {_p('predicate')} <{relation}>{g}{s} {_p('object')} <{b}>{g}"
                f'{s} {START} "{summary.first.isoformat()}"{XSD_DATE}{g}{s} {START_P} {PRECISION["Day"]}{g}'
                f'{s} {END} "{summary.last.isoformat()}"{XSD_DATE}{g}{s} {END_P} {PRECISION["Day"]}{g}'
                f"{s} {_p('certainty')} {_p('Reported')}{g}{s} {DERIVED} {source}{g}"
                f'{s} {_p("eventCount")} "{summary.events}"{XSD_INT}{g}'
                f'{s} {FATALITIES} "{summary.fatalities}"{XSD_INT}{g}'
            )
        out.extend(pair_years.nquads())
        for actor in self.new_actors.values():
            cls, orientation = actor.kind
            a = f"<{actor.iri}>"
            out.append(f"{a} {RDF_TYPE} <{cls}>{g}{a} {LABEL} {literal(actor.name)}{g}{a} {DERIVED} {source}{g}")
            if orientation:
                out.append(f"{a} {_p('orientation')} <{orientation}>{g}")
            if actor.part_of:
                out.append(f"{a} {_p('partOf')} <{actor.part_of}>{g}")
            if actor.faction_of:
                out.append(f"{a} {_p('splitFrom')} <{actor.faction_of}>{g}")
        for actor, name in self.dataset_names():
            out.append(f"<{actor}> {_p('datasetName')} {literal(name)}{g}")
        for key, (label, classes) in self.types.items():
            t = f"<{self.type_ns}{key}>"
            out.append(f"{t} {RDF_TYPE} <{ns.OWL}Class>{g}{t} {LABEL} {literal(label)}{g}")
            out.extend(f"{t} <{ns.RDFS}subClassOf> <{c}>{g}" for c in classes)
        for f in files:
            out.append(file_nquads(f, self.dataset, g))
        d = source
        out.append(
            f"{d} {RDF_TYPE} <{ns.SKG}Dataset>{g}{d} {LABEL} {literal(meta['label'])}{g}"
            f"{d} <{ns.DCTERMS}publisher> {literal(meta['publisher'])}{g}"
            f'{d} {_p("rowCount")} "{meta["events"]}"{XSD_INT}{g}'
            f'{d} <{ns.PROV}generatedAtTime> "{meta["imported"]}"^^<{ns.XSD}dateTime>{g}'
        )
        if meta.get("first") and meta.get("last"):
            out.append(
                f'{d} {START} "{meta["first"].isoformat()}"{XSD_DATE}{g}{d} {START_P} {PRECISION["Day"]}{g}'
                f'{d} {END} "{meta["last"].isoformat()}"{XSD_DATE}{g}{d} {END_P} {PRECISION["Day"]}{g}'
            )
        return "".join(out)

    def dataset_names(self) -> list[tuple[str, str]]:
        """Each name as the files write it, with the actor the import placed most of its
        mentions on ("A and/or B": each part under its own name), as (actor, name) pairs:
        what makes the file's own names work as name arguments (skg:datasetName)."""
        votes: dict[str, dict[str, int]] = {}

        def vote(name: str, actor: str, n: int) -> None:
            by_actor = votes.setdefault(name, {})
            by_actor[actor] = by_actor.get(actor, 0) + n

        for key, n in self._said.items():
            placed = self._placements[key][0]
            named = zip(placed.parts, placed.part_names) if placed.parts else [(placed, key[0])]
            for part, name in named:
                if not part.parts and part.static and len(part.fixed) == 1:
                    vote(name, part.fixed[0], n)
        for name, by_actor in self._said_on_day.items():
            for actor, n in by_actor.items():
                vote(name, actor, n)
        return [(max(sorted(by_actor), key=by_actor.get), name) for name, by_actor in sorted(votes.items())]

    def report_actors(self) -> list[dict]:
        """Every actor the data set brings (per-country groups, uncurated states' forces, unknown names), most rows first."""
        rows = []
        for actor in sorted(self.new_actors.values(), key=lambda a: (-a.rows, a.name)):
            rows.append({
                "name": actor.name, "rows": actor.rows, "placed_by": actor.placed_by,
                "id": f"{self.dataset}/{ns.local_id(actor.iri)}",
                "type": ns.local_id(actor.kind[0]) + (" (militia)" if actor.kind[1] == MILITIA else ""),
            })
        return rows

    def report_unresolved(self) -> list[dict]:
        """Names no rule placed, most mentions first, with a suggestion when one is close enough."""
        rows = []
        for name, seen in sorted(self.unknown.items(), key=lambda kv: (-kv[1].mentions, kv[0])):
            suggestion = self.rules.suggest(name, seen.countries)
            rows.append({
                "name": name, "mentions": seen.mentions, "countries": sorted(c for c in seen.countries if c),
                "years": _years(seen.years),
                "suggested_match": ", ".join(f"{self.names.labels[a]} ({ns.local_id(a)})" for a in suggestion) or None,
                "suggested_ids": [ns.local_id(a) for a in suggestion],
                "id": f"{self.dataset}/{ns.local_id(seen.iri)}",
            })
        return rows

    def report_outside(self) -> list[dict]:
        """Events counted into a pair whose day falls outside a curated actor's lifespan
        (``kg fought`` leaves them out): how many, of which pair, when, and the lifespan."""
        minted = self.rules.minted

        def label(iri: str) -> str:
            return self.names.labels.get(iri) or (minted[iri].label if iri in minted else ns.local_id(iri))

        rows = []
        for (a, relation, b, who), (events, years) in sorted(self.outside.items(), key=lambda kv: -kv[1][0]):
            founded, gone = self.lives[who]
            life = (f"founded {founded.isoformat()}" if founded and not gone else
                    f"ended {gone.isoformat()}" if gone and not founded else
                    f"{founded.isoformat()} to {gone.isoformat()}")
            rows.append({
                "actor": label(a), "opponent": label(b), "relation": ns.local_id(relation), "outside": label(who),
                "events": events, "years": _years(years), "lifespan": life,
                "text": f"{events} {'battle' if relation == FOUGHT else 'event'}{'s fall' if events != 1 else ' falls'} "
                        f"outside {label(who)}'s lifespan ({life}): {label(a)} vs {label(b)} in {_years(years)}",
            })
        return rows

    def resolution(self) -> dict:
        """The share of actor mentions placed by a rule or a curated name, overall and for armed actors."""
        total, resolved, armed, armed_resolved = self.mentions
        return {
            "mentions": total, "resolved": resolved, "share": round(resolved / total, 4) if total else None,
            "armed_mentions": armed, "armed_resolved": armed_resolved,
            "armed_share": round(armed_resolved / armed, 4) if armed else None,
        }


def _years(years: set[int]) -> str:
    if not years:
        return ""
    return str(min(years)) if min(years) == max(years) else f"{min(years)}-{max(years)}"


def file_iri(dataset: str, name: str) -> str:
    """The node of one imported file: ``.../id/dataset/acled/file/mali_2017_2020_csv``."""
    return f"{ns.DATASET}{dataset}/file/{slug(name)}"


def file_nquads(f: dict, dataset: str, g: str) -> str:
    """One imported file's description: a data set of its own, part of the data set."""
    d = f"<{f['iri']}>"
    out = [
        f"{d} {RDF_TYPE} <{ns.SKG}Dataset>{g}{d} {LABEL} {literal(f['label'])}{g}"
        f"{d} <{ns.DCTERMS}isPartOf> <{ns.DATASET}{dataset}>{g}"
        f"{d} <{ns.DCTERMS}publisher> {literal(f['publisher'])}{g}"
        f"{d} {_p('sourceFile')} {literal(f['file'])}{g}"
        f"{d} {_p('contentHash')} {literal(f['hash'])}{g}"
        + (f"{d} {_p('sha256')} {literal(f['sha256'])}{g}" if f.get("sha256") else "") +
        f'{d} {_p("rowCount")} "{f["events"]}"{XSD_INT}{g}'
        f'{d} {_p("skippedRows")} "{f["skipped"]}"{XSD_INT}{g}'
        f'{d} <{ns.PROV}generatedAtTime> "{f["imported"]}"^^<{ns.XSD}dateTime>{g}'
    ]
    for prop, value in zip(("actorMentions", "actorMentionsPlaced", "armedMentions", "armedMentionsPlaced"),
                           f["mentions"]):
        out.append(f'{d} {_p(prop)} "{value}"{XSD_INT}{g}')
    if f.get("first") and f.get("last"):
        out.append(
            f'{d} {START} "{f["first"].isoformat()}"{XSD_DATE}{g}{d} {START_P} {PRECISION["Day"]}{g}'
            f'{d} {END} "{f["last"].isoformat()}"{XSD_DATE}{g}{d} {END_P} {PRECISION["Day"]}{g}'
        )
    return "".join(out)


def curated_index(full: NameIndex) -> NameIndex:
    """Only the curated actors' names: imports never resolve to another import's actors."""
    def curated(table: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        out = {}
        for key, actors in table.items():
            kept = {a: r for a, r in actors.items() if a.startswith(ns.ACTOR) and r < 3}  # 3: a data set's name
            if kept:
                out[key] = kept
        return out

    labels = {a: label for a, label in full.labels.items() if a.startswith(ns.ACTOR)}
    return NameIndex(labels, curated(full.keys), {}, curated(full.loose_keys))


def names_fingerprint(index: NameIndex) -> str:
    """Changes when the curated names change, so a re-import resolves against the new ones."""
    digest = hashlib.sha256()
    for key in sorted(index.keys):
        digest.update(key.encode())
        for actor in sorted(index.keys[key]):
            digest.update(actor.encode())
    return digest.hexdigest()


__all__ = ["Mapper", "curated_index", "names_fingerprint", "normalise"]
