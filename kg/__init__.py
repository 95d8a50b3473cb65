"""sahel-kg: a knowledge graph of the actors of the Sahel conflicts.

The Python twins of the ``kg`` commands, returning plain data:

    import kg
    kg.fought("JNIM", year=2024)          # kg fought JNIM --year 2024
    kg.actor("Wagner")                    # kg actor Wagner
    kg.timeline("Goita", start="2020")    # kg timeline Goita --from 2020
    kg.relations("JNIM", relation="leads")
    kg.query("who-fought-in-year", params={"year": "2013"})
    kg.path("JNIM", "Russia", year=2024)  # kg path JNIM Russia --year 2024
    kg.stats()

Each takes an optional ``store=`` (default: the cached curated graph).

While other processes write (``kg import``, ``kg build``, ``kg drop``), a store
you hold -- ``s = kg.open_store()``, then ``kg.fought("JNIM", store=s)`` -- stays
a consistent snapshot: writers never change a live store, they make a new one and
switch to it, and keep the old one on disk until no process reads it. Calls
without ``store=`` open the current store each time, so they see each write as
soon as it is done. Drop your reference (``del s``) to let the old store go.
"""

from __future__ import annotations

from kg.version import __version__  # noqa: F401

# kg.fought, kg.query, kg.relations and kg.timeline are the functions of the modules of
# kg.ask named like them, imported when first used: a command that needs none of them
# (kg import) does not pay for their imports at start-up (0.1-0.2 s).
_LAZY = {"fought": "kg.ask.fought", "query": "kg.ask.query", "relations": "kg.ask.relations",
         "timeline": "kg.ask.timeline"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    import importlib

    function = getattr(importlib.import_module(module), name)
    globals()[name] = function
    return function


def actor(name: str, **kwargs):
    """Profile of one actor (``kg actor``); see kg.ask.profile.actor."""
    from kg.ask.profile import actor as profile

    return profile(name, **kwargs)


def path(a: str, b: str, **kwargs):
    """How two actors are connected (``kg path``); see kg.ask.network.path."""
    from kg.ask.network import path as shortest

    return shortest(a, b, **kwargs)


def stats(**kwargs):
    """Counts by class, relation type, year and source (``kg stats``)."""
    from kg.ask.stats import stats as compute

    return compute(**kwargs)


def open_store(data_dir=None, **kwargs):
    """The current store of the graph (rebuilt first if the curated data changed): a
    snapshot that stays consistent while you hold it, whatever other processes write
    (see kg.store.cache.open_store)."""
    from kg.store.cache import open_store as open_cached

    return open_cached(data_dir, **kwargs)


__all__ = ["actor", "fought", "open_store", "path", "query", "relations", "stats", "timeline"]
