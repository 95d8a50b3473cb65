"""Importing researchers' event data sets (ACLED, UCDP GED) beside the curated graph.

Each data set lives in its own named graph (``kg.namespaces.dataset_graph``),
its names resolved to the curated actors through the alias table.

    import_file("acled", "export.csv")   -> the import report (kg import acled)
    sources()                            -> the data sets loaded (kg sources)
    drop("acled")                        -> remove one (kg drop)
"""

from .catalog import drop, sources
from .importer import import_file

__all__ = ["drop", "import_file", "sources"]
