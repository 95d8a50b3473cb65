"""The ``kg`` command line: it parses arguments, calls the library, prints.

Every command has a Python twin named in its help. Errors from the library
(kg.errors) become ``Error: ...`` on stderr and the documented exit code.
"""

from __future__ import annotations

import sys

from kg.cli import ask, check, compare, data, explore, imports, query, serve  # noqa: F401  (register commands)
from kg.cli.app import app, state


def main() -> None:
    """Entry point of the ``kg`` script."""
    import typer

    from kg.errors import KGError

    try:
        app()
    except KGError as e:
        typer.echo(f"Error: {e}", err=True)
        sys.exit(e.exit_code)
    except SystemExit as e:
        if state.answered and e.code in (0, None):
            _exit_at_once()
        raise


def _exit_at_once() -> None:
    """End the process without Python's teardown, after a read-only command succeeded:
    only the output buffers need flushing (the kernel releases the store's reader lock
    with its file; a read-only RocksDB has nothing to write)."""
    import logging
    import os

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe (kg fought | head): Python's own exit, as before
        return
    logging.shutdown()
    os._exit(0)


__all__ = ["app", "main"]
