"""Resolving what a user types ("goita", "GSIM", "Katiba Macina") to an actor IRI.

Ids, labels and aliases all count; matching ignores case, accents,
apostrophes, hyphens and spaces. Then the names the imported data sets write
("Military Forces of Mali (2021-)"), each for the actor its import chose
(with ``source``, that data set's names first); then the same names after the
spelling rules the import uses (`loose`: ACLED's generic words, dashes,
apostrophes and transliterations). A miss suggests the closest names, ranked
by those rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kg.errors import AmbiguousNameError, UnknownNameError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI, normalise
from kg.store import sparql

__all__ = ["NameIndex", "index", "label", "normalise", "resolve"]


# -- spelling drift, by rule (the import and the name arguments use the same) ----------

# Words ACLED and others append or drop without naming another actor ("Koglweogo
# Militia", "Al Mourabitoune Battalion", "Katiba Macina"), and articles.
GENERIC_WORDS = frozenset({
    "militia", "militias", "battalion", "battalions", "brigade", "brigades", "group", "groups", "faction",
    "factions", "wing", "katiba", "katibat", "the", "al", "el", "ul", "il", "ed", "ad", "ar", "as", "an",
    "les", "la", "le", "l",
})
# Transliterations of one sound (French and English renderings of Arabic, Fulfulde,
# Tamasheq names), applied in this order to each word.
_TRANSLITERATIONS = (("ou", "u"), ("oo", "u"), ("dh", "d"), ("kh", "k"), ("gh", "g"), ("q", "k"),
                     ("ee", "i"), ("y", "i"), ("aa", "a"), ("ph", "f"))
_PERIOD_IN_NAME = re.compile(r"\(\s*\d{4}\s*-\s*(?:\d{4})?\s*\)")
_WORD = re.compile(r"[^\W_]+")
_DOUBLE = re.compile(r"(.)\1+")


def loose(name: str) -> str:
    """The key of a name after the spelling rules: no period "(2013-2020)", no generic
    words or articles, dashes and apostrophes as spaces, one spelling per sound, no
    doubled letters, no final mute "e" or "h" ("Al Mourabitoune Battalion" -> "murabitun",
    "Ansaroul Islam" -> "ansarislam"). Two names with the same key are one name's spellings."""
    text = unicodedata.normalize("NFKD", _PERIOD_IN_NAME.sub(" ", name).casefold())
    text = text.replace("'", "").replace("\u2019", "").replace("`", "")
    out = []
    for word in _WORD.findall(text):
        if word in GENERIC_WORDS or not word.isascii():
            if not word.isascii():
                word = "".join(c for c in word if c.isascii())
                if not word or word in GENERIC_WORDS:
                    continue
            else:
                continue
        for a, b in _TRANSLITERATIONS:
            word = word.replace(a, b)
        word = _DOUBLE.sub(r"\1", word)
        if len(word) > 4 and word.endswith("ul"):  # "Ansarul", "Nusratul": the article attached
            word = word[:-2]
        if len(word) > 3 and word.endswith(("e", "h")):  # "Mourabitoune", "Sunnah": a final mute letter
            word = word[:-1]
        out.append(word)
    return "".join(out)


@dataclass
class NameIndex:
    """Every name of every actor, by normalised key; the data sets' own names; and every
    name again by its `loose` key."""

    labels: dict[IRI, str]
    keys: dict[str, dict[IRI, int]]  # key -> {actor: rank}; rank 0 id, 1 label, 2 alias
    source_keys: dict[str, dict[str, IRI]] = field(default_factory=dict)  # data set -> key -> actor it chose
    loose_keys: dict[str, dict[IRI, int]] = field(default_factory=dict)  # loose key -> {actor: rank}; 3 a data set's name

    @classmethod
    def load(cls, store) -> NameIndex:
        return cls.from_rows(sparql.run(store, "actor-names"), sparql.run(store, "dataset-names"))

    @classmethod
    def from_rows(cls, rows, source_rows=(), start: NameIndex | None = None) -> NameIndex:
        """From rows with ``actor``, ``label`` and ``alias`` (actor-names, actor-index), and
        dataset-names' rows (``graph``, ``actor``, ``name``). ``start``: the index of rows
        that come before these, made without dataset-names' rows; the result is then the
        index of those rows and these (what a writer keeps of the curated graph's rows)."""
        if start is not None and start.source_keys:
            raise ValueError("an index to start from holds no data set's names")
        labels: dict[IRI, str] = dict(start.labels) if start else {}
        keys: dict[str, dict[IRI, int]] = {k: dict(b) for k, b in start.keys.items()} if start else {}
        loose_keys: dict[str, dict[IRI, int]] = {k: dict(b) for k, b in start.loose_keys.items()} if start else {}
        seen: set[tuple[str, IRI]] = set()  # a name met again changes nothing (the lowest rank stays)

        def add(name: str, actor: IRI, rank: int) -> None:
            for table, key in ((keys, normalise(name)), (loose_keys, loose(name))):
                if key:
                    bucket = table.setdefault(key, {})
                    bucket[actor] = min(rank, bucket.get(actor, rank))

        for row in rows:
            actor = row["actor"]
            labels[actor] = row["label"]
            for name, rank in ((ns.local_id(actor), 0), (row["label"], 1), (row["alias"], 2)):
                if name and (name, actor) not in seen:
                    seen.add((name, actor))
                    add(name, actor, rank)
        sources: dict[str, dict[str, IRI]] = {}
        for row in source_rows:
            dataset, actor, name = ns.local_id(row["graph"]), row["actor"], row["name"]
            if actor not in labels:
                continue
            key = normalise(name)
            if key:
                sources.setdefault(dataset, {}).setdefault(key, actor)
            lk = loose(name)
            if lk:
                bucket = loose_keys.setdefault(lk, {})
                bucket[actor] = min(3, bucket.get(actor, 3))
        return cls(labels, keys, sources, loose_keys)

    def resolve(self, name: str, source: str | None = None) -> IRI:
        found = self.find(name, source)
        if found is None:
            raise UnknownNameError(name, self.suggest(name))
        return found

    def find(self, name: str, source: str | None = None) -> IRI | None:
        """The actor a name (or IRI) names, or None; AmbiguousNameError when several share
        it at the same rank. In order: ``source``'s own names (a data set: acled, ucdp), the
        ids, labels and aliases, the data sets' names, then the `loose` keys. No
        suggestions: cheap enough to call for every name of an import."""
        if name.startswith(("http://", "https://")) and IRI(name) in self.labels:
            return IRI(name)
        key = normalise(name)
        if source is not None:
            chosen = self.source_keys.get(source, {}).get(key)
            if chosen is not None:
                return chosen
        matches = self.keys.get(key, {})
        if matches:
            return self._one(name, matches)
        chosen_by = {data: names[key] for data, names in self.source_keys.items() if key in names}
        if len(set(chosen_by.values())) == 1:
            return next(iter(chosen_by.values()))
        if chosen_by:
            raise AmbiguousNameError(name, [f"{ns.local_id(a)} ({self.labels[a]}; --source {data})"
                                            for data, a in sorted(chosen_by.items())])
        matches = self.loose_keys.get(loose(name), {}) if key else {}
        if matches:
            return self._one(name, matches)
        return None

    def _one(self, name: str, matches: dict[IRI, int]) -> IRI:
        best = min(matches.values())
        top = sorted(a for a, rank in matches.items() if rank == best)
        if len(top) == 1:
            return top[0]
        raise AmbiguousNameError(name, [f"{ns.local_id(a)} ({self.labels[a]})" for a in top])

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """The closest names, by the import's spelling rules first (`loose` keys), then by
        similarity of those keys, then names containing the typed text."""
        import difflib  # only when a name is not found

        key, lk = normalise(name), loose(name)
        close = difflib.get_close_matches(lk, list(self.loose_keys), n=n * 2, cutoff=0.75) if lk else []
        buckets = [self.loose_keys[k] for k in close]
        buckets += [self.keys[k] for k in difflib.get_close_matches(key, list(self.keys), n=n * 2, cutoff=0.6)]
        if not buckets:  # fall back to names that contain the typed text
            buckets = [self.keys[k] for k in self.keys if key and key in k][: n * 2]
        out: list[str] = []
        for bucket in buckets:
            for actor in sorted(bucket, key=lambda a: bucket[a]):
                label = f"{self.labels[actor]} ({ns.local_id(actor)})"
                if label not in out:
                    out.append(label)
        return out[:n]


def index(store, rows=None, source_rows=None) -> NameIndex:
    """The name index of a store, loaded once per store object (from ``rows`` of
    actor-index when the caller has run it already).

    Kept on the store object itself, not by ``id(store)``: a store let go of and a
    new one opened (after an import) may get the same id, and must not get the old names."""
    found = getattr(store, "_name_index", None)
    if found is None:
        if rows is None:
            found = NameIndex.load(store)
        else:
            found = NameIndex.from_rows(rows, sparql.run(store, "dataset-names") if source_rows is None else source_rows)
        try:
            store._name_index = found
        except AttributeError:  # a store class with __slots__: no cache
            pass
    return found


def resolve(name: str, store, source: str | None = None) -> IRI:
    """The IRI of the actor a user means, or UnknownNameError / AmbiguousNameError;
    ``source`` (acled, ucdp) puts that data set's own names first."""
    return index(store).resolve(name, source)


def label(iri: str, store) -> str:
    return index(store).labels.get(IRI(iri), ns.local_id(iri))
