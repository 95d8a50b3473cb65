"""The library's exceptions. The CLI alone turns them into messages and exit codes.

Exit codes (documented in the README):
  1  data error: the curated CSV files or an import file are invalid
  2  usage error: unknown actor, bad argument, bad date, unknown format
  3  query error: SPARQL syntax or evaluation error
  4  validation error: the built graph does not conform to the SHACL shapes
  5  store or endpoint error: a store that cannot be opened, a server that fails
"""

from __future__ import annotations

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
