"""The words of a page in its language: the catalogue's messages (``kg.messages.page_catalogue``),
dates at their precision, and the graph's labels in that language.

Python writes part of the page's text (periods, titles, type names, the map's tables) and the
page's script the rest; both read the same catalogue, so ``kg viz --lang fr`` is French
throughout and a third language is one more ``kg/locale/kg.<lang>.po``.
"""

from __future__ import annotations

import copy
import gettext
import re
from datetime import date
from typing import Any

from kg.graph.dates import Period
from kg.messages import DEFAULT, page_catalogue

_FIELD = re.compile(r"\{(\w+)\}")
_PRECISION = {"Day": "Day", "Month": "Month", "Year": "Year", "d": "Day", "m": "Month", "y": "Year"}


class Words:
    """The messages of one language, as the page's ``t()`` reads them, for Python's side of the page.

    ``labels`` ({local id: label}, and ``relation:NAME`` for relation types) are the graph's
    labels in the language (:func:`kg.ask.labels.labels`); empty in English.
    """

    def __init__(self, lang: str = DEFAULT, labels: dict[str, str] | None = None) -> None:
        self.lang = lang
        self.messages, self.plural_rule = page_catalogue(lang)
        self._plural = gettext.c2py(self.plural_rule)
        self.labels = labels or {}
        self._dates: dict[tuple[Any, str], str] = {}  # a page writes the same days thousands of times

    def t(self, key: str, **values: Any) -> str:
        """The message ``key`` with its ``{fields}`` filled; a plural message takes ``n``."""
        text = self.messages.get(key, key)
        if isinstance(text, list):
            text = text[min(len(text) - 1, self._plural(int(values.get("n", 1))))]
        return _FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)

    def term(self, family: str, name: str, default: str) -> str:
        """A name of the page's vocabulary (``actor_type:state``, ``certainty:alleged``), else ``default``."""
        text = self.messages.get(f"{family}:{name}")
        return text if isinstance(text, str) else default

    def date(self, day: date | str, precision: str = "Day") -> str:
        """A day at its precision ("Day", "Month", "Year"), written as the catalogue says
        (``date_day``, ``date_month``, ``months``): 2019-03-02 in English, 2 mars 2019 in French."""
        known = self._dates.get((day, precision))
        if known is None:
            known = self._dates[(day, precision)] = self._date(day, precision)
        return known

    def _date(self, day: date | str, precision: str) -> str:
        iso = day.isoformat() if isinstance(day, date) else str(day)
        precision = _PRECISION.get(precision, "Day")
        y, mm, dd = iso[:4], iso[5:7], iso[8:10]
        if precision == "Year" or not mm:
            return y
        months = self.t("months").split("|")
        month = months[int(mm) - 1] if len(months) == 12 else mm
        values = {"y": y, "mm": mm, "dd": dd, "d": str(int(dd)) if dd else "", "month": month}
        return self.t("date_month" if precision == "Month" or not dd else "date_day", **values)

    def period(self, p: Period) -> str:
        """A period as :meth:`kg.graph.dates.Period.text` writes it, in the page's language."""
        start = self.date(p.start, p.start_precision)
        if p.end is None:
            return self.t("period_ongoing", start=start)
        end = self.date(p.end, p.end_precision)
        return start if end == start else self.t("period", start=start, end=end)

    def style(self, st: dict[str, Any]) -> dict[str, Any]:
        """A copy of the page's styles (``templates/viz-style.json``) with its labels in the language."""
        out = copy.deepcopy(st)
        for kind, s in out["nodes"].items():
            s["label"] = self.term("actor_type", kind, s["label"])
        for kind, s in out["events"].items():
            s["label"] = self.term("event_kind", kind, s["label"])
        return out

    def label(self, ident: str, default: str) -> str:
        """The graph's label of a node (its local id) in the language, else ``default``."""
        return self.labels.get(ident, default)

    def page(self) -> dict[str, Any]:
        """What the page's script reads as ``DATA.messages``: every message by key, and ``lang``."""
        return {"lang": self.lang, **self.messages}
