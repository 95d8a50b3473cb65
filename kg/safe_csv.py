"""CSV and TSV written for people, whose cells a spreadsheet will not run.

Names come from outside (an ACLED actor can be called ``=HYPERLINK(...)``),
and Excel, LibreOffice and Google Sheets run a cell that starts with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula.
As OWASP recommends ("CSV Injection"), such a cell gets a leading single
quote, which spreadsheets show as text and do not run. A cell that is a plain
number (``-5``, ``+3.2``, ``-1e3``) is left alone: a spreadsheet reads it as a
number, not a formula, and it is data a script should get back unchanged.

The SPARQL results formats of ``kg query`` and ``kg serve`` (CSV and TSV of
the W3C recommendation) are standard documents for programs and stay as the
engine writes them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unquote_cell(text: str) -> str:
    """The text ``safe_cell`` was given: a leading ``'`` before a formula's first sign taken off
    (for a file kg wrote for people and reads back, such as ``--unresolved``'s)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) and safe_cell(text[1:]) == text:
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose string cells are neutralised with ``safe_cell``."""

    def __init__(self, out, **options: Any):
        options.setdefault("lineterminator", "\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(c) if isinstance(c, str) else c for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
