"""The library's exceptions. The CLI alone turns them into messages and exit codes.

Exit codes (documented in the README):
  1  data error: the curated CSV files or an import file are invalid
  2  usage error: unknown actor, bad argument, bad date, unknown format
  3  query error: SPARQL syntax or evaluation error
  4  validation error: the built graph does not conform to the SHACL shapes
  5  store or endpoint error: a store that cannot be opened, a server that fails
  6  the operating system refused a read or write (a full disk, a file size limit,
     permissions, a read-only file system, a loop of links, an I/O error): SystemFault
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass


class KGError(Exception):
    """Base of every error a user can cause; carries its CLI exit code."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or line) of an input file."""

    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataError(KGError):
    """Input files with problems; holds them all, not just the first."""

    exit_code = 1

    def __init__(self, problems: list[Problem], note: str | None = None):
        self.problems = list(problems)
        self.note = note  # e.g. how many consequential problems are not listed
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the data:"
        lines = [head, *("  " + str(p) for p in self.problems), *([f"  ({note})"] if note else [])]
        super().__init__("\n".join(lines))


class UsageError(KGError):
    """A bad argument: unknown actor, malformed date, unknown format."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A name that matches no actor; carries the closest candidates."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        msg = f"no actor named '{name}'"
        if suggestions:
            msg += "; did you mean: " + ", ".join(suggestions) + "?"
        super().__init__(msg)


class AmbiguousNameError(UsageError):
    """A name that matches several actors equally well."""

    def __init__(self, name: str, candidates: list[str]):
        self.name = name
        self.candidates = candidates
        super().__init__(
            f"'{name}' is ambiguous; it names: " + ", ".join(candidates) + ". Use an id."
        )


class QueryError(KGError):
    """A SPARQL query that cannot be parsed or evaluated."""

    exit_code = 3


class ParameterError(QueryError):
    """A named query's parameter whose value is not of its declared kind (an id with a
    space or a brace, a year that is no number): refused before the query is built,
    with the exit code of a query that cannot run (3)."""


class ValidationError(KGError):
    """The built graph breaks the SHACL shapes."""

    exit_code = 4

    def __init__(self, report: str):
        self.report = report
        super().__init__("the graph does not conform to the shapes:\n" + report)


class StoreError(KGError):
    """A store or SPARQL endpoint that cannot be used."""

    exit_code = 5


class StoreCorrupt(StoreError):
    """RocksDB itself reports the store corrupt ("Corruption: ..."): the one case in which
    kg moves a store aside (kept, never removed) and starts a new one."""


class SystemFault(KGError):
    """The operating system refused a read or write (ENOSPC, EFBIG, EACCES, EROFS, ELOOP,
    EIO ...). Its own exit code, so that a script tells a full disk from bad input; the
    message names the file, the cause and the fix, and says what was left as it was."""

    exit_code = 6

    def __init__(self, message: str, error: OSError | None = None):
        self.error = error
        super().__init__(message)


# What to do about each operating-system error a write meets (errno -> the fix)
FIXES = {
    errno.ENOSPC: "the disk is full: free some space, then run it again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run it again",
    errno.EFBIG: "the file is larger than this process may write (`ulimit -f`, or the file system's limit): "
                 "raise the limit (`ulimit -f unlimited`) or write elsewhere",
    errno.EACCES: "permission denied: make it yours (chown/chmod) or write elsewhere",
    errno.EPERM: "the operation is not permitted (an immutable or another user's file): write elsewhere, "
                 "or ask its owner",
    errno.EROFS: "the file system is read-only: write to a folder on a writable one",
    errno.ELOOP: "a symbolic link on that path points (through others) back to itself: "
                 "remove or fix the link (ls -l shows where it points)",
    errno.EIO: "the disk reported an input/output error: check the disk (dmesg) and its cable, "
               "then run it again",
    errno.EMFILE: "too many open files: raise the limit (e.g. `ulimit -n 1024`), then run it again",
    errno.ENFILE: "the system has too many open files: close some programs, then run it again",
    errno.ENAMETOOLONG: "the file name is too long: give a shorter one",
    errno.ENOTDIR: "a part of that path is a file where a folder was expected: give another path",
    errno.EISDIR: "it is a directory: give a file name inside it",
    errno.ENOENT: "a folder on that path does not exist: create it, or give another path",
    errno.ENXIO: "no process reads that FIFO or the device is absent: start the reader first, "
                 "or give a regular file",
    errno.ETXTBSY: "the file is a running program: write elsewhere",
}


ERROR_WORDS = ((errno.ENOSPC, "no space left"), (errno.EFBIG, "file too large"), (errno.EROFS, "read-only file"),
               (errno.EACCES, "permission denied"), (errno.EPERM, "operation not permitted"),
               (errno.EIO, "input/output error"), (errno.ELOOP, "too many levels of symbolic links"),
               (errno.EMFILE, "too many open files"), (errno.EDQUOT, "quota exceeded"))


def errno_in_text(text: str) -> int | None:
    """The errno an error's text names (RocksDB's "IO error: ... No space left on device"), or None."""
    low = text.lower()
    return next((code for code, words in ERROR_WORDS if words in low), None)


def describe_os_error(error: OSError) -> str:
    """``No space left on device (ENOSPC)``: the cause, with its symbolic name."""
    name = errno.errorcode.get(error.errno or 0, "")
    cause = error.strerror or str(error) or type(error).__name__
    return f"{cause} ({name})" if name else cause


def system_fault(error: OSError, what: str, *, path: object = None, left: str = "") -> SystemFault:
    """The SystemFault of ``error``: ``cannot <what> <file>: <cause>; <left>`` and the fix.

    ``path`` names the file when the error does not (an OSError raised by a library
    often carries no file name); ``left`` says what stayed as it was."""
    name = path if path is not None else error.filename
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    where = f" {name}" if name not in (None, "") else ""
    fix = FIXES.get(error.errno or 0, "")
    message = f"cannot {what}{where}: {describe_os_error(error)}"
    if left:
        message += f"; {left}"
    if fix:
        message += f"\n{fix}"
    return SystemFault(message, error)
