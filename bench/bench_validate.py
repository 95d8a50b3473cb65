"""SHACL validators side by side: the same shapes (kg/shapes.ttl), the same data, the same reports?

For each data folder (default: the shipped data, and a synthetic curated folder
of 20,000 statements from ``synthetic_curated.py``) and for each broken graph
of the tests (a statement without source, an actor without label, a relation
whose subject is a place, an event with two starts), it runs every candidate
and prints its time and whether its violations (focus node and path; message)
are the same as pySHACL's. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_validate.py [--statements 20000] [--candidates pyshacl shacl-rust]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyoxigraph as ox  # noqa: E402

from kg.graph import namespaces as ns  # noqa: E402
from kg.graph.build import build  # noqa: E402
from kg.graph.validate import shapes_text, validate  # noqa: E402

SH = "http://www.w3.org/ns/shacl#"


def _nt(quads) -> str:
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)


def run_pyshacl(quads) -> list[tuple]:
    """pySHACL as kg used it before (rdflib graph from N-Triples, inference none)."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=_nt(quads), format="nt")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    _conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return _rdflib_results(results)


def run_pyshacl_advanced(quads) -> list[tuple]:
    """pySHACL with the shapes pre-compiled by rdflib once, no meta-shacl, no inference, no debug."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(data=_nt(quads), format="nt")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    _c, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", meta_shacl=False,
                                      advanced=False, iterate_rules=False, allow_warnings=True)
    return _rdflib_results(results)


def run_turbo(quads) -> list[tuple]:
    import pyshacl_turbo
    import rdflib

    data = rdflib.Graph().parse(data=_nt(quads), format="nt")
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    _c, results, _ = pyshacl_turbo.validate(data, shacl_graph=shapes, inference="none")
    return _rdflib_results(results)


def run_shacl_rust(quads) -> list[str]:
    """shacl-rust, as kg.graph.validate runs it."""
    return validate(quads).violations


def _rdflib_results(results) -> list[str]:
    import rdflib

    from kg.graph.validate import _short

    sh = rdflib.Namespace(SH)
    out = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        message = results.value(result, sh.resultMessage)
        out.append(_short(focus) + (f" {_short(path)}" if path is not None else "") + f": {message}")
    return sorted(out)


CANDIDATES = {"pyshacl": run_pyshacl, "pyshacl-advanced": run_pyshacl_advanced, "shacl-rust": run_shacl_rust,
              "pyshacl-turbo": run_turbo}


def _where(violations: list[str]) -> list[str]:
    """Focus node and path of each violation: what must match (generic messages are worded differently)."""
    return sorted(v.split(": ", 1)[0] for v in violations)


def broken(quads) -> dict[str, list]:
    """Graphs with one violation of each kind the build's CSV checks would normally stop first."""
    g = ox.NamedNode(ns.CURATED_GRAPH)
    stmt = next(q.subject for q in quads if q.predicate.value == ns.RDF + "type"
                and q.object.value == ns.SKG + "Statement")
    actor = ox.NamedNode(ns.ACTOR + "jnim")
    event = next(q.subject for q in quads if q.predicate.value == ns.SKG + "participation")
    place = ox.NamedNode(ns.PLACE + "bamako")
    skg = lambda name: ox.NamedNode(ns.SKG + name)  # noqa: E731
    day = lambda text: ox.Literal(text, datatype=ox.NamedNode(ns.XSD + "date"))  # noqa: E731
    ended = next(q.subject for q in quads if q.predicate.value == ns.SKG + "end" and q.subject.value.startswith(ns.STATEMENT))
    return {
        "end before start": [*[q for q in quads if not (q.subject == ended and q.predicate.value == ns.SKG + "end")],
                             ox.Quad(ended, skg("end"), day("1900-01-01"), g)],
        "bad precision, wikidata, place": [
            *[q for q in quads if not (q.subject == stmt and q.predicate.value == ns.SKG + "startPrecision")],
            ox.Quad(stmt, skg("startPrecision"), skg("Week"), g),
            ox.Quad(actor, ox.NamedNode(ns.OWL + "sameAs"), ox.NamedNode("https://example.org/jnim"), g),
            ox.Quad(event, skg("place"), actor, g)],
        "unsourced statement": [q for q in quads if not (q.subject == stmt and q.predicate.value == ns.PROV + "wasDerivedFrom")],
        "unlabelled actor": [q for q in quads if not (q.subject == actor and q.predicate.value == ns.RDFS + "label")],
        "place as subject": [*quads, ox.Quad(place, ox.NamedNode(ns.SKG + "fought"), actor, g)],
        "two starts": [*quads, ox.Quad(event, ox.NamedNode(ns.SKG + "start"),
                                       ox.Literal("1999-01-01", datatype=ox.NamedNode(ns.XSD + "date")), g)],
        "bad side and lat": [*quads,
                             ox.Quad(ox.NamedNode(ns.PARTICIPATION + "x"), ox.NamedNode(ns.RDF + "type"),
                                     ox.NamedNode(ns.SKG + "Participation"), g),
                             ox.Quad(ox.NamedNode(ns.PARTICIPATION + "x"), ox.NamedNode(ns.SKG + "side"), ox.Literal("c"), g),
                             ox.Quad(place, ox.NamedNode(ns.GEO + "lat"),
                                     ox.Literal("95.0", datatype=ox.NamedNode(ns.XSD + "decimal")), g)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    opts = parser.parse_args()
    from synthetic_curated import generate

    cases: dict[str, list] = {}
    shipped = build(ROOT / "data")
    cases["shipped data"] = shipped
    cases.update(broken(shipped))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "curated"
        generate(folder, opts.statements, 2_100)
        cases[f"synthetic {opts.statements} statements"] = build(folder)
    print(f"{'case':32} " + " ".join(f"{c:>22}" for c in opts.candidates))
    for case, quads in cases.items():
        reference = None
        cells = []
        for name in opts.candidates:
            try:
                start = time.perf_counter()
                found = CANDIDATES[name](quads)
                took = time.perf_counter() - start
            except Exception as e:  # a candidate that cannot run these shapes says so
                cells.append(f"error: {type(e).__name__}"[:22])
                continue
            if reference is None:
                reference = found
            if found == reference:
                same = "same"
            elif _where(found) == _where(reference):
                same = "same, reworded"
            else:
                same = f"DIFF {len(found)}"
            cells.append(f"{took:7.2f}s {same:>13}")
        print(f"{case:32} " + " ".join(f"{c:>22}" for c in cells))
        if reference:
            print("    " + "\n    ".join(reference[:6]))


if __name__ == "__main__":
    main()
