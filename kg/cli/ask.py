"""Commands that answer questions: fought, actor, timeline, relations, path."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import FormatOption, LangOption, actor_name, answered, app, language, store
from kg.cli.output import echo, emit

YearOption = Annotated[int | None, typer.Option("--year", "-y", help="Only what overlaps this year.")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Start of the window: YYYY, YYYY-MM or YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="End of the window: YYYY, YYYY-MM or YYYY-MM-DD.")]
NamesFromOption = Annotated[str | None, typer.Option(
    "--source", help="Read the name as this imported data set writes it first: acled or ucdp (UCDP's IS).")]


@app.command()
def fought(
    actor: Annotated[str | None, typer.Argument(help="An actor: id, name or alias (JNIM, GSIM, goita ...).", callback=actor_name)] = None,
    opponent: Annotated[str | None, typer.Argument(help="A second actor: when did these two fight?", callback=actor_name)] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    exact: Annotated[bool, typer.Option("--exact", help="Do not count an actor's parts (armed forces, components).")] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="Only evidence from one data set: curated, acled or ucdp.")
    ] = None,
    possible: Annotated[bool, typer.Option(
        "--possible", help='Also the battles where a side is named "A and/or B" (uncertain attribution), '
                           'as rows of kind "possibly".')] = False,
    fmt: FormatOption = "table",
    show_sparql: Annotated[bool, typer.Option("--show-sparql", help="Print the SPARQL queries run, then the answer.")] = False,
    lang: LangOption = None,
) -> None:
    """Who fought whom, when: periods, events, fatalities and sources.

    Merges dated "fought" statements and combat events with the actors on
    opposite sides. An actor stands for its parts (Mali for its army, Russia
    for Wagner and Africa Corps, JNIM for its components after they joined);
    the "via" column names the part, and "also direct" how many of its events
    a direct row already counts. Names may be written as an imported file
    writes them ("Military Forces of Mali (2021-)"); with --source acled|ucdp,
    that data set's names come first. What the answer leaves out ("A and/or B"
    battles) is said under it. In Python: kg.fought(actor, opponent, year=...,
    possible=...), kg.ask.fought.fought_notes(...).
    """
    from kg.ask.fought import _answer

    lang = language(lang)
    db = store()
    rows, queries, notes = _answer(actor, opponent, year, start, end, exact, source, db, possible)
    if lang != "en":
        from kg.ask.labels import FOUGHT_LABELS, localize
        from kg.messages import translate

        rows = localize(rows, lang, FOUGHT_LABELS, db)
        ongoing = translate("ongoing", lang)
        rows = [{**r, "period_text": r["period_text"].replace("ongoing", ongoing)} for r in rows]
    if show_sparql:  # on stderr when the answer is data a script will parse
        for q in queries:
            echo(q.rstrip() + "\n", err=fmt.value != "table")
    if fmt.value == "json":
        emit([], "json", json_data=[{k: v for k, v in r.items() if k != "period_text"} for r in rows])
    else:
        flat = []
        also_direct = any("also_direct" in x for x in rows)  # once: per row it made 3,000 rows 2 s slower
        for r in rows:
            line = {"actor": r["actor"], "opponent": r["opponent"], "periods": r["period_text"], "events": r["events"],
                    "fatalities": r["fatalities"], "via": _via(r)}
            if also_direct:
                line["also direct"] = r.get("also_direct")
            if possible:
                line["kind"] = r.get("kind", "fought")
            line["sources"] = r["sources"]
            flat.append(line)
        emit(flat, fmt.value, lang=lang)
    for note in notes:  # under the answer; on stderr when the answer is data a script parses
        echo(("\n" if fmt.value == "table" else "") + "note: " + note, err=fmt.value != "table")
    answered()


def _names_from(source: str | None) -> str | None:
    """The data set whose own names a name argument is read in first (--source acled|ucdp)."""
    if source is not None and source not in ("acled", "ucdp"):
        from kg.errors import UsageError

        raise UsageError(f"unknown data set '{source}' for --source; expected acled or ucdp")
    return source


def _via(row: dict) -> str | None:
    """The part(s) through which a rolled-up row was found: 'Wagner Group' or 'A / B'."""
    parts = [p for p in (row["via"], row["opponent_via"]) if p]
    return " / ".join(parts) or None


@app.command()
def actor(
    name: Annotated[str, typer.Argument(help="An actor: id, name or alias.", callback=actor_name)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    source: NamesFromOption = None,
    lang: LangOption = None,
) -> None:
    """A profile: type, aliases, Wikidata item (a link), active period, leaders, parents and
    components, allies and opponents by period, key events, sources.

    In Python: kg.ask.profile.actor(name); kg.ask.labels.localize_profile(profile, "fr").
    """
    from kg.ask.profile import actor as profile
    from kg.messages import translate

    lang = language(lang)
    db = store()
    p = profile(name, source=_names_from(source), store=db)
    if lang != "en":
        from kg.ask.labels import localize_profile

        p = localize_profile(p, lang, db)
    if fmt == "json":
        emit([], "json", json_data=p)
        return
    if fmt != "text":
        raise typer.BadParameter("expected text or json", param_hint="--format")

    def _(text: str) -> str:
        return translate(text, lang)

    echo(f"{p['label']}  ({p['id']})")
    kind = p["type"] + (f", {p['orientation']}" if p["orientation"] else "")
    facts = [("type", kind), ("active", p["active"]["text"].replace("ongoing", _("ongoing")) if p["active"] else None),
             ("country", p["country"]), ("wikidata", p["wikidata_url"]), ("aliases", "; ".join(p["aliases"])),
             ("about", p["description"])]
    width = max(len(_(key)) for key, _value in facts) + 2
    for key, value in facts:
        if value:
            echo(f"  {(_(key) + ':').ljust(width)}{value}")
    sections = [("Leaders", "leaders"), ("Leads", "leads"), ("Part of / acts for", "part_of"),
                ("Components and agents", "components"), ("Merged into", "merged_into"),
                ("Absorbed", "absorbed"), ("Succeeded", "succeeded"), ("Succeeded by", "succeeded_by"),
                ("Allies", "allies")]
    for title, key in sections:
        if p[key]:
            echo(f"\n{_(title)}")
            emit(p[key], "table", ["actor", "relation", "period", "certainty"], lang=lang)
    if p["opponents"]:
        echo("\n" + _("Fought"))
        emit(p["opponents"], "table", ["actor", "period", "events", "via"], lang=lang)
        for note in p["opponents_notes"]:
            echo("note: " + note)
    if p["other_relations"]:
        echo("\n" + _("Other relations"))
        emit(p["other_relations"], "table", ["relation", "actor", "period", "certainty"], lang=lang)
    if p["events"]:
        echo("\n" + _("Events"))
        linked = ["records"] if any(e.get("records") for e in p["events"]) else []  # kg link: ACLED, UCDP records
        emit(p["events"], "table", ["date", "event", "type", "role", "place", "fatalities", *linked], lang=lang)
    echo("\n" + _("Sources") + ": " + ", ".join(p["sources"]))


class TimelineFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@app.command()
def timeline(
    name: Annotated[str | None, typer.Argument(help="An actor (default: everything).", callback=actor_name)] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: Annotated[TimelineFormat, typer.Option(
        "--format", "-f", help="Output: an aligned table, JSON, CSV, or an HTML page drawing one actor's timeline.",
    )] = TimelineFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="With --format html: the file to write.")] = None,
    source: NamesFromOption = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="LANG", help="With --format html: the page's language, en or fr (default: $KG_LANG, else en).",
    )] = None,
) -> None:
    """Statements and events in date order, of one actor or of the whole graph.

    --format html draws one actor's timeline (bars for periods, dots for one-off
    relations, ticks for events) as a self-contained page. In Python:
    kg.ask.timeline.timeline(name, year=..., start=..., end=...), kg.explore.timeline_page.timeline_page(name, output, lang=...);
    the "A and/or B" battles it leaves out: kg.ask.fought.possible_battles(name, year=...).
    """
    from kg.errors import UsageError

    if lang is not None and fmt is not TimelineFormat.html:
        raise UsageError("--lang: kg timeline writes its page in another language (--format html); its rows keep English")
    if fmt is TimelineFormat.html:
        from kg.explore.timeline_page import timeline_page

        if name is None:
            raise UsageError("--format html draws one actor's timeline: give its NAME, e.g. kg timeline JNIM --format html -o jnim.html")
        if year is not None or start is not None or end is not None:
            raise UsageError("--format html draws the whole timeline: leave out --year, --from and --to")
        page = timeline_page(name, output, lang=language(lang), store=store())
        if output is None:
            echo(page["html"], nl=False)
        else:
            echo(f"wrote {page['path']}: timeline of {page['actor']}, {page['relations']} dated relations, "
                       f"{page['events']} events")
        return
    if output is not None:
        raise UsageError("--output is for --format html; the other formats print to standard output")
    from kg.ask.fought import possible_battles, possible_note
    from kg.ask.timeline import timeline as run

    db = store()
    rows = run(name, year=year, start=start, end=end, source=_names_from(source), store=db)
    linked = ["records"] if any(r.get("records") for r in rows) else []  # kg link: the ACLED and UCDP records
    emit(rows, fmt.value, ["when", "kind", "what", "sources", *linked])
    # the "A and/or B" battles the events leave out, said under them (stderr under data a script parses)
    left_out = possible_battles(name, year=year, start=start, end=end, source=_names_from(source), store=db)
    if left_out:
        echo(("\n" if fmt.value == "table" else "") + "note: " + possible_note(len(left_out)),
             err=fmt.value != "table")


@app.command()
def relations(
    name: Annotated[str, typer.Argument(help="An actor: id, name or alias.", callback=actor_name)],
    relation: Annotated[
        str | None, typer.Option("--type", "-t", help="Only this relation type: fought, allied_with, leads ...")
    ] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    source: NamesFromOption = None,
    lang: LangOption = None,
) -> None:
    """Every dated relation of an actor (fought, allied with, supports, leads, succeeded ...).

    In Python: kg.ask.relations.relations(name, relation=..., year=...).
    """
    from kg.ask.relations import relations as run

    lang = language(lang)
    db = store()
    rows = run(name, relation=relation, year=year, start=start, end=end, source=_names_from(source), store=db)
    if lang != "en":
        from kg.ask.labels import localize

        rows = [{**r, "relation_key": "relation:" + r["relation"]} for r in rows]
        rows = localize(rows, lang, {"subject": "subject_id", "object": "object_id",
                                     "relation_label": "relation_key"}, db)
        rows = [{k: v for k, v in r.items() if k != "relation_key"} for r in rows]
    emit(rows, fmt.value, ["subject", "relation_label", "object", "period_text", "certainty", "sources"], lang=lang)


class CiteFormat(str, Enum):
    bibtex = "bibtex"
    csl_json = "csl-json"
    ris = "ris"


@app.command()
def cite(
    what: Annotated[list[str] | None, typer.Argument(
        help="'fought ACTOR [OPPONENT]' (the sources of that answer), or an actor's name, an event id, "
             "a statement id or a source id.")] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: Annotated[CiteFormat | None, typer.Option(
        "--format", "-f", help="bibtex (default), csl-json (Zotero, citeproc) or ris (EndNote, Zotero, Mendeley).")] = None,
    dataset: Annotated[bool, typer.Option(
        "--dataset", help="How to cite the data set itself: one line with its version and as-of day "
                          "(or its entry, with --format).")] = False,
) -> None:
    """The sources of an answer as BibTeX, CSL-JSON or RIS, for a reference manager.

    kg cite fought JNIM --year 2019; kg cite JNIM; kg cite battle_of_konna_2013;
    kg cite --dataset. In Python: kg.ask.cite.cite(target, fmt, year=...), kg.ask.cite.how_to_cite().
    """
    from kg.ask import cite as citing
    from kg.errors import UsageError

    db = store()
    if dataset:
        if what:
            raise UsageError("--dataset cites the data set itself: give no actor, event or statement")
        if fmt is None:
            echo(citing.how_to_cite(db))
        else:
            echo(citing.render([citing.dataset_record(db)], fmt.value), nl=False)
        answered()
        return
    if not what:
        raise UsageError("give what to cite: 'fought ACTOR [OPPONENT]', an actor, an event id, a statement id, "
                         "or --dataset")
    if what[0] == "fought":
        if len(what) not in (2, 3):
            raise UsageError("kg cite fought ACTOR [OPPONENT]: give one or two actors")
        target, opponent = "fought:" + what[1], what[2] if len(what) == 3 else None
    else:
        if len(what) != 1:
            raise UsageError(f"give one actor, event, statement or source to cite, not {len(what)} "
                             "(or 'fought ACTOR OPPONENT')")
        target, opponent = what[0], None
    text = citing.cite(target, (fmt or CiteFormat.bibtex).value, year=year, start=start, end=end,
                       opponent=opponent, store=db)
    echo(text, nl=False)
    answered()
