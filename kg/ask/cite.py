"""Citing what an answer rests on: its sources as BibTeX, CSL-JSON or RIS, the three formats
reference managers read (Zotero, JabRef, Mendeley, EndNote; citeproc processors read CSL-JSON),
and the data set itself ("how to cite the data set").

Every entry is made from the source's row (data/sources.csv): title, publisher, date at its
precision, URL, kind. Keys are the source ids, so a citation in a paper names the row it came
from. Nothing is looked up on the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from kg.errors import UsageError
from kg.graph import namespaces as ns
from kg.graph.terms import IRI
from kg.store import sparql

FORMATS = ("bibtex", "csl-json", "ris")
PROJECT_URL = "https://w3id.org/sahel-kg"
AUTHOR = "sahel-kg contributors"

# How each kind of source (data/sources.csv's kind) is typed in each format
_BIBTEX_TYPE = {"news": "article", "academic": "article", "report": "techreport"}
_CSL_TYPE = {"news": "article-newspaper", "encyclopedia": "entry-encyclopedia", "report": "report",
             "dataset": "dataset", "official": "webpage", "academic": "article-journal"}
_RIS_TYPE = {"news": "NEWS", "encyclopedia": "ENCYC", "report": "RPRT", "dataset": "DATA",
             "official": "ELEC", "academic": "JOUR"}


def sources_of(target: str, *, year: int | None = None, start: str | None = None, end: str | None = None,
               opponent: str | None = None, store=None) -> tuple[str, list[str]]:
    """What ``target`` names and the ids of the sources it rests on.

    ``target`` is ``fought:ACTOR`` (the answer of kg fought, with ``opponent`` and the window),
    or an event id, a statement id, a source id, or an actor's id, name or alias.
    """
    from kg.store.cache import or_default
    from kg.store.names import resolve

    store = or_default(store)
    if target.startswith("fought:"):
        from kg.ask.fought import fought

        actor = target.split(":", 1)[1]
        rows = fought(actor, opponent, year=year, start=start, end=end, store=store)
        found = sorted({s for r in rows for s in r["sources"]})
        what = f"kg fought {actor}" + (f" {opponent}" if opponent else "") + (f" --year {year}" if year else "")
        return what, found
    if year is not None or start is not None or end is not None or opponent is not None:
        raise UsageError("--year, --from, --to and a second actor go with 'kg cite fought ACTOR'")
    for kind, base in (("event", ns.EVENT), ("statement", ns.STATEMENT), ("source", ns.SOURCE)):
        iri = IRI(base + target)
        if store.ask(f"ASK {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"):
            if kind == "source":
                return f"source {target}", [target]
            return f"{kind} {target}", _node_sources(iri, store)
    iri = resolve(target, store)  # an actor, or UnknownNameError with suggestions
    return f"actor {ns.local_id(iri)}", _node_sources(iri, store)


def _node_sources(iri: IRI, store) -> list[str]:
    return sorted({ns.local_id(r["source"]) for r in sparql.run(store, "node-sources", node=iri)})


def source_records(ids: Iterable[str], store=None) -> list[dict[str, Any]]:
    """The rows of the given sources, in the order of ``ids``; an unknown id is a usage error."""
    from kg.store.cache import or_default

    store = or_default(store)
    known = {ns.local_id(r["source"]): r for r in sparql.run(store, "source-details")}
    out = []
    for sid in ids:
        r = known.get(sid)
        if r is None:
            raise UsageError(f"no source '{sid}' in the graph")
        out.append({"id": sid, "title": r["title"], "publisher": r["publisher"], "date": r["date"],
                    "precision": ns.local_id(r["precision"]) if r["precision"] else "Day",
                    "url": str(r["url"]), "kind": r["kind"], "note": r["note"]})
    return out


def dataset_record(store=None) -> dict[str, Any]:
    """The data set as one citable record: its title, kg's version and the as-of day."""
    from kg.store.cache import or_default
    from kg.version import __version__

    store = or_default(store)
    rows = store.select(
        f"SELECT ?title WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ <{ns.DATASET}curated> <{ns.RDFS}label> ?title }} }}")
    as_of = sparql.as_of(store)
    title = str(rows[0]["title"]) if rows else "sahel-kg curated data"
    return {"id": f"sahel_kg_{__version__.replace('.', '_')}", "title": f"{title}, version {__version__}",
            "publisher": AUTHOR, "date": as_of, "precision": "Day", "url": PROJECT_URL, "kind": "dataset",
            "note": f"as of {as_of.isoformat()}; version {__version__}", "author": AUTHOR,
            "version": __version__}


def how_to_cite(store=None) -> str:
    """The one line to put in a bibliography (the data set's version and as-of day)."""
    d = dataset_record(store)
    return (f"{AUTHOR} ({d['date'].year}). {d['title']} (data as of {d['date'].isoformat()}) "
            f"[data set]. {PROJECT_URL}")


def render(records: list[dict[str, Any]], fmt: str) -> str:
    """The records in one format: ``bibtex``, ``csl-json`` or ``ris``."""
    if fmt == "bibtex":
        return "\n".join(_bibtex(r) for r in records)
    if fmt == "csl-json":
        return json.dumps([_csl(r) for r in records], ensure_ascii=False, indent=2) + "\n"
    if fmt == "ris":
        return "".join(_ris(r) for r in records)
    raise UsageError(f"unknown citation format '{fmt}'; expected one of: {', '.join(FORMATS)}")


def cite(target: str, fmt: str = "bibtex", *, year: int | None = None, start: str | None = None,
         end: str | None = None, opponent: str | None = None, store=None) -> str:
    """The sources of an answer, an actor, an event or a statement, in ``fmt``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown citation format '{fmt}'; expected one of: {', '.join(FORMATS)}")
    _what, ids = sources_of(target, year=year, start=start, end=end, opponent=opponent, store=store)
    return render(source_records(ids, store), fmt)


# --- BibTeX ----------------------------------------------------------------------------

_BIB_ESCAPES = str.maketrans({"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                              "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                              "^": r"\textasciicircum{}"})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _bib(text: str) -> str:
    return text.translate(_BIB_ESCAPES)


def _bibtex(r: dict[str, Any]) -> str:
    kind = _BIBTEX_TYPE.get(r["kind"], "misc")
    day: date = r["date"]
    fields = [("title", "{" + _bib(r["title"]) + "}")]  # inner braces keep the title's capitals
    if r.get("author"):
        fields.append(("author", "{" + _bib(r["author"]) + "}"))
    fields.append({"article": ("journal", _bib(r["publisher"])), "techreport": ("institution", _bib(r["publisher"]))}
                  .get(kind, ("publisher", _bib(r["publisher"]))))
    fields.append(("year", str(day.year)))
    if r["precision"] in ("Day", "Month"):
        fields.append(("month", _MONTHS[day.month - 1]))
    if r["precision"] == "Day":
        fields.append(("date", day.isoformat()))
    fields.append(("url", r["url"]))  # URLs go as they are (the url package reads % and _)
    if r.get("version"):
        fields.append(("version", r["version"]))
    if r.get("note"):
        fields.append(("note", _bib(r["note"])))
    body = ",\n".join(f"  {k} = {v if k == 'month' else '{' + v + '}'}" for k, v in fields)
    return f"@{kind}{{{r['id']},\n{body}\n}}\n"


# --- CSL-JSON --------------------------------------------------------------------------

def _csl(r: dict[str, Any]) -> dict[str, Any]:
    day: date = r["date"]
    parts = {"Year": [day.year], "Month": [day.year, day.month]}.get(r["precision"], [day.year, day.month, day.day])
    item: dict[str, Any] = {"id": r["id"], "type": _CSL_TYPE.get(r["kind"], "webpage"), "title": r["title"],
                            "publisher": r["publisher"], "issued": {"date-parts": [parts]}, "URL": r["url"]}
    if r["kind"] in ("news", "encyclopedia", "academic"):
        item["container-title"] = r["publisher"]
    if r.get("author"):
        item["author"] = [{"literal": r["author"]}]
    if r.get("version"):
        item["version"] = r["version"]
    if r.get("note"):
        item["note"] = r["note"]
    return item


# --- RIS -------------------------------------------------------------------------------

def _ris(r: dict[str, Any]) -> str:
    day: date = r["date"]
    kind = _RIS_TYPE.get(r["kind"], "ELEC")
    lines = [("TY", kind), ("ID", r["id"]), ("TI", r["title"])]
    if r.get("author"):
        lines.append(("AU", r["author"]))
    if kind in ("NEWS", "JOUR", "ENCYC"):
        lines.append(("T2", r["publisher"]))
    lines.append(("PB", r["publisher"]))
    lines.append(("PY", str(day.year)))
    date_text = {"Year": f"{day.year}///", "Month": f"{day.year}/{day.month:02d}//"}.get(
        r["precision"], f"{day.year}/{day.month:02d}/{day.day:02d}")
    lines.append(("DA", date_text))
    lines.append(("UR", r["url"]))
    if r.get("version"):
        lines.append(("ET", r["version"]))
    if r.get("note"):
        lines.append(("N1", r["note"].replace("\n", " ")))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)
