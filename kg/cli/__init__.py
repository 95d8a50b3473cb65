"""The ``kg`` command line: it parses arguments, calls the library, prints.

Every command has a Python twin named in its help. Errors from the library
(kg.errors) become ``Error: ...`` on stderr and the documented exit code.
"""

from __future__ import annotations

import sys

from . import ask, check, data, explore, imports, query, serve  # noqa: F401  (register commands)
from .app import app


def main() -> None:
    """Entry point of the ``kg`` script."""
    import typer

    from ..errors import KGError

    try:
        app()
    except KGError as e:
        typer.echo(f"Error: {e}", err=True)
        sys.exit(e.exit_code)


__all__ = ["app", "main"]
