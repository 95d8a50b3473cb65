"""CSV files -> checked, deterministic RDF quads (the curated named graph).

The build checks every row before it emits anything, and reports every
problem at once, each with file, line and column. Output is a sorted list of
quads (``build``), so the same input always serialises to the same bytes, or
the same triples as N-Triples lines (``graph``): what ``kg build`` validates
and stores, without a Python object per triple.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kg.errors import DataError, Problem
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.graph.tables import (
    ALIAS_COLUMNS,
    ALIASES_FILE,
    COLUMNS,
    LABELS_FR_COLUMNS,
    LABELS_FR_FILE,
    WIKIDATA_COLUMNS,
    WIKIDATA_FILE,
    Row,
    read_table,
    split_list,
)
from kg.graph.terms import normalise
from kg.graph.vocab import Vocabulary, schema_text, vocabulary

ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
URL_PATTERN = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
SOURCE_KINDS = ("news", "encyclopedia", "report", "dataset", "official", "academic")
SIDES = ("a", "b")
# An event's death toll: the best estimate, then the low and high ends of what sources give.
FATALITY_COLUMNS = ("fatalities", "fatalities_low", "fatalities_high")
# Relations whose object may be a place (or a state standing as a territory).
PLACE_RELATIONS = {"controls", "blockades", "deployed_in", "withdrew_from"}
PERSON_SUBJECT_RELATIONS = {"leads", "works_for"}
STATE_OBJECT_RELATIONS = {"governs"}
# The rule of data/README.md: a person's name and the name of a settlement are written the same
# in French (proper names are not translated), so the build gives them their English label
# as French label unless labels_fr.csv gives another; every other French label needs a source.
SAME_IN_FRENCH = {"actors.csv": {"person"}, "places.csv": {"city", "town", "village"}}


@dataclass
class CuratedData:
    """The rows of every curated file, checked."""

    data_dir: Path
    title: str
    as_of: date
    sources: list[Row]
    actors: list[Row]
    places: list[Row]
    relations: list[Row]
    events: list[Row]
    participants: list[Row]
    aliases: list[Row] = field(default_factory=list)  # data/aliases.csv (optional): imported data sets' names
    labels_fr: list[Row] = field(default_factory=list)  # data/labels_fr.csv (optional): French names
    wikidata: list[Row] = field(default_factory=list)  # data/wikidata.csv (optional): checked Wikidata ids


ALIAS_DATASETS = ("acled", "ucdp")


def load(data_dir: Path) -> CuratedData:
    """Read and check the curated files; raise DataError listing every problem."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    title, as_of = _read_dataset_toml(data_dir / "dataset.toml", problems)
    tables = {}
    unreadable: list[str] = []  # files whose rows could not be read: the checks below would echo them
    for name, cols in COLUMNS.items():
        before = len(problems)
        tables[name] = read_table(data_dir / name, cols, problems)
        if not tables[name] and len(problems) > before:
            header = any(p.message.startswith("header must be") for p in problems[before:])
            unreadable.append(f"the header of {name}" if header else name)
    data = CuratedData(
        data_dir=data_dir,
        title=title,
        as_of=as_of,
        sources=tables["sources.csv"],
        actors=tables["actors.csv"],
        places=tables["places.csv"],
        relations=tables["relations.csv"],
        events=tables["events.csv"],
        participants=tables["event_participants.csv"],
        aliases=read_table(data_dir / ALIASES_FILE, ALIAS_COLUMNS, problems)
        if (data_dir / ALIASES_FILE).exists() else [],
        labels_fr=read_table(data_dir / LABELS_FR_FILE, LABELS_FR_COLUMNS, problems)
        if (data_dir / LABELS_FR_FILE).exists() else [],
        wikidata=read_table(data_dir / WIKIDATA_FILE, WIKIDATA_COLUMNS, problems)
        if (data_dir / WIKIDATA_FILE).exists() else [],
    )
    found = check(data, vocabulary())
    note = None
    if unreadable and found:
        # a file read as empty makes every row naming its ids wrong (1,016 lines for one bad
        # header of actors.csv): show what to fix first, and count the rest
        fix = " and ".join(unreadable)
        note = (f"{len(found)} further problem{'s' if len(found) != 1 else ''} hidden until {fix} "
                f"{'is' if len(unreadable) == 1 else 'are'} fixed; most name ids from it")
    else:
        problems += found
    if problems:
        raise DataError(problems, note)
    return data


def _read_dataset_toml(path: Path, problems: list[Problem]) -> tuple[str, date]:
    import tomllib  # here: only a build reads TOML

    fallback = ("sahel-kg", date.today())
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(path.name, 0, None, f"file is missing (looked for {path})"))
        return fallback
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        problems.append(Problem(path.name, 1, None, f"not valid TOML: {e}"))
        return fallback
    as_of = meta.get("as_of")
    try:
        day, precision = dates.parse(str(as_of))
        if precision != "Day":
            raise dates.DateFormatError("as_of must be a day, YYYY-MM-DD")
    except dates.DateFormatError as e:
        problems.append(Problem(path.name, 1, "as_of", str(e)))
        return fallback
    return str(meta.get("title", "sahel-kg")), day


def check(data: CuratedData, vocab: Vocabulary) -> list[Problem]:
    """Every rule of data/README.md that a single pass over the rows can test."""
    problems: list[Problem] = []
    add = problems.append

    def unique_ids(rows: list[Row], seen: dict[str, Row]) -> None:
        for row in rows:
            rid = row["id"]
            if not ID_PATTERN.match(rid):
                add(row.problem("id", f"'{rid}' is not an id; expected lower-case letters, digits, _"))
            elif rid in seen:
                first = seen[rid]
                add(row.problem("id", f"duplicate id '{rid}' (first at {first.file}:{first.line})"))
            else:
                seen[rid] = row

    sources: dict[str, Row] = {}
    unique_ids(data.sources, sources)
    named: dict[str, Row] = {}  # actors and places share one id space
    unique_ids(data.actors, named)
    unique_ids(data.places, named)
    actors = {r["id"]: r for r in data.actors if named.get(r["id"]) is r}
    places = {r["id"]: r for r in data.places if named.get(r["id"]) is r}
    statement_ids: dict[str, Row] = {}
    unique_ids(data.relations, statement_ids)
    events: dict[str, Row] = {}
    unique_ids(data.events, events)

    def required(row: Row, *columns: str) -> None:
        for c in columns:
            if not row[c]:
                add(row.problem(c, "is empty; a value is required"))

    def one_of(row: Row, column: str, allowed, *, optional: bool = False) -> bool:
        value = row[column]
        if optional and not value:
            return True
        if value not in allowed:
            add(row.problem(column, f"unknown value '{value}'; expected one of: {', '.join(sorted(allowed))}"))
            return False
        return True

    def cite(row: Row, column: str = "sources",
             missing: str = "no source; every fact needs at least one source id") -> None:
        ids = split_list(row[column])
        if not ids:
            add(row.problem(column, missing))
        for sid in ids:
            if sid not in sources:
                add(row.problem(column, f"unknown source id '{sid}'{_suggest(sid, sources)}"))

    def period(row: Row, start_col: str, end_col: str, *, start_required: bool) -> None:
        start = end = None
        if row[start_col]:
            try:
                start = dates.start_of(row[start_col])
            except dates.DateFormatError as e:
                add(row.problem(start_col, str(e)))
        elif start_required:
            add(row.problem(start_col, "is empty; a date is required (YYYY, YYYY-MM or YYYY-MM-DD)"))
        if row[end_col]:
            try:
                end = dates.end_of(row[end_col])
            except dates.DateFormatError as e:
                add(row.problem(end_col, str(e)))
        if start and end and end < start:
            add(row.problem(end_col, f"ends ({row[end_col]}) before it starts ({row[start_col]})"))

    def wikidata(row: Row) -> None:
        if row["wikidata"] and not QID_PATTERN.match(row["wikidata"]):
            add(row.problem("wikidata", f"'{row['wikidata']}' is not a Wikidata item id (Q followed by digits)"))

    def ref(row: Row, column: str, table: dict[str, Row], what: str) -> Row | None:
        value = row[column]
        if value not in table:
            add(row.problem(column, f"unknown {what} id '{value}'{_suggest(value, table)}"))
            return None
        return table[value]

    for row in data.sources:
        required(row, "title", "publisher", "date", "url")
        if row["date"]:
            try:
                dates.parse(row["date"])
            except dates.DateFormatError as e:
                add(row.problem("date", str(e)))
        if row["url"] and not URL_PATTERN.match(row["url"]):
            add(row.problem("url", f"'{row['url']}' is not an http(s) URL without spaces"))
        elif row["url"]:
            try:  # the build writes it into N-Triples as it is, and loads that leniently
                ox.NamedNode(row["url"])
            except ValueError as e:
                add(row.problem("url", f"'{row['url']}' is not a valid IRI: {e}"))
        one_of(row, "kind", SOURCE_KINDS)

    states = {i for i, r in actors.items() if r["type"] == "state"}
    for row in data.aliases:  # the names ACLED and UCDP give curated actors (kg/imports/names.py)
        required(row, "name", "actor")
        if row["dataset"]:
            one_of(row, "dataset", ALIAS_DATASETS)
        if row["actor"]:
            ref(row, "actor", actors, "actor")
        for c in split_list(row["country"]):
            if c not in states:
                add(row.problem("country", f"'{c}' is not a state actor id{_suggest(c, states)}"))
        for column in ("from", "to"):
            if row[column]:
                try:
                    dates.parse(row[column])
                except dates.DateFormatError as e:
                    add(row.problem(column, str(e)))
        cite(row, "source", "no source; every alias needs the source that spells the name so")
    for row in data.actors:
        required(row, "label")
        if one_of(row, "type", vocab.actor_types):
            allowed = {
                "armed_group": ("jihadist", "separatist", "militia"),
                "government": ("junta", "civilian", "transitional"),
            }.get(row["type"], ())
            if row["subtype"] and row["subtype"] not in allowed:
                expected = ", ".join(allowed) if allowed else "empty for this type"
                add(row.problem("subtype", f"unknown value '{row['subtype']}' for type {row['type']}; expected: {expected}"))
        wikidata(row)
        period(row, "founded", "dissolved", start_required=False)
        if row["country"] and row["country"] not in states:
            add(row.problem("country", f"'{row['country']}' is not a state actor id{_suggest(row['country'], states)}"))
        cite(row)

    for row in data.places:
        required(row, "label")
        one_of(row, "type", vocab.place_types)
        if row["country"] and row["country"] not in states:
            add(row.problem("country", f"'{row['country']}' is not a state actor id{_suggest(row['country'], states)}"))
        if bool(row["lat"]) != bool(row["lon"]):
            add(row.problem("lon" if row["lat"] else "lat", "give both lat and lon, or neither when the position is unknown"))
        for column, limit in (("lat", 90), ("lon", 180)):
            if not row[column]:
                continue
            try:
                value = float(row[column])
                if not -limit <= value <= limit:
                    add(row.problem(column, f"{value} is out of range; expected -{limit} to {limit}"))
            except ValueError:
                add(row.problem(column, f"'{row[column]}' is not a number of decimal degrees"))
        wikidata(row)
        cite(row)

    for row in data.relations:
        known = one_of(row, "relation", vocab.relations)
        subject = ref(row, "subject", actors, "actor")
        relation = row["relation"]
        targets = {**actors, **places} if relation in PLACE_RELATIONS else actors
        obj = ref(row, "object", targets, "actor or place" if relation in PLACE_RELATIONS else "actor")
        if row["subject"] == row["object"]:
            add(row.problem("object", "a relation must link two different actors"))
        if known and subject and relation in PERSON_SUBJECT_RELATIONS and subject["type"] != "person":
            add(row.problem("subject", f"'{relation}' needs a person as subject; '{row['subject']}' is a {subject['type']}"))
        if known and obj and relation in STATE_OBJECT_RELATIONS and obj["type"] != "state":
            add(row.problem("object", f"'{relation}' needs a state as object; '{row['object']}' is a {obj.cells.get('type')}"))
        period(row, "start", "end", start_required=True)
        one_of(row, "certainty", vocab.certainties)
        cite(row)

    def fatality_counts(row: Row) -> None:
        """fatalities is the best estimate; fatalities_low/high the range sources give."""
        counts: dict[str, int] = {}
        for column in FATALITY_COLUMNS:
            if not row[column]:
                continue
            if row[column].isdigit():
                counts[column] = int(row[column])
            else:
                add(row.problem(column, f"'{row[column]}' is not a whole number of deaths"))
        best, low, high = (counts.get(c) for c in FATALITY_COLUMNS)
        if low is not None and high is not None and low > high:
            add(row.problem("fatalities_high", f"{high} is below fatalities_low ({low}); expected low <= high"))
        if best is not None and low is not None and best < low:
            add(row.problem("fatalities", f"{best} is below fatalities_low ({low}); expected low <= best <= high"))
        if best is not None and high is not None and best > high:
            add(row.problem("fatalities", f"{best} is above fatalities_high ({high}); expected low <= best <= high"))

    for row in data.events:
        required(row, "label")
        one_of(row, "type", vocab.event_types)
        period(row, "start", "end", start_required=True)
        if row["place"] and row["place"] not in places and row["place"] not in states:
            add(row.problem("place", f"unknown place id '{row['place']}'{_suggest(row['place'], {**places, **dict.fromkeys(states)})}"))
        fatality_counts(row)
        wikidata(row)
        cite(row)

    _check_labels_fr(data, actors, places, events, sources, add)
    _check_wikidata(data, actors, places, events, add)

    seen_parts: dict[tuple[str, str, str], Row] = {}
    for row in data.participants:
        ref(row, "event", events, "event")
        ref(row, "actor", actors, "actor")
        one_of(row, "role", vocab.roles)
        one_of(row, "side", SIDES, optional=True)
        key = (row["event"], row["actor"], row["role"])
        if key in seen_parts:
            add(row.problem("actor", f"duplicate participant (first at line {seen_parts[key].line})"))
        seen_parts[key] = row
    # a combat event is evidence of who fought whom: it needs its sides; other
    # events (a massacre by unidentified gunmen) may have no known participant
    with_participants = {r["event"] for r in data.participants}
    for eid, row in events.items():
        term = vocab.event_types.get(row["type"])
        if term and term.combat and eid not in with_participants:
            add(row.problem("id", f"{row['type']} '{eid}' has no row in event_participants.csv"))
    return problems


def _check_labels_fr(data: CuratedData, actors: dict, places: dict, events: dict, sources: dict, add) -> None:
    """data/labels_fr.csv: one row per actor, place or event, a French label, and the
    sources that write it so (source ids, or the URL of a page such as a French Wikipedia article)."""
    seen: dict[str, Row] = {}
    for row in data.labels_fr:
        rid = row["id"]
        if rid in seen:
            add(row.problem("id", f"duplicate id '{rid}' (first at {seen[rid].file}:{seen[rid].line})"))
        seen[rid] = row
        if rid not in actors and rid not in places and rid not in events:
            add(row.problem("id", f"unknown actor, place or event id '{rid}'"
                                  f"{_suggest(rid, {**actors, **places, **events})}"))
        elif rid in events and (rid in actors or rid in places):
            add(row.problem("id", f"'{rid}' is both an event and an actor or place id; rename one"))
        if not row["label_fr"]:
            add(row.problem("label_fr", "is empty; a French label is required"))
        cited = split_list(row["sources"])
        if not cited:
            add(row.problem("sources", "no source; a French label needs the source that writes it so"))
        for sid in cited:
            if sid.startswith(("http://", "https://")):
                if not URL_PATTERN.match(sid):
                    add(row.problem("sources", f"'{sid}' is not an http(s) URL without spaces"))
            elif sid not in sources:
                add(row.problem("sources", f"unknown source id '{sid}'{_suggest(sid, sources)}"))


@cache
def wikidata_types() -> dict[str, tuple[str, ...]]:
    """The Wikidata classes ("instance of") we accept, each with the types of our rows it fits
    (kg/graph/wikidata_types.toml): a Q-id whose item is a city cannot name an armed group."""
    import tomllib
    from importlib import resources

    text = resources.files("kg.graph").joinpath("wikidata_types.toml").read_text(encoding="utf-8")
    return {name: tuple(kinds) for name, kinds in tomllib.loads(text)["types"].items()}


def wikidata_ids(data: CuratedData) -> dict[str, str]:
    """Each row's Wikidata item: the big table's column, else data/wikidata.csv's."""
    found = {r["id"]: r["qid"] for r in data.wikidata if QID_PATTERN.match(r["qid"])}
    for rows in (data.actors, data.places, data.events):
        for r in rows:
            if r["wikidata"]:
                found[r["id"]] = r["wikidata"]
    return found


def _check_wikidata(data: CuratedData, actors: dict, places: dict, events: dict, add) -> None:
    """data/wikidata.csv: each Q-id with the label and class its item shows, the day it was
    checked and the page that ties it to the row. Without the network these are the checks the
    data allow: the item's label is one of the row's names, its class fits the row's type, the
    Q-id agrees with the big table's column, and no two rows share an item."""
    types = wikidata_types()
    seen: dict[str, Row] = {}
    for row in data.wikidata:
        rid, qid = row["id"], row["qid"]
        if rid in seen:
            add(row.problem("id", f"duplicate id '{rid}' (first at {seen[rid].file}:{seen[rid].line})"))
        seen[rid] = row
        target = actors.get(rid) or places.get(rid) or events.get(rid)
        if target is None:
            add(row.problem("id", f"unknown actor, place or event id '{rid}'"
                                  f"{_suggest(rid, {**actors, **places, **events})}"))
        if not QID_PATTERN.match(qid):
            add(row.problem("qid", f"'{qid}' is not a Wikidata item id (Q followed by digits)"))
        elif target is not None and target["wikidata"] and target["wikidata"] != qid:
            add(row.problem("qid", f"{qid} disagrees with {target.file}:{target.line}, which says "
                                   f"{target['wikidata']}; one of them is wrong"))
        for column in ("wikidata_label", "wikidata_type", "checked_on", "source"):
            if not row[column]:
                add(row.problem(column, "is empty; a value is required"))
        if row["checked_on"]:
            try:
                if dates.parse(row["checked_on"])[1] != "Day":
                    add(row.problem("checked_on", "give the day the item was checked, YYYY-MM-DD"))
            except dates.DateFormatError as e:
                add(row.problem("checked_on", str(e)))
        if row["source"] and not URL_PATTERN.match(row["source"]):
            add(row.problem("source", f"'{row['source']}' is not the http(s) URL of the page that shows the item"))
        if target is None:
            continue
        kind = row["wikidata_type"]
        if kind and kind not in types:
            add(row.problem("wikidata_type", f"unknown Wikidata class '{kind}'; expected one of: "
                                             f"{', '.join(sorted(types))} (kg/graph/wikidata_types.toml)"))
        elif kind and target["type"] not in types[kind]:
            add(row.problem("wikidata_type", f"the item is a '{kind}', which does not fit "
                                             f"'{rid}', a {target['type']} ({target.file}:{target.line}): wrong Q-id?"))
        names = {normalise(n) for n in (target["label"], *split_list(target.cells.get("aliases", "")))}
        names |= {normalise(n) for r in data.labels_fr if r["id"] == rid
                  for n in (r["label_fr"], *split_list(r["aliases_fr"]))}
        if row["wikidata_label"] and normalise(row["wikidata_label"]) not in names:
            add(row.problem("wikidata_label", f"'{row['wikidata_label']}' is none of the names of '{rid}' "
                                              f"({target['label']}): wrong Q-id, or add the name as an alias"))
    owners: dict[str, str] = {}
    for rid, qid in sorted(wikidata_ids(data).items()):
        if qid in owners:
            # reported on the wikidata.csv row; two ids of the big tables alone are
            # kg check's duplicate-wikidata rule (the curators may be mid-edit)
            row = seen.get(rid) or seen.get(owners[qid])
            if row is not None:
                add(row.problem("qid", f"{qid} is given to both '{owners[qid]}' and '{rid}': an item names one thing"))
        else:
            owners[qid] = rid


def _suggest(value: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(value, list(known), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


# --- RDF -------------------------------------------------------------------
#
# The build writes N-Triples text, one line per triple, straight from the rows:
# SHACL reads that text and the store bulk-loads it (kg.store.cache.refresh), so no
# Python object is made per triple (at 20,000 statements, 317,000 quads: the
# pyoxigraph objects alone took 2 s to make and 1 s to turn back into text).
# Every IRI is built from checked ids, vocabulary terms or URLs that
# ``check`` proved to be IRIs; every literal is escaped by ``_lit``.


def _iri(value: str) -> str:
    return f"<{value}>"


# Escaped as pyoxigraph writes them (tested against it), so that a line sorts as its quad does.
_ESCAPES = str.maketrans({
    **{c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)},
    **{ord(c): e for c, e in zip('\b\t\n\f\r"\\', ("\\b", "\\t", "\\n", "\\f", "\\r", '\\"', "\\\\"))},
})


def _lit(value: str) -> str:
    """An N-Triples string literal, written as pyoxigraph writes it."""
    return f'"{value.translate(_ESCAPES)}"'


_DATE = f"^^<{ns.XSD}date>"
_INTEGER = f"^^<{ns.XSD}integer>"
_DECIMAL = f"^^<{ns.XSD}decimal>"


def _date(day: date) -> str:
    return f'"{day.isoformat()}"{_DATE}'


@dataclass(frozen=True)
class Graph:
    """The built graph as N-Triples lines without their final " .": the curated
    named graph (each triple once, in the order made) and the ontology graph."""

    curated: list[str]
    ontology: list[str]

    def ntriples(self) -> str:
        """Every triple of both graphs as one N-Triples document (what SHACL reads)."""
        return " .\n".join((*self.curated, *self.ontology)) + " .\n"

    def nquads(self, which: str = ns.CURATED_GRAPH) -> str:
        """One named graph (``ns.CURATED_GRAPH`` or ``ns.ONTOLOGY_GRAPH``) as N-Quads."""
        lines = self.curated if which == ns.CURATED_GRAPH else self.ontology
        end = f" <{which}> .\n"
        return end.join(lines) + end if lines else ""

    def curated_parts(self, parts: int) -> list[str]:
        """The curated graph as N-Quads, in ``parts`` texts of consecutive lines (to load on as many threads)."""
        end = f" <{ns.CURATED_GRAPH}> .\n"
        size = max(1, -(-len(self.curated) // parts))
        return [end.join(self.curated[i:i + size]) + end for i in range(0, len(self.curated), size)]

    def quads(self) -> list[ox.Quad]:
        """Both graphs as pyoxigraph quads, sorted (``build``'s result)."""
        text = self.nquads(ns.CURATED_GRAPH) + self.nquads(ns.ONTOLOGY_GRAPH)
        return sort_quads(ox.parse(text, format=ox.RdfFormat.N_QUADS))


@cache
def _ontology() -> tuple[str, ...]:
    """The ontology graph's triples (schema.ttl), as N-Triples lines."""
    return tuple(sorted({str(t) for t in ox.parse(schema_text(), format=ox.RdfFormat.TURTLE)}))


def graph(data: CuratedData) -> Graph:
    """The curated named graph and the ontology graph of checked rows, as N-Triples."""
    vocab = vocabulary()
    out: list[str] = []
    add = out.append
    skg = ns.SKG
    a = _iri(ns.RDF + "type")
    label, alt_label, same_as = _iri(ns.RDFS + "label"), _iri(ns.SKOS + "altLabel"), _iri(ns.OWL + "sameAs")
    description, derived = _iri(ns.DCTERMS + "description"), _iri(ns.PROV + "wasDerivedFrom")
    country = _iri(skg + "country")
    precision_iri = {p: _iri(skg + p) for p in ("Day", "Month", "Year")}
    props: dict[str, str] = {}

    def prop(local: str) -> str:
        iri = props.get(local)
        if iri is None:
            iri = props[local] = _iri(skg + local)
        return iri

    def when(s: str, column_start: str, start_text: str, column_end: str, end_text: str, *, closed: bool) -> None:
        """Start/end properties; a closed period (events) ends with its start's latest day."""
        if start_text:
            day, precision = dates.parse(start_text)
            add(f"{s} {prop(column_start)} {_date(day)}")
            add(f"{s} {prop(column_start + 'Precision')} {precision_iri[precision]}")
        end_text = end_text or (start_text if closed else "")
        if end_text:
            day, precision = dates.parse(end_text, as_end=True)
            add(f"{s} {prop(column_end)} {_date(day)}")
            add(f"{s} {prop(column_end + 'Precision')} {precision_iri[precision]}")

    source_iri: dict[str, str] = {}

    def cite(s: str, row: Row) -> None:
        for sid in split_list(row["sources"]):
            iri = source_iri.get(sid)
            if iri is None:
                iri = source_iri[sid] = _iri(ns.SOURCE + sid)
            add(f"{s} {derived} {iri}")

    french = {r["id"]: r for r in data.labels_fr}
    qids = wikidata_ids(data)
    checked = {r["id"]: r for r in data.wikidata}
    checked_on, checked_in = prop("wikidataCheckedOn"), prop("wikidataSource")

    def common(s: str, row: Row) -> None:
        # English labels tagged @en, French ones @fr (labels_fr.csv, or by the proper-name rule);
        # aliases mix languages (acronyms, ACLED's names, Arabic and Russian spellings): untagged
        add(f"{s} {label} {_lit(row['label'])}@en")
        fr = french.get(row["id"])
        if fr is not None:
            add(f"{s} {label} {_lit(fr['label_fr'])}@fr")
            for alias in split_list(fr["aliases_fr"]):
                add(f"{s} {alt_label} {_lit(alias)}@fr")
        elif row.cells.get("type") in SAME_IN_FRENCH.get(row.file, ()):
            add(f"{s} {label} {_lit(row['label'])}@fr")
        for alias in split_list(row["aliases"]) if "aliases" in row.cells else []:
            add(f"{s} {alt_label} {_lit(alias)}")
        qid = qids.get(row["id"])
        if qid:
            add(f"{s} {same_as} {_iri(ns.WD + qid)}")
            seen = checked.get(row["id"])
            if seen is not None and seen["qid"] == qid:
                add(f"{s} {checked_on} {_date(dates.parse(seen['checked_on'])[0])}")
                add(f"{s} {checked_in} {_iri(seen['source'])}")
        if row.cells.get("description"):
            add(f"{s} {description} {_lit(row['description'])}")
        cite(s, row)

    dataset = _iri(ns.DATASET + "curated")
    add(f"{dataset} {a} {prop('Dataset')}")
    add(f"{dataset} {label} {_lit(data.title)}")
    add(f"{dataset} {prop('asOf')} {_date(data.as_of)}")

    title, publisher, when_published = (_iri(ns.DCTERMS + p) for p in ("title", "publisher", "date"))
    note = _iri(ns.SKOS + "note")
    for row in data.sources:
        s = _iri(ns.SOURCE + row["id"])
        add(f"{s} {a} {prop('Source')}")
        add(f"{s} {title} {_lit(row['title'])}")
        add(f"{s} {publisher} {_lit(row['publisher'])}")
        day, precision = dates.parse(row["date"])
        add(f"{s} {when_published} {_date(day)}")
        add(f"{s} {prop('datePrecision')} {precision_iri[precision]}")
        add(f"{s} {prop('url')} {_iri(row['url'])}")
        add(f"{s} {prop('sourceKind')} {_lit(row['kind'])}")
        if row["note"]:
            add(f"{s} {note} {_lit(row['note'])}")

    actor_iri = {row["id"]: _iri(ns.ACTOR + row["id"]) for row in data.actors}
    for row in data.actors:
        s = actor_iri[row["id"]]
        add(f"{s} {a} {_iri(vocab.actor_types[row['type']].iri)}")
        if row["subtype"]:
            add(f"{s} {prop('orientation')} {_iri(vocab.orientations[row['subtype']].iri)}")
        if row["country"]:
            add(f"{s} {country} {actor_iri[row['country']]}")
        when(s, "foundingDate", row["founded"], "dissolutionDate", row["dissolved"], closed=False)
        common(s, row)

    place_iri = {row["id"]: _iri(ns.PLACE + row["id"]) for row in data.places}
    lat, long = _iri(ns.GEO + "lat"), _iri(ns.GEO + "long")
    for row in data.places:
        s = place_iri[row["id"]]
        add(f"{s} {a} {_iri(vocab.place_types[row['type']].iri)}")
        if row["country"]:
            add(f"{s} {country} {actor_iri[row['country']]}")
        if row["lat"]:
            add(f'{s} {lat} "{_decimal(row["lat"])}"{_DECIMAL}')
            add(f'{s} {long} "{_decimal(row["lon"])}"{_DECIMAL}')
        common(s, row)

    def place_or_actor(ident: str) -> str:
        return place_iri.get(ident) or actor_iri[ident]

    relations = {name: (_iri(term.iri), term.one_off) for name, term in vocab.relations.items()}
    certainties = {name: _iri(term.iri) for name, term in vocab.certainties.items()}
    statement_type, subject_p, predicate_p, object_p = (prop(p) for p in ("Statement", "subject", "predicate", "object"))
    statement_note = prop("note")
    certainty = prop("certainty")
    for row in data.relations:
        s = _iri(ns.STATEMENT + row["id"])
        predicate, one_off = relations[row["relation"]]
        subject, obj = actor_iri[row["subject"]], place_or_actor(row["object"])
        add(f"{subject} {predicate} {obj}")
        add(f"{s} {a} {statement_type}")
        add(f"{s} {subject_p} {subject}")
        add(f"{s} {predicate_p} {predicate}")
        add(f"{s} {object_p} {obj}")
        when(s, "start", row["start"], "end", row["end"], closed=one_off)
        add(f"{s} {certainty} {certainties[row['certainty']]}")
        if row["note"]:
            add(f"{s} {statement_note} {_lit(row['note'])}")
        cite(s, row)

    fatalities = tuple(zip(FATALITY_COLUMNS, (prop(p) for p in ("fatalities", "fatalitiesLow", "fatalitiesHigh"))))
    event_iri = {row["id"]: _iri(ns.EVENT + row["id"]) for row in data.events}
    for row in data.events:
        s = event_iri[row["id"]]
        add(f"{s} {a} {_iri(vocab.event_types[row['type']].iri)}")
        when(s, "start", row["start"], "end", row["end"], closed=True)
        if row["place"]:
            add(f"{s} {prop('place')} {place_or_actor(row['place'])}")
        for column, p in fatalities:
            if row[column]:
                add(f'{s} {p} "{int(row[column])}"{_INTEGER}')
        common(s, row)

    roles = {name: _iri(term.iri) for name, term in vocab.roles.items()}
    has_participant, participation, participation_type = (
        prop(p) for p in ("hasParticipant", "participation", "Participation"))
    actor_p, role_p, side_p = prop("actor"), prop("role"), prop("side")
    for row in data.participants:
        event, actor = event_iri[row["event"]], actor_iri[row["actor"]]
        part = f"<{ns.PARTICIPATION}{row['event']}--{row['actor']}--{row['role']}>"
        add(f"{event} {has_participant} {actor}")
        add(f"{event} {participation} {part}")
        add(f"{part} {a} {participation_type}")
        add(f"{part} {actor_p} {actor}")
        add(f"{part} {role_p} {roles[row['role']]}")
        if row["side"]:
            add(f"{part} {side_p} {_lit(row['side'])}")

    # each triple once (a relation stated twice makes its direct triple twice): a graph
    # is a set, and SHACL's counts must not see a value twice. Sorted: the order of
    # sort_quads, in which the summaries (kg.store.summaries) read the statements.
    return Graph(sorted(set(out)), list(_ontology()))


def quads(data: CuratedData) -> list[ox.Quad]:
    """The curated named graph plus the ontology graph, sorted."""
    return graph(data).quads()


def _decimal(text: str) -> str:
    """Canonical xsd:decimal text (no exponent, no trailing zeros)."""
    from decimal import Decimal

    value = format(Decimal(text.strip()).normalize(), "f")
    return value if "." in value else value + ".0"


def sort_quads(quads) -> list[ox.Quad]:
    """A total order on quads, so serialisations are byte-identical run to run."""
    # One string per quad, compared once: the order of the (graph, subject, predicate,
    # object) tuples (IRIs end with '>', blank node labels sort before a space), at a
    # third of the cost of comparing tuples.
    return sorted(quads, key=lambda q: f"{q.graph_name} {q.subject} {q.predicate} {q.object}")


def build(data_dir: Path) -> list[ox.Quad]:
    """Check the curated files and return the graph's quads (raises DataError)."""
    return quads(load(data_dir))
