"""Importing researchers' event data sets (ACLED, UCDP GED) beside the curated graph.

Each data set lives in its own named graph (``kg.graph.namespaces.dataset_graph``),
its names resolved to the curated actors through the alias table.

    import_files("acled", ["a.csv", "b.csv"]) -> the import report (kg import acled a.csv b.csv)
    import_file("acled", "export.csv")   -> the same for one file
    sources()                            -> the data sets loaded (kg sources)
    drop("acled", file=None)             -> remove one, or one file of it (kg drop)
"""

__all__ = ["drop", "import_file", "import_files", "sources"]


def __getattr__(name: str):
    """The functions above, imported when first asked for: ``kg build`` imports
    ``kg.store.staging`` alone, without the importer (20 ms)."""
    if name in ("drop", "sources"):
        from kg.imports import catalog

        return getattr(catalog, name)
    if name in ("import_file", "import_files"):
        from kg.imports import importer

        return getattr(importer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
