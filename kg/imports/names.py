"""Placing the actor names of ACLED and UCDP exports in the graph, as rules a researcher can read.

A name is placed once per (name, country) and the answer reused for every row
(only its dependence on the event's day is evaluated per row). In order:

1. ``data/aliases.csv``: the data sets' own spellings of curated actors, scoped
   by data set, country and period (UCDP's "IS" in Mali, Niger and Burkina Faso
   since 2015 is the Sahel Province); UCDP actor ids as ``id:NNN``.
2. "A and/or B" (ACLED's uncertain attribution): both, each placed by these
   rules, marked uncertain (the event keeps them as possible actors only).
3. Per-country groups (``name_rules.toml``): "Civilians (Mali)", "Protesters
   (Mali)", "Fulani Ethnic Militia (Mali)" stay one group per country.
4. State forms (``name_rules.toml``): "Military Forces of X (period) [branch]" ->
   X's armed forces, "Police Forces of X" -> X's police, ACLED's "Government of X
   (period)" -> the government governing X on the event's day, else X (UCDP's
   "Government of X", without a period, is the state's side: X). A state the graph does not
   curate becomes a state of that name in the data set's namespace, with its
   forces part of it; it is never matched to a look-alike (Nigeria is not Niger).
5. The curated names, exactly (case, accents and punctuation aside): the whole
   name, then without ACLED's "(2013-2020)" period, then each side of "ACR: Name".
6. Anything else is a new actor of the data set. Its suggestion (for the
   report and ``--unresolved``) is computed once, and only above `SUGGEST_AT`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.errors import AmbiguousNameError, DataError, Problem
from kg.graph import namespaces as ns
from kg.graph.tables import ALIAS_COLUMNS
from kg.safe_csv import unquote_cell
from kg.store import sparql
from kg.store.names import NameIndex, normalise

RULES_FILE = Path(__file__).with_name("name_rules.toml")
SUGGEST_AT = 0.9  # similarity a suggestion needs (tests/test_import_names.py pins it with confusable pairs)

SKG = ns.SKG
STATE, FORCES, GOVERNMENT = SKG + "State", SKG + "StateArmedForces", SKG + "Government"
ARMED_GROUP, CIVILIANS = SKG + "ArmedGroup", SKG + "CivilianGroup"

_PERIOD = re.compile(r"\s*\((\d{4})\s*-\s*(\d{4})?\)\s*")
_QUALIFIER = re.compile(r"^(?P<base>.*?)\s*\((?P<qualifier>[^()]*)\)\s*$")
_AND_OR = re.compile(r"\s+and/or\s+", re.IGNORECASE)
_FACTION = re.compile(r"^(?:mutiny|mutineers|mutinous\s+soldiers|dissidents|defectors)\s+(?:of|from)\s+(?P<of>.+)$",
                      re.IGNORECASE)
_WING = re.compile(r"\s+-\s+(?P<wing>[^-]+?\s+(?:faction|wing|branch|splinter|cell))\s*$", re.IGNORECASE)


def _qualifier(bare: str) -> str:
    """The normalised qualifier of a name without its period: "(Platform)" at its end, or a
    " - Greater Sahara Faction" wing; "" when it has none."""
    wing = _WING.search(bare)
    if wing is not None:
        return normalise(wing.group("wing"))
    m = _QUALIFIER.match(bare)
    return normalise(m.group("qualifier")) if m is not None else ""


# --- what a name stands for ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Minted:
    """An actor the data set brings: its class, label and, for state actors, the state it is part of."""

    iri: str
    label: str
    cls: str
    part_of: str | None = None
    faction_of: str | None = None  # "Mutiny of X": a faction of X (skg:splitFrom), never X


@dataclass(slots=True)
class Placement:
    """What one name stands for: fixed actors, or actors that depend on the event's day."""

    how: str  # alias, rule, group, faction, curated, unknown
    fixed: tuple[str, ...] = ()
    periods: tuple[tuple[date, date, tuple[str, ...]], ...] = ()  # (first day, last day, actors)
    uncertain: bool = False
    parts: tuple[Placement, ...] = ()  # "A and/or B"
    years: tuple[int, int | None] | None = None  # the period ACLED wrote in the name
    name: str = ""  # an unknown name, as written (so that "A and/or B" reports A and B apart)
    part_names: tuple[str, ...] = ()  # "A and/or B": A and B as written
    static: bool = field(init=False, default=True)  # the same actors whatever the day: read ``fixed``
    ok: bool = field(init=False, default=True)  # placed by a rule, an alias or a curated name

    def __post_init__(self) -> None:
        self.static = not self.periods and not self.parts
        self.ok = self.how != "unknown" and all(p.ok for p in self.parts)

    def every_actor(self) -> set[str]:
        """Every actor the name may stand for, whatever the day."""
        out = set(self.fixed)
        for _first, _last, actors in self.periods:
            out.update(actors)
        for p in self.parts:
            out |= p.every_actor()
        return out

    def at(self, day: date) -> tuple[str, ...]:
        if self.parts:
            return tuple(iri for p in self.parts for iri in p.at(day))
        for first, last, actors in self.periods:
            if first <= day <= last:
                return actors
        return self.fixed

    def off_period(self, day: date) -> bool:
        """True when the period written in the name does not cover the event's year."""
        if self.years is None:
            return False
        start, end = self.years
        return day.year < start or (end is not None and day.year > end)

    @property
    def resolved(self) -> bool:
        return self.ok


@dataclass(frozen=True, slots=True)
class Alias:
    key: str  # normalised name, or "id:NNN"
    dataset: str
    countries: frozenset[str]  # state IRIs; empty = anywhere
    first: date
    last: date
    actor: str


# --- the curated facts the rules need --------------------------------------------------


@dataclass
class StateFacts:
    """Curated states, the armed forces part of each, and who governed each when."""

    states: dict[str, str] = field(default_factory=dict)  # normalised name -> state IRI
    forces: dict[str, str] = field(default_factory=dict)  # state IRI -> armed forces IRI
    governments: dict[str, list[tuple[date, date, str]]] = field(default_factory=dict)  # state -> periods
    homes: dict[str, str] = field(default_factory=dict)  # curated actor -> the state of its country column

    @classmethod
    def load(cls, store, index: NameIndex) -> StateFacts:
        facts = cls()
        for row in sparql.run(store, "import-state-actors"):
            actor, kind = str(row["actor"]), str(row["type"])
            if kind == STATE:
                for key, actors in index.keys.items():
                    if actor in actors:
                        facts.states.setdefault(key, actor)
            elif kind == FORCES and row["state"]:
                facts.forces.setdefault(str(row["state"]), actor)
            elif kind == GOVERNMENT and row["state"] and row["start"]:
                end = row["end"] or date.max
                facts.governments.setdefault(str(row["state"]), []).append((row["start"], end, actor))
        for key, actors in index.keys.items():  # a key naming a state and something else is not a state's name
            if key in facts.states and len(actors) > 1:
                ranks = sorted(actors.values())
                if actors[facts.states[key]] > ranks[0]:
                    del facts.states[key]
        for periods in facts.governments.values():
            periods.sort()
        for row in sparql.run(store, "import-actor-homes"):
            facts.homes[str(row["actor"])] = str(row["country"])
        return facts


def read_aliases(path: Path, index: NameIndex) -> list[Alias]:
    """The rows of an aliases file, checked against the curated names; DataError lists every bad row."""
    from kg.graph.tables import read_table

    if not path.exists():
        return []
    problems: list[Problem] = []
    rows = read_table(path, ALIAS_COLUMNS, problems)
    out: list[Alias] = []
    for row in rows:
        try:
            out.append(_alias(row, index))
        except ValueError as e:
            problems.append(row.problem(e.args[0], e.args[1]))
    if problems:
        raise DataError(problems)
    return out


def _alias(row, index: NameIndex) -> Alias:
    from kg.graph import dates

    name = unquote_cell(row["name"].strip())  # a name --unresolved wrote with a leading ' (a formula)
    if not name:
        raise ValueError("name", "is empty; expected the name as the data set writes it, or id:NNN")
    dataset = row["dataset"].strip().lower()
    if dataset not in ("", "acled", "ucdp"):
        raise ValueError("dataset", f"'{row['dataset']}' is not a data set; expected acled, ucdp or empty (both)")
    actor = ns.ACTOR + row["actor"].strip()
    if actor not in index.labels:
        raise ValueError("actor", f"unknown actor id '{row['actor']}'; expected an id of data/actors.csv")
    countries = set()
    for c in filter(None, (c.strip() for c in row["country"].split(";"))):
        iri = ns.ACTOR + c
        if iri not in index.labels:
            raise ValueError("country", f"unknown state id '{c}'; expected ids of data/actors.csv, ';'-separated")
        countries.add(iri)
    try:
        first = dates.parse(row["from"])[0] if row["from"].strip() else date.min
        last = dates.parse(row["to"], as_end=True)[0] if row["to"].strip() else date.max
    except dates.DateFormatError as e:
        raise ValueError("from" if row["from"] else "to", str(e)) from None
    key = "id:" + name[3:].strip() if name.lower().startswith("id:") else normalise(name)
    return Alias(key, dataset, frozenset(countries), first, last, actor)


# --- the resolver ------------------------------------------------------------------


class NameRules:
    """Places the names of one data set; keeps what it mints and how each name was placed."""

    def __init__(self, dataset: str, index: NameIndex, facts: StateFacts, aliases: list[Alias],
                 rules_file: Path = RULES_FILE):
        self.dataset = dataset
        self.index = index
        self.facts = facts
        self.actor_ns = ns.dataset_ns(dataset, "actor")
        rules = tomllib.loads(rules_file.read_text(encoding="utf-8"))
        forms = "|".join(re.escape(f["prefix"]) for f in rules["state_forms"])
        branches = "|".join(re.escape(b) for b in sorted(rules["branches"], key=len, reverse=True))
        self._form_means = {f["prefix"].lower(): f["means"] for f in rules["state_forms"]}
        self._form = re.compile(
            rf"^(?P<form>{forms})\s+(?P<state>[^()]+?(?:\s*\([^()\d]*\))?)"
            rf"(?:\s*\((?P<start>\d{{4}})\s*-\s*(?P<end>\d{{4}})?\))?"
            rf"(?:\s*[-:,]?\s*(?P<branch>{branches}))?\s*$",
            re.IGNORECASE,
        )
        groups = rules["groups"]
        self._group_prefixes = tuple(p.lower() for p in groups["prefixes"])
        self._group_suffixes = tuple(s.lower() for s in groups["suffixes"])
        self.aliases: dict[str, list[Alias]] = {}
        for a in aliases:
            if a.dataset in ("", dataset):
                self.aliases.setdefault(a.key, []).append(a)
        self.minted: dict[str, Minted] = {}
        self.placed: dict[tuple[str, str, str], Placement] = {}
        self._suggestions: dict[tuple[str, frozenset[str]], list[str]] = {}
        self._countries: dict[str, str | None] = {}

    # -- the entry point ------------------------------------------------------------

    def place(self, name: str, country: str, ucdp_id: str = "") -> Placement:
        """How ``name``, met in a row of ``country``, is placed (cached per name, country and id)."""
        key = (name, country, ucdp_id)
        found = self.placed.get(key)
        if found is None:
            found = self.placed[key] = self._place(name, country, ucdp_id)
        return found

    def state_of(self, country: str) -> str | None:
        """The curated state a country column names, if any (exact names only)."""
        if country not in self._countries:
            self._countries[country] = self.facts.states.get(normalise(country)) if country else None
        return self._countries[country]

    # -- the rules, in order ----------------------------------------------------------

    def _place(self, name: str, country: str, ucdp_id: str) -> Placement:
        state = self.state_of(country)
        scoped = self._scoped(name, state, ucdp_id)
        if scoped is not None:
            return scoped
        parts = _AND_OR.split(name)
        if len(parts) > 1:
            named = [p.strip() for p in parts if p.strip()]
            placed = tuple(self.place(p, country) for p in named)
            return Placement("and/or", uncertain=True, parts=placed, part_names=tuple(named))
        group = self._group(name, country)
        if group is not None:
            return group
        faction = _FACTION.match(name)
        if faction is not None:
            return self._faction(faction, country)
        form = self._form.match(name)
        if form is not None:
            return self._state_form(form)
        curated = self._curated(name)
        if curated is not None and country and state is None and curated in self.facts.homes:
            curated = None  # a Sahel group's name met outside the curated states is another group (Pakistan's Ansar ul-Islam)
        if curated is not None:
            return Placement("curated", fixed=(curated,))
        return Placement("unknown", fixed=(self._mint(name, ARMED_GROUP),), name=name)

    def _scoped(self, name: str, state: str | None, ucdp_id: str) -> Placement | None:
        rows = (self.aliases.get("id:" + ucdp_id, []) if ucdp_id else []) or self.aliases.get(normalise(name), [])
        rows = [a for a in rows if not a.countries or state in a.countries]
        if not rows:
            return None
        periods = tuple((a.first, a.last, (a.actor,)) for a in rows if (a.first, a.last) != (date.min, date.max))
        anywhere = [a.actor for a in rows if (a.first, a.last) == (date.min, date.max)]
        if anywhere:
            fixed: tuple[str, ...] = (anywhere[0],)
        else:  # outside the scoped periods the name means what the other rules say
            rest = self._place_unscoped(name, state)
            if rest.periods or rest.parts:
                return None  # two kinds of dependence on the day: let the scoped rows go (never seen in practice)
            fixed = rest.fixed
        return Placement("alias", fixed=fixed, periods=periods)

    def _place_unscoped(self, name: str, state: str | None) -> Placement:
        saved, self.aliases = self.aliases, {}
        try:
            return self._place(name, "", "")
        finally:
            self.aliases = saved

    def _group(self, name: str, country: str) -> Placement | None:
        low = name.lower()
        m = _QUALIFIER.match(name)
        base = (m.group("base") if m else name).lower()
        if not (low.startswith(self._group_prefixes) or base.endswith(self._group_suffixes)):
            return None
        label = name if m or not country else f"{name} ({country})"
        return Placement("group", fixed=(self._mint(label, CIVILIANS if low.startswith(_CIVIL) else ARMED_GROUP),))

    def _state_form(self, m: re.Match) -> Placement:
        means = self._form_means[m.group("form").lower()]
        state_name = m.group("state").strip()
        state = self.facts.states.get(normalise(state_name))
        if state is None:
            q = _QUALIFIER.match(state_name)  # UCDP's "Russia (Soviet Union)"
            if q is not None:
                state = self.facts.states.get(normalise(q.group("base")))
        if state is None:
            state = self._mint(state_name, STATE)
        years = (int(m.group("start")), int(m.group("end")) if m.group("end") else None) if m.group("start") else None
        label = self.index.labels.get(state) or self.minted[state].label
        if means == "armed_forces":
            forces = self.facts.forces.get(state) or self._mint(f"Military Forces of {label}", FORCES, state)
            return Placement("rule", fixed=(forces,), years=years)
        if means == "police":
            return Placement("rule", fixed=(self._mint(f"Police Forces of {label}", FORCES, state),), years=years)
        if years is None:  # UCDP's "Government of Mali": the state's side in its conflicts (its GW code)
            return Placement("rule", fixed=(state,))
        periods = tuple((first, last, (gov,)) for first, last, gov in self.facts.governments.get(state, ()))
        return Placement("rule", fixed=(state,), periods=periods, years=years)

    def _curated(self, name: str) -> str | None:
        """The curated actor a name is written for, exactly or after the spelling rules
        (`loose`): the whole name, without ACLED's period, each side of "ACR: Name", and
        the name before " - Long official name". A qualifier ("(Platform)", "- Greater
        Sahara Faction") picks the wing it names: then only names that hold it count
        (never the actor without the qualifier, nor the acronym alone, unless it holds it)."""
        bare = _PERIOD.sub(" ", name).strip()
        tries = [name, bare] if bare != name else [name]
        qualifier = _qualifier(bare)
        acronym, colon, rest = bare.partition(":")
        if colon:
            rest = rest.strip()
            tries.append(rest)
            if len(normalise(acronym)) >= 3 and (not qualifier or qualifier in normalise(acronym)):
                tries.append(acronym.strip())
        head, dash, _long = (rest if colon else bare).partition(" - ")
        if dash and not qualifier and len(normalise(head)) >= 3:
            tries.append(head.strip())  # "Boko Haram - Jamaatu Ahli is-Sunnah ...": the short form
        base = _QUALIFIER.match(rest if colon else bare) if qualifier else None
        if base is not None:
            # the qualifier names the actor itself ("Macina Liberation Front (FLM)") or its
            # country ("Ansar Dine (Mali)"): the name without it is that actor's
            found = self._find(base.group("base"))
            if found is not None and (self._find(base.group("qualifier")) == found
                                      or self.facts.homes.get(found) == self.facts.states.get(qualifier, "")):
                tries.append(base.group("base"))
        for text in tries:
            iri = self._find(text)
            if iri is not None:
                return iri
        return None

    def _find(self, text: str) -> str | None:
        try:
            iri = self.index.find(text)
        except AmbiguousNameError:
            return None
        return iri if iri is not None and iri.startswith(ns.ACTOR) else None

    def _faction(self, m: re.Match, country: str) -> Placement:
        """"Mutiny of X", "Mutineers of X": a faction of X, never X itself."""
        whole = self.place(m.group("of").strip(), country)
        label = _PERIOD.sub(" ", m.group(0)).strip()
        of = whole.every_actor()
        return Placement("faction", fixed=(self._mint(label, ARMED_GROUP, faction_of=min(of) if len(of) == 1 else None),))

    def _mint(self, label: str, cls: str, part_of: str | None = None, faction_of: str | None = None) -> str:
        from kg.imports.layouts import slug

        iri = self.actor_ns + slug(label)
        if iri not in self.minted:
            self.minted[iri] = Minted(iri, label, cls, part_of, faction_of)
        return iri

    # -- suggestions --------------------------------------------------------------------

    def suggest(self, name: str, countries: set[str] | None = None) -> list[str]:
        """Curated actors a curator may alias an unknown name to, best first (computed once per name).

        Only names at least `SUGGEST_AT` alike (ACLED's period and the "ACR:" part
        aside), and only actors of a state the name was met in, or of none: a
        Pakistani "Ansaar ul-Islam" is not Burkina Faso's Ansarul Islam.
        """
        key_seen = (name, frozenset(countries or ()))
        if key_seen in self._suggestions:
            return self._suggestions[key_seen]
        out: list[str] = []
        if not (_AND_OR.search(name) or self._form.match(name) or self._group(name, "") is not None):
            states = {self.state_of(c) for c in countries or ()} - {None}
            key = normalise(_PERIOD.sub(" ", name))
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(key)  # the matcher caches what it learns about its second sequence
            scored = []
            for k, actors in self.index.keys.items():
                if abs(len(k) - len(key)) > (1 - SUGGEST_AT) * 2 * max(len(k), len(key)):
                    continue
                matcher.set_seq1(k)
                if matcher.real_quick_ratio() >= SUGGEST_AT and matcher.quick_ratio() >= SUGGEST_AT:
                    score = matcher.ratio()
                    if score >= SUGGEST_AT:
                        scored.append((score, actors))
            for _score, actors in sorted(scored, key=lambda s: -s[0]):
                for actor in sorted(actors, key=actors.get):
                    home = self.facts.homes.get(actor)
                    if home is not None and home not in states:
                        continue  # only actors of a state the name was met in (Nigeria's forces are not Niger's)
                    if actor not in out:
                        out.append(actor)
        self._suggestions[key_seen] = out[:2]
        return out[:2]


_CIVIL = ("civilians", "protesters", "rioters", "students", "teachers", "journalists", "lawyers",
          "health workers", "refugees", "prisoners", "farmers", "herders", "fishers", "traders", "women",
          "labor group", "labour group")


def similarity(a: str, b: str) -> float:
    """How alike two names are for suggestions (0..1), on their normalised keys."""
    return difflib.SequenceMatcher(None, normalise(_PERIOD.sub(" ", a)), normalise(_PERIOD.sub(" ", b))).ratio()


def write_unresolved(path: Path, rows: list[dict]) -> None:
    """The names no rule placed, in the aliases file's columns, to fill in and merge into data/aliases.csv.

    A CSV for people: a name that a spreadsheet would run as a formula (``=HYPERLINK(...)``)
    gets a leading ``'`` (kg.safe_csv), which ``read_aliases`` takes off again. Written
    whole or not at all (kg.output_files)."""
    import io

    from kg.output_files import write_atomically
    from kg.safe_csv import SafeWriter

    text = io.StringIO()
    writer = SafeWriter(text, lineterminator="\n")
    writer.writerow([*ALIAS_COLUMNS, "mentions", "countries", "years", "suggestion"])
    for r in rows:  # the actor column is the curator's to fill: a suggestion is only a hint
        writer.writerow([r["name"], r["dataset"], "", "", "", "", "", r["mentions"],
                         ";".join(r["countries"]), r["years"], ";".join(r["suggested_ids"])])
    write_atomically(path, text.getvalue().encode("utf-8"))
