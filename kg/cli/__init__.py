"""The ``kg`` command line: it parses arguments, calls the library, prints.

Every command has a Python twin named in its help. Errors from the library
(kg.errors) become ``Error: ...`` on stderr and the documented exit code.
"""

from __future__ import annotations

import sys

from kg.cli import ask, check, compare, data, explore, imports, query, serve  # noqa: F401  (register commands)
from kg.cli.app import app, command, state
from kg.cli.output import echo
from kg.errors import KGError, system_fault


def main() -> None:
    """Entry point of the ``kg`` script: the one boundary where errors become messages.

    The library's errors (kg.errors) print ``Error: ...`` and exit with their code; the
    operating system's (OSError: a full disk, ``ulimit -f``, a read-only file system,
    an I/O error), wherever they surface, are a SystemFault naming the file, the cause
    and the fix (exit 6). Standard output is flushed here, so that a full disk or
    ``/dev/full`` under it is that error too, never a success; a reader that went away
    (``kg ... | head``) ends kg quietly.
    """
    import gc

    from kg import terminal
    from kg.output_files import ignore_file_size_signal

    # what start-up made (modules, the command table) lives as long as the process: frozen,
    # no collection walks it again (an import collects ~15 times; ~0.05 s of a 500-row file).
    # Once: main is the process's entry; a caller running it again keeps its later objects collectable
    if gc.get_freeze_count() == 0:
        gc.freeze()
    ignore_file_size_signal()
    terminal.install()
    code: int | str | None = 0
    try:
        result = command()(prog_name="kg", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except SystemExit as e:
        code = e.code
    except KGError as e:
        code = _fail(e)
    except BrokenPipeError:
        _quiet_pipe()
    except OSError as e:
        code = _fail(system_fault(e, "read or write", left="kg stopped there"))
    except KeyboardInterrupt:
        echo("Error: interrupted", err=True)
        code = 130
    except Exception as e:
        if type(e).__name__ == "Abort":  # click's word for Ctrl-C
            echo("Error: interrupted", err=True)
            code = 130
        elif hasattr(e, "show") and hasattr(e, "exit_code"):  # click's usage errors, printed as click does
            code = _usage(e)
        else:
            raise
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
    except OSError as e:
        code = _fail(system_fault(e, "write", path="standard output",
                                  left="what was printed there is incomplete")) if code in (0, None) else code
    if state.answered and code in (0, None):
        _exit_at_once()
    sys.exit(code)


def _usage(error) -> int:
    """A usage error of the parser (an unknown option, a value that is no number), as click
    prints it, with the control characters of what was typed escaped."""
    import io

    text = io.StringIO()
    error.show(file=text)
    echo(text.getvalue(), err=True, nl=False)
    return error.exit_code


def _fail(error: KGError) -> int:
    """Print ``Error: ...`` on stderr, straight to its file descriptor: retried when a write
    fails (an I/O error now may pass a moment later), so that the message is not lost to
    the very fault it reports."""
    import os

    from kg.terminal import escape_controls

    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    message = escape_controls(f"Error: {error}").encode(encoding, "backslashreplace") + b"\n"
    for _ in range(30):
        try:
            while message:
                message = message[os.write(2, message):]
            break
        except InterruptedError:
            continue
        except OSError:
            continue
    return error.exit_code


def _quiet_pipe() -> None:
    """The reader of stdout went away: end now, with nothing more written to it."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit finds nowhere to fail
    except (OSError, ValueError):
        pass
    os._exit(0)


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
