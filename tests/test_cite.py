"""kg cite: the sources of an answer as BibTeX, CSL-JSON and RIS, read back by the parsers
reference managers use (bibtexparser, citeproc-py, rispy); CITATION.cff and the data set's line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

ROOT = Path(__file__).resolve().parent.parent


def source_ids_of_fought(kg, *args) -> set[str]:
    out = kg("fought", *args, "--format", "json")
    assert out.code == 0, out.stderr
    return {s for row in json.loads(out.stdout) for s in row["sources"]}


def test_bibtex_of_an_answer_parses_and_holds_every_source(kg):
    out = kg("cite", "fought", "JNIM", "--year", "2019")
    assert out.code == 0, out.stderr
    library = bibtexparser.parse_string(out.stdout)
    assert not library.failed_blocks
    keys = {e.key for e in library.entries}
    assert keys == source_ids_of_fought(kg, "JNIM", "--year", "2019")
    entry = next(e for e in library.entries if e.key == "wp_battle_of_boulikessi_2019")
    assert entry.entry_type in ("misc", "article", "techreport")
    assert entry.fields_dict["url"].value.startswith("https://")
    assert entry.fields_dict["year"].value.isdigit()
    # a French title with an ampersand-free apostrophe and accents survives
    titles = [e.fields_dict["title"].value for e in library.entries]
    assert any("é" in t for t in titles)


def test_bibtex_escapes_what_latex_would_read_as_commands(kg):
    from kg.ask.cite import render

    records = [{"id": "x", "title": "A & B: 50% of #1_x {ok}", "publisher": "P & Q", "date": __import__("datetime").date(2020, 5, 1),
                "precision": "Month", "url": "https://example.org/a_b%20c", "kind": "news", "note": None}]
    text = render(records, "bibtex")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    fields = library.entries[0].fields_dict
    assert fields["title"].value == r"{A \& B: 50\% of \#1\_x \{ok\}}"
    assert fields["journal"].value == r"P \& Q"
    assert "date" not in fields  # a date known to the month has no day


def test_csl_json_is_rendered_by_a_citeproc_processor(kg):
    out = kg("cite", "fought", "JNIM", "--year", "2019", "--format", "csl-json")
    assert out.code == 0, out.stderr
    items = json.loads(out.stdout)
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # the style citeproc-py ships
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items) == len(source_ids_of_fought(kg, "JNIM", "--year", "2019"))
    boulikessi = next(i for i in items if i["id"] == "wp_battle_of_boulikessi_2019")
    assert any(boulikessi["title"] in r for r in rendered)
    assert all(i["issued"]["date-parts"][0][0] >= 2000 for i in items)


def test_ris_is_read_by_rispy(kg):
    out = kg("cite", "battle_of_konna_2013", "--format", "ris")
    assert out.code == 0, out.stderr
    entries = rispy.loads(out.stdout)
    event = kg("query", "SELECT ?s WHERE { GRAPH ?g { event:battle_of_konna_2013 prov:wasDerivedFrom ?s } }",
               "--format", "csv")
    wanted = {line.rsplit("/", 1)[1] for line in event.stdout.split()[1:]}
    assert {e["id"] for e in entries} == wanted
    for e in entries:
        assert e["type_of_reference"] in ("NEWS", "ENCYC", "RPRT", "DATA", "ELEC", "JOUR")
        assert e["urls"][0].startswith("http") and e["title"]


def test_an_actor_a_statement_and_a_source_are_cited(kg):
    actor = bibtexparser.parse_string(kg("cite", "JNIM").stdout)
    assert "wp_jama_at_nasr_al_islam_wal_muslimin" in {e.key for e in actor.entries}
    assert len(actor.entries) > 20  # its row's and its statements' sources
    stmt = kg("query", "SELECT ?s WHERE { GRAPH ?g { ?s a skg:Statement ; skg:subject actor:jnim } } LIMIT 1",
              "--format", "csv").stdout.split()[1].rsplit("/", 1)[1]
    one = bibtexparser.parse_string(kg("cite", stmt).stdout)
    assert len(one.entries) >= 1
    source = rispy.loads(kg("cite", "ft_2025_bamako_blockade", "-f", "ris").stdout)
    assert [e["id"] for e in source] == ["ft_2025_bamako_blockade"]


def test_citing_nothing_or_an_unknown_name_is_a_usage_error(kg):
    unknown = kg("cite", "Wagnr")
    assert unknown.code == 2 and "did you mean: Wagner Group" in unknown.stderr
    assert kg("cite").code == 2
    assert kg("cite", "JNIM", "--year", "2019").code == 2


def test_how_to_cite_the_data_set(kg):
    line = kg("cite", "--dataset")
    assert line.code == 0
    from kg.version import __version__

    assert f"version {__version__}" in line.stdout and "2025-11-30" in line.stdout
    entry = bibtexparser.parse_string(kg("cite", "--dataset", "--format", "bibtex").stdout).entries[0]
    assert entry.fields_dict["version"].value == __version__
    csl = json.loads(kg("cite", "--dataset", "--format", "csl-json").stdout)[0]
    assert csl["type"] == "dataset" and csl["issued"]["date-parts"] == [[2025, 11, 30]]


def test_citation_cff_agrees_with_the_package_and_the_data_set():
    """CITATION.cff (validated with cffconvert 2.0 against the CFF 1.2.0 schema when written)
    names the version kg reports and the data's as-of day as its release date."""
    import tomllib

    from kg.version import __version__

    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    assert re.search(rf"^version: {re.escape(__version__)}$", text, re.M)
    as_of = tomllib.loads((ROOT / "data" / "dataset.toml").read_text(encoding="utf-8"))["as_of"]
    assert re.search(rf'^date-released: "{as_of}"$', text, re.M)
    assert re.search(r"^authors:\n  - name: \S", text, re.M)
