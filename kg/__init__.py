"""sahel-kg: a knowledge graph of the actors of the Sahel conflicts.

The functions below are the Python twins of the ``kg`` commands; they are
imported lazily so that ``import kg`` stays cheap for the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"

_API = {
    "build": "kg.build",
    "open_store": "kg.cache",
    "validate": "kg.validate",
}


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
