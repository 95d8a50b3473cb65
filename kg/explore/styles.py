"""What every page of kg draws with: colours and shapes by kind (``templates/viz-style.json``)
and the sources it cites. Shared by the network page, the map and the timeline pages."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from kg.graph import namespaces as ns
from kg.store import sparql


def safe_json(data: Any) -> str:
    """JSON that cannot close its <script> element or start markup (a page's data block)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def style() -> dict[str, Any]:
    """Colours and shapes by actor type and relation type (``templates/viz-style.json``)."""
    return json.loads(resources.files("kg").joinpath("templates/viz-style.json").read_text(encoding="utf-8"))


def page_sources(store) -> dict[str, dict]:
    """The sources the page cites, by id: title, publisher, date and address, so a reader can judge them."""
    return {
        ns.local_id(r["source"]): {"title": r["title"], "url": str(r["url"]) if r["url"] else None,
                                   "publisher": str(r["publisher"]) if r["publisher"] else None,
                                   "date": str(r["date"]) if r["date"] else None}
        for r in sparql.run(store, "sources-cited")
    }
