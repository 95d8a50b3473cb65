"""Resolving what a user types ("goita", "GSIM", "Katiba Macina") to an actor IRI.

Ids, labels and aliases all count; matching ignores case, accents,
apostrophes, hyphens and spaces. A miss suggests the closest names.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import AmbiguousNameError, UnknownNameError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI, normalise
from kg.store import sparql

__all__ = ["NameIndex", "index", "label", "normalise", "resolve"]


@dataclass
class NameIndex:
    """Every name of every actor, by normalised key."""

    labels: dict[IRI, str]
    keys: dict[str, dict[IRI, int]]  # key -> {actor: rank}; rank 0 id, 1 label, 2 alias

    @classmethod
    def load(cls, store) -> NameIndex:
        return cls.from_rows(sparql.run(store, "actor-names"))

    @classmethod
    def from_rows(cls, rows) -> NameIndex:
        """From rows with ``actor``, ``label`` and ``alias`` (actor-names, actor-index)."""
        labels: dict[IRI, str] = {}
        keys: dict[str, dict[IRI, int]] = {}

        def add(key: str, actor: IRI, rank: int) -> None:
            if key:
                bucket = keys.setdefault(key, {})
                bucket[actor] = min(rank, bucket.get(actor, rank))

        for row in rows:
            actor = row["actor"]
            labels[actor] = row["label"]
            add(normalise(ns.local_id(actor)), actor, 0)
            add(normalise(row["label"]), actor, 1)
            if row["alias"]:
                add(normalise(row["alias"]), actor, 2)
        return cls(labels, keys)

    def resolve(self, name: str) -> IRI:
        found = self.find(name)
        if found is None:
            raise UnknownNameError(name, self.suggest(name))
        return found

    def find(self, name: str) -> IRI | None:
        """The actor a name (or IRI) exactly names, or None; AmbiguousNameError when several
        share it at the same rank. No suggestions: cheap enough to call for every name of an import."""
        if name.startswith(("http://", "https://")) and IRI(name) in self.labels:
            return IRI(name)
        matches = self.keys.get(normalise(name), {})
        if matches:
            best = min(matches.values())
            top = sorted(a for a, rank in matches.items() if rank == best)
            if len(top) == 1:
                return top[0]
            raise AmbiguousNameError(name, [f"{ns.local_id(a)} ({self.labels[a]})" for a in top])
        return None

    def suggest(self, name: str, n: int = 5) -> list[str]:
        import difflib  # only when a name is not found

        key = normalise(name)
        close = difflib.get_close_matches(key, list(self.keys), n=n * 2, cutoff=0.6)
        if not close:  # fall back to names that contain the typed text
            close = [k for k in self.keys if key and key in k][: n * 2]
        out: list[str] = []
        for k in close:
            for actor in sorted(self.keys[k], key=lambda a: self.keys[k][a]):
                label = f"{self.labels[actor]} ({ns.local_id(actor)})"
                if label not in out:
                    out.append(label)
        return out[:n]


def index(store, rows=None) -> NameIndex:
    """The name index of a store, loaded once per store object (from ``rows`` of
    actor-index when the caller has run it already).

    Kept on the store object itself, not by ``id(store)``: a store let go of and a
    new one opened (after an import) may get the same id, and must not get the old names."""
    found = getattr(store, "_name_index", None)
    if found is None:
        found = NameIndex.from_rows(rows) if rows is not None else NameIndex.load(store)
        try:
            store._name_index = found
        except AttributeError:  # a store class with __slots__: no cache
            pass
    return found


def resolve(name: str, store) -> IRI:
    """The IRI of the actor a user means, or UnknownNameError / AmbiguousNameError."""
    return index(store).resolve(name)


def label(iri: str, store) -> str:
    return index(store).labels.get(IRI(iri), ns.local_id(iri))
