"""Importing researchers' event data sets (ACLED, UCDP GED) beside the curated graph.

Each data set lives in its own named graph (``kg.namespaces.dataset_graph``),
its names resolved to the curated actors through the alias table.

    import_files("acled", ["a.csv", "b.csv"]) -> the import report (kg import acled a.csv b.csv)
    import_file("acled", "export.csv")   -> the same for one file
    sources()                            -> the data sets loaded (kg sources)
    drop("acled", file=None)             -> remove one, or one file of it (kg drop)
"""

from .catalog import drop, sources
from .importer import import_file, import_files

__all__ = ["drop", "import_file", "import_files", "sources"]
