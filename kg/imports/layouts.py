"""The two file layouts kg imports, and how one row of each becomes a `Record`.

ACLED: the standard export (``event_id_cnty, event_date, year, time_precision,
disorder_type, event_type, ...``); columns ACLED adds or drops between versions
are optional. UCDP GED: the 49-column ``GEDEvent_vNN_1.csv``. A row that cannot
be read raises `RowError` naming the column and what was expected; the caller
reports it with the line number and skips it (or aborts with --strict).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter

from kg.graph import namespaces as ns
from kg.imports.rows import RowError

SKG = ns.SKG

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
# Without these a row cannot become an event; the others come and go between ACLED versions.
ACLED_REQUIRED = (
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "country", "admin1", "admin2", "location", "latitude", "longitude", "fatalities",
)

UCDP_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude",
    "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best",
    "high", "low", "gwnoa", "gwnob",
)
# GED 5.0 to 25.1: older versions lack relid, code_status, the *_dset_id columns and
# where_description; the oldest call the death estimates best_est, high_est, low_est.
UCDP_REQUIRED = (
    "id", "type_of_violence", "side_a", "side_b", "latitude", "longitude", "country", "date_prec",
    "date_start", "date_end",
)


@dataclass(frozen=True)
class Layout:
    """One file layout a data set has shipped: the columns kg needs from it."""

    name: str
    dataset: str  # acled or ucdp
    required: tuple[str, ...]
    any_of: tuple[tuple[str, ...], ...] = ()  # one column of each group (UCDP renamed best_est to best)


_MONADIC_DROPS = ("actor2", "assoc_actor_2", "inter2")
ACLED_2016_REQUIRED = (
    "event_id_cnty", "event_date", "time_precision", "event_type", "actor1", "ally_actor_1", "inter1",
    "actor2", "ally_actor_2", "inter2", "country", "admin1", "admin2", "location", "latitude", "longitude",
    "fatalities",
)
# In order of preference: a file that fits several is read as the first.
LAYOUTS = (
    Layout("ACLED dyadic export", "acled", ACLED_REQUIRED),
    Layout("ACLED 2016-2018 export (ally_actor_1, gwno)", "acled", ACLED_2016_REQUIRED),
    Layout("ACLED monadic export (one row per actor)", "acled",
           tuple(c for c in ACLED_REQUIRED if c not in _MONADIC_DROPS)),
    Layout("UCDP GED 5.0-25.1", "ucdp", UCDP_REQUIRED, any_of=(("best", "best_est"),)),
)


def is_tag_row(cells: list[str]) -> bool:
    """HDX's second header row of HXL hashtags ("#event+code,#date+occurred,..."): not an event."""
    return any(cells) and all(not c or c.startswith("#") for c in cells)


def missing(layout: Layout, header: list[str]) -> list[str]:
    cols = set(header)
    out = [c for c in layout.required if c not in cols]
    out += [" or ".join(group) for group in layout.any_of if not any(c in cols for c in group)]
    return out


def fit(header: list[str]) -> tuple[Layout, list[str]]:
    """The layout a header fits (with nothing missing), else the closest one and what it lacks."""
    scored = [(len(missing(lay, header)), i, lay) for i, lay in enumerate(LAYOUTS)]
    for n, _, lay in scored:
        if n == 0:
            return lay, []
    closest = min(scored)[2]
    return closest, missing(closest, header)


FOUGHT = SKG + "fought"
VIOLENCE = SKG + "violenceAgainstCivilians"

# Actor classes, by ACLED's inter codes (numbers before 2024, words since).
ARMED_GROUP, STATE_FORCES, CIVILIANS = SKG + "ArmedGroup", SKG + "StateArmedForces", SKG + "CivilianGroup"
MILITIA = SKG + "Militia"
_INTER = {
    "1": (STATE_FORCES, None), "state forces": (STATE_FORCES, None),
    "2": (ARMED_GROUP, None), "rebel group": (ARMED_GROUP, None), "rebel groups": (ARMED_GROUP, None),
    "3": (ARMED_GROUP, MILITIA), "political militia": (ARMED_GROUP, MILITIA),
    "political militias": (ARMED_GROUP, MILITIA),
    "4": (ARMED_GROUP, MILITIA), "identity militia": (ARMED_GROUP, MILITIA),
    "identity militias": (ARMED_GROUP, MILITIA),
    "5": (CIVILIANS, None), "rioters": (CIVILIANS, None),
    "6": (CIVILIANS, None), "protesters": (CIVILIANS, None),
    "7": (CIVILIANS, None), "civilians": (CIVILIANS, None),
    "8": (ARMED_GROUP, None), "external/other forces": (ARMED_GROUP, None),
    "government": (SKG + "Government", None),  # UCDP's "Government of X"
}

# Our event class for each ACLED sub-event type (anything else is a plain skg:Event).
# The data set's own type is declared a subclass of it and of skg:Event (so that
# `rdfs:subClassOf+ skg:Event` finds it inside one graph) but deliberately not of
# skg:CombatEvent: kg fought counts imported events through their summaries, and
# its event query, which starts from the CombatEvent classes, must not scan them.
_COMBAT = (SKG + "Event",)
ACLED_CLASSES = {
    "Armed clash": (SKG + "Battle", *_COMBAT),
    "Government regains territory": (SKG + "Capture", *_COMBAT),
    "Non-state actor overtakes territory": (SKG + "Capture", *_COMBAT),
    "Air/drone strike": (SKG + "Attack", *_COMBAT),
    "Shelling/artillery/missile attack": (SKG + "Attack", *_COMBAT),
    "Remote explosive/landmine/IED": (SKG + "Attack", *_COMBAT),
    "Suicide bomb": (SKG + "Attack", *_COMBAT),
    "Grenade": (SKG + "Attack", *_COMBAT),
    "Chemical weapon": (SKG + "Attack", *_COMBAT),
    "Abduction/forced disappearance": (SKG + "Kidnapping", SKG + "Event"),
    "Agreement": (SKG + "Agreement", SKG + "Event"),
    "Headquarters or base established": (SKG + "Deployment", SKG + "Event"),
    "Remote violence": (SKG + "Attack", *_COMBAT),  # ACLED's event type before 2019
}
UCDP_CLASSES = {
    "1": ("state-based conflict", (SKG + "Battle", *_COMBAT)),
    "2": ("non-state conflict", (SKG + "Battle", *_COMBAT)),
    "3": ("one-sided violence", (SKG + "Event",)),
}

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(slots=True)
class Side:
    """The actors named on one side of an event, and the actor-type code (ACLED's inter1/2)
    from which a new actor's class is chosen (see `actor_kind`)."""

    names: list[str]
    inter: str
    ids: list[str] | None = None  # UCDP's actor ids (side_a_new_id), one per name


@dataclass(slots=True)
class Record:
    """One event, read from one row, ready to map to RDF."""

    row_id: str
    type_key: str  # slug of the data set's own event type
    type_label: str
    superclasses: tuple[str, ...]
    start: date
    end: date
    start_precision: str
    end_precision: str
    day: date  # the day ACLED coded (UCDP: the first day); summaries count the event in its year
    fatalities: int | None
    country: str
    admin: tuple[str, str, str]
    location: str
    lat: str | None
    lon: str | None
    side_a: Side
    side_b: Side
    relation: str | None  # FOUGHT, VIOLENCE or None
    sources: str = ""  # the sources the data set credits, as it writes them (ACLED's source column)
    revision: int | None = None  # ACLED's timestamp, GED's version: the newest row of an id wins
    # for incident links (kg.imports.links) and kg compare: UCDP's low and high estimates,
    # and how precisely the place is known ("point", "region" or "country")
    low: int | None = None
    high: int | None = None
    place_precision: str = "point"


# --- cells ---------------------------------------------------------------------

# How the programs that re-save exports write a missing value: R (NA), pandas (nan,
# NaN, None, <NA>, NaT), Stata ("." for a number), Excel (#N/A), databases (NULL),
# people ("-", "n/a"). In every column of every layout these are no value, as an
# empty cell is: never an actor called "NA", never a place called "nan".
NO_VALUE = frozenset({
    "", "NA", "N/A", "n/a", "na", "NULL", "null", "Null", "None", "none", "nan", "NaN", "NAN", "<NA>", "NaT",
    "-", "--", ".", "#N/A", "#NA", "#NULL!", "#VALUE!",
})


def no_value(text: str) -> bool:
    """Whether a cell holds no value (see NO_VALUE), padding aside."""
    return text in NO_VALUE or text.strip() in NO_VALUE


def clean_cells(cells):
    """The cells with every missing value as "" and the whole numbers a float column
    writes ("27.0", pandas' numbers beside a NaN) as whole numbers; the same sequence
    when there is nothing to clean (most rows)."""
    if NO_VALUE.isdisjoint(cells) and not any(c[-2:] == ".0" or c[:1] == " " or c[-1:] == " " for c in cells):
        return cells
    out = []
    for c in cells:
        t = c.strip()
        if t in NO_VALUE:
            out.append("")
        elif t[-2:] == ".0" and t[:-2].lstrip("-").isdigit():
            out.append(t[:-2])
        else:
            out.append(c)
    return out


def parse_count(text: str, column: str, *, optional: bool = False) -> int | None:
    t = text.strip()
    if not t and optional:
        return None
    if t.isdigit():
        return int(t)
    raise RowError(column, f"'{text}' is not a whole number of deaths (0 or more)")


_coordinates: dict[tuple[str, int], str | None] = {}


def parse_coordinate(text: str, column: str, limit: int) -> str | None:
    """The coordinate as canonical xsd:decimal text, or None when the cell is empty."""
    key = (text, limit)
    if key in _coordinates:
        return _coordinates[key]
    out = _parse_coordinate(text, column, limit)
    if len(_coordinates) < 100_000:
        _coordinates[key] = out
    return out


def _parse_coordinate(text: str, column: str, limit: int) -> str | None:
    t = text.strip()
    if not t:
        return None
    try:
        value = float(t)
    except ValueError:
        raise RowError(column, f"'{text}' is not a number of decimal degrees") from None
    if not -limit <= value <= limit or value != value:
        raise RowError(column, f"{t} is out of range; expected -{limit} to {limit}")
    out = repr(value)
    return out if "e" not in out else f"{value:.6f}"


def parse_id(text: str, column: str) -> str:
    t = text.strip()
    if not _ID.fullmatch(t):
        raise RowError(column, f"'{text}' is not an event id (letters, digits, '_', '-', '.')")
    return t


def split_names(text: str) -> list[str]:
    """The names of a "A; B" cell, without missing values ("A; NA")."""
    return [n.strip() for n in text.split(";") if not no_value(n)]


_slugs: dict[str, str] = {}


def slug(text: str) -> str:
    """'Unidentified Armed Group (Mali)' -> 'unidentified_armed_group_mali' (cached: names repeat)."""
    out = _slugs.get(text)
    if out is None:
        import unicodedata

        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        out = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_") or "unnamed"
        if len(_slugs) < 100_000:
            _slugs[text] = out
    return out


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def actor_kind(name: str, inter: str) -> tuple[str, str | None]:
    """The class (and orientation) a new actor gets: from its name first, else the inter code."""
    low = name.lower()
    if low.startswith(("civilians", "protesters", "rioters")):
        return CIVILIANS, None
    if low.startswith(("military forces of", "police forces of")):
        return STATE_FORCES, None
    return _INTER.get(inter.strip().lower(), (ARMED_GROUP, None))


# --- rows ----------------------------------------------------------------------


# ACLED's event types before its 2019 revision, as (event type, sub-event type) of today.
OLD_EVENT_TYPES = {
    "battle-no change of territory": ("Battles", "Armed clash"),
    "battle-government regains territory": ("Battles", "Government regains territory"),
    "battle-non-state actor overtakes territory": ("Battles", "Non-state actor overtakes territory"),
    "violence against civilians": ("Violence against civilians", "Attack"),
    "remote violence": ("Explosions/Remote violence", "Remote violence"),
    "riots/protests": ("Protests", "Riots/Protests"),
    "strategic development": ("Strategic developments", "Other"),
    "non-violent transfer of territory": ("Strategic developments", "Non-violent transfer of territory"),
    "headquarters or base established": ("Strategic developments", "Headquarters or base established"),
}
_CIVILIAN_INTER = frozenset({"7", "civilians"})
_ACLED_USED = (
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
    "inter1", "actor2", "assoc_actor_2", "inter2", "country", "admin1", "admin2", "location", "latitude",
    "longitude", "fatalities", "admin3", "civilian_targeting", "source", "year", "timestamp", "geo_precision",
)
# ACLED's geo_precision: 1 the town, 2 near it, 3 only the region (admin1 or admin2)
_ACLED_PLACE_PRECISION = {"1": "point", "2": "point", "3": "region"}
_RENAMED = {"assoc_actor_1": "ally_actor_1", "assoc_actor_2": "ally_actor_2"}  # the 2016-2018 layout


class AcledRow:
    """Reads ACLED rows of the dyadic, 2016-2018 or monadic layout by column position
    (looked up once from the header); an optional column the file lacks reads as empty.

    Monadic files give each actor of an event its own row: ``read`` keeps the first
    row of an event until its second arrives (returning None meanwhile), and
    ``flush`` gives the events whose second row never came, with one actor.
    """

    def __init__(self, header: list[str], layout: Layout | None = None, days=None):
        from kg.imports.event_dates import DayReader

        pos = {c: i for i, c in enumerate(header)}
        for new, old in _RENAMED.items():
            if new not in pos and old in pos:
                pos[new] = pos[old]
        self.width = len(header)
        self.pad = any(c not in pos for c in _ACLED_USED)
        self.cells = itemgetter(*(pos.get(c, self.width) for c in _ACLED_USED))
        self.country_at = pos["country"]
        self.monadic = "actor2" not in pos
        self.pending: dict[str, Record] = {}
        self.days = days or DayReader()
        self.types: dict[tuple[str, str], tuple[str, str, tuple[str, ...], str]] = {}

    def read(self, cells: list[str]) -> Record | None:
        if self.pad:
            cells = [*cells, ""]
        (event_id, event_date, precision, event_type, sub_type, actor1, assoc1, inter1, actor2, assoc2, inter2,
         country, admin1, admin2, location, latitude, longitude, fatalities, admin3, civilian, sources,
         year, timestamp, geo_precision) = clean_cells(self.cells(cells))
        row_id = event_id if _ID.fullmatch(event_id) else parse_id(event_id, "event_id_cnty")
        day = self.days.cache.get((event_date, year)) or self.days.read(event_date, year, "event_date")
        precision = precision.strip()
        if precision == "1":
            start = end = day
            sp = ep = "Day"
        elif precision == "2":  # known to the week: ACLED codes a day inside it
            start, end = day - timedelta(days=3), day + timedelta(days=3)
            sp = ep = "Day"
        elif precision == "3":  # known to the month
            start, end = month_start(day), month_end(day)
            sp = ep = "Month"
        else:
            raise RowError("time_precision", f"'{precision}' is not an ACLED time precision; expected 1, 2 or 3")
        kind = self.types.get((event_type, sub_type))
        if kind is None:
            kind = self.types[(event_type, sub_type)] = _acled_type(event_type, sub_type)
        lat = parse_coordinate(latitude, "latitude", 90)
        lon = parse_coordinate(longitude, "longitude", 180)
        fatalities = int(fatalities) if fatalities.isdigit() else parse_count(fatalities, "fatalities", optional=True)
        actor1 = actor1.strip()
        if not actor1:
            raise RowError("actor1", "is empty; every ACLED event names at least actor1")
        actor2 = actor2.strip()
        side_a = Side([actor1, *split_names(assoc1)] if assoc1 else [actor1], inter1)
        side_b = Side(([actor2] if actor2 else []) + (split_names(assoc2) if assoc2 else []), inter2)
        main_type = kind[3]
        if main_type == "Battles":
            relation = FOUGHT
        elif main_type == "Violence against civilians" or civilian.strip():
            relation = VIOLENCE
        else:
            relation = None
        record = Record(
            row_id, kind[0], kind[1], kind[2], start, end, sp, ep, day, fatalities,
            country.strip(), (admin1.strip(), admin2.strip(), admin3.strip()), location.strip(),
            lat, lon, side_a, side_b, relation, sources.strip(),
            int(timestamp) if timestamp.isdigit() else None,
            place_precision=_ACLED_PLACE_PRECISION.get(geo_precision.strip(), "point"),
        )
        if not self.monadic:
            return record
        first = self.pending.pop(row_id, None)
        if first is None:
            self.pending[row_id] = record
            return None
        return _pair(first, record)

    def flush(self) -> list[Record]:
        """Monadic events with one row: events with one actor."""
        lone = list(self.pending.values())
        self.pending.clear()
        return lone

    def country(self, cells: list[str]) -> str:
        return cells[self.country_at]


def _acled_type(event_type: str, sub_type: str) -> tuple[str, str, tuple[str, ...], str]:
    """(slug, label, classes, today's event type) of an ACLED (event type, sub-event type)."""
    event_type, sub_type = event_type.strip(), sub_type.strip()
    if not event_type:
        raise RowError("event_type", "is empty; expected an ACLED event type such as Battles")
    old = OLD_EVENT_TYPES.get(event_type.lower())
    if old is not None and not sub_type:
        event_type, sub_type = old
    label = sub_type or event_type
    return slug(label), label, ACLED_CLASSES.get(label, (SKG + "Event",)), event_type


def _pair(first: Record, second: Record) -> Record:
    """Two monadic rows of one event as one event; civilians go on side b (the targets)."""
    if first.side_a.inter.strip().lower() in _CIVILIAN_INTER:
        first, second = second, first
    first.side_b = Side(second.side_a.names, second.side_a.inter)
    if second.relation is not None and first.relation is None:
        first.relation = second.relation
    return first


# UCDP's where_prec: 1-2 a place or an area around it, 3 the centroid of a second-order unit
# (a cercle, a province), 4-5 a first-order unit, 6 the country, 7 international waters
_UCDP_PLACE_PRECISION = {"1": "point", "2": "point", "3": "region", "4": "region", "5": "region", "6": "country",
                         "7": "country"}
# UCDP's date_prec: 1 the day, 2 within 2-6 days, 3 the week, 4 the month, 5 longer.
_UCDP_PRECISION = {"1": "Day", "2": "Day", "3": "Day", "4": "Month", "5": "Year"}


class UcdpRow:
    """Reads UCDP GED rows (versions 5.0 to 25.1) by column position; columns a version lacks read as empty."""

    def __init__(self, header: list[str], layout: Layout | None = None, days=None):
        from kg.imports.event_dates import DayReader

        pos = {c: i for i, c in enumerate(header)}
        for new, old in (("best", "best_est"), ("low", "low_est"), ("high", "high_est")):
            if new not in pos and old in pos:
                pos[new] = pos[old]
        self.width = len(header)
        self.get = {c: pos.get(c, self.width) for c in (*UCDP_COLUMNS, "best")}
        self.pad = any(c not in pos for c in UCDP_COLUMNS)
        self.days = days or DayReader()
        self.monadic = False
        self.revision: int | None = None  # the GED version of the file (kg.imports.revisions.ged_version)

    def read(self, cells: list[str]) -> Record:
        g = self.get
        if self.pad:
            cells = [*cells, ""]
        cells = clean_cells(cells)
        row_id = parse_id(cells[g["id"]], "id")
        violence = cells[g["type_of_violence"]].strip()
        if violence not in UCDP_CLASSES:
            raise RowError("type_of_violence", f"'{violence}' is not a UCDP type of violence; expected 1, 2 or 3")
        label, classes = UCDP_CLASSES[violence]
        start = self.days.read(cells[g["date_start"]], cells[g["year"]], "date_start")
        end = self.days.read(cells[g["date_end"]], "", "date_end")
        if end < start:
            raise RowError("date_end", f"ends ({end}) before it starts ({start})")
        precision = _UCDP_PRECISION.get(cells[g["date_prec"]].strip())
        if precision is None:
            raise RowError("date_prec", f"'{cells[g['date_prec']]}' is not a UCDP date precision; expected 1 to 5")
        side_a, side_b = cells[g["side_a"]].strip(), cells[g["side_b"]].strip()
        if not side_a:
            raise RowError("side_a", "is empty; every GED event names side_a")
        kind_a = "government" if side_a.startswith("Government of") else "rebel group"
        kind_b = (
            "civilians" if violence == "3" or side_b.lower().startswith("civilians")
            else "government" if side_b.startswith("Government of") else "rebel group"
        )
        id_a, id_b = cells[g["side_a_new_id"]].strip(), cells[g["side_b_new_id"]].strip()
        return Record(
            row_id, "type_" + violence, label, classes, start, end, precision, precision,
            start, parse_count(cells[g["best"]], "best", optional=True),
            cells[g["country"]].strip(),
            (cells[g["adm_1"]].strip(), cells[g["adm_2"]].strip(), ""),
            cells[g["where_coordinates"]].strip(),
            parse_coordinate(cells[g["latitude"]], "latitude", 90),
            parse_coordinate(cells[g["longitude"]], "longitude", 180),
            Side([side_a], kind_a, [id_a]), Side([side_b] if side_b else [], kind_b, [id_b]),
            VIOLENCE if violence == "3" else FOUGHT, revision=self.revision,
            low=parse_count(cells[g["low"]], "low", optional=True),
            high=parse_count(cells[g["high"]], "high", optional=True),
            place_precision=_UCDP_PLACE_PRECISION.get(cells[g["where_prec"]].strip(), "point"),
        )

    def flush(self) -> list[Record]:
        return []

    def country(self, cells: list[str]) -> str:
        return cells[self.get["country"]] if self.get["country"] < len(cells) else ""


def row_reader(layout: Layout, header: list[str], days=None) -> AcledRow | UcdpRow:
    return (AcledRow if layout.dataset == "acled" else UcdpRow)(header, layout, days)


def now_literal() -> str:
    return datetime.now().astimezone().replace(microsecond=0).isoformat()
