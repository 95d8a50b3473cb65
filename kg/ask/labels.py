"""Answers in another language: the labels of actors, places, events and relation types in
French (or any language the graph has labels in), put in place of the English ones.

The queries answer in English (their label patterns keep ``@en`` and untagged labels, so no
row is counted twice); ``localize`` then swaps each label for the node's label in the asked
language, found by id, and keeps the English one where the graph has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.graph import namespaces as ns
from kg.graph.vocab import vocabulary
from kg.store import sparql


def labels(lang: str, store=None) -> dict[str, str]:
    """{local id: label in ``lang``} for every node with one (actors, places, events), and
    {relation csv name: label} for the relation types of schema.ttl."""
    from kg.store.cache import or_default

    store = or_default(store)
    found = {ns.local_id(r["node"]): str(r["label"]) for r in sparql.run(store, "labels-in-language", lang=lang)}
    if lang == "fr":
        for name, term in vocabulary().relations.items():
            if term.label_fr:
                found.setdefault("relation:" + name, term.label_fr)
    return found


# In the rows of kg fought, kg relations and kg actor: each label column with the column of its id
FOUGHT_LABELS = {"actor": "actor_id", "opponent": "opponent_id", "via": "via_id"}


def localize(rows: Iterable[dict[str, Any]], lang: str, columns: dict[str, str], store=None) -> list[dict[str, Any]]:
    """Copies of ``rows`` with each ``label column`` replaced by the label in ``lang`` of the node
    named in its ``id column`` (``columns``: label column -> id column); English where none."""
    rows = list(rows)
    if lang == "en" or not rows:
        return [dict(r) for r in rows]
    table = labels(lang, store)
    out = []
    for r in rows:
        r = dict(r)
        for label_col, id_col in columns.items():
            ident = r.get(id_col)
            if ident and ident in table:
                r[label_col] = table[ident]
        out.append(r)
    return out


PROFILE_LISTS = ("leaders", "leads", "part_of", "components", "merged_into", "absorbed", "succeeded",
                 "succeeded_by", "allies", "opponents", "other_relations")


def localize_profile(profile: dict[str, Any], lang: str, store=None) -> dict[str, Any]:
    """A profile of ``kg.ask.profile.actor`` with its labels in ``lang`` (actors, relations,
    events; English where the graph has none)."""
    if lang == "en":
        return profile
    table = labels(lang, store)
    p = dict(profile)
    p["label"] = table.get(p["id"], p["label"])
    for key in PROFILE_LISTS:
        p[key] = [{**e, "actor": table.get(e.get("actor_id") or "", e.get("actor")),
                   **({"relation": table.get("relation:" + e["relation_id"], e["relation"])}
                      if e.get("relation_id") else {})} for e in p[key]]
    p["events"] = [{**e, "event": table.get(e["id"], e["event"])} for e in p["events"]]
    return p
