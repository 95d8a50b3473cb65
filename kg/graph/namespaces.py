"""Every IRI the project mints or uses, defined once.

Plain strings, so that modules on the fast query path need not import rdflib.
"""

BASE = "https://w3id.org/sahel-kg/"
SKG = BASE + "ontology#"
ONTOLOGY = BASE + "ontology"
ID = BASE + "id/"

ACTOR = ID + "actor/"
PLACE = ID + "place/"
EVENT = ID + "event/"
STATEMENT = ID + "statement/"
SOURCE = ID + "source/"
PARTICIPATION = ID + "participation/"
DATASET = ID + "dataset/"

GRAPH = BASE + "graph/"
CURATED_GRAPH = GRAPH + "curated"
ONTOLOGY_GRAPH = GRAPH + "ontology"


def dataset_graph(name: str) -> str:
    """Named graph of one data set (``curated``, ``acled``, ``ucdp``)."""
    return GRAPH + name


def dataset_ns(name: str, kind: str) -> str:
    """Namespace of what an imported data set mints itself: ``dataset_ns("acled", "actor")``
    is ``.../id/acled/actor/`` (events, places, statements, types, actors it cannot resolve)."""
    return f"{ID}{name}/{kind}/"


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"

PREFIXES = {
    "skg": SKG,
    "actor": ACTOR,
    "place": PLACE,
    "event": EVENT,
    "stmt": STATEMENT,
    "source": SOURCE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sem": SEM,
    "geo": GEO,
    "foaf": FOAF,
    "wd": WD,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every prefix above, for queries typed by users."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def local_id(iri: str) -> str:
    """The id at the end of one of our IRIs (``.../actor/jnim`` -> ``jnim``)."""
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
