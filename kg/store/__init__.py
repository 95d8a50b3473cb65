"""Stores: the store interface and its engines (Oxigraph, rdflib, a remote SPARQL server), the locks and
the switch of stores under $KG_HOME, the cache of the built graph, the year summaries, the actor table,
the named-query library and name resolution, and queries run in a bounded child process.

It imports only kg.graph (and the shared kg.errors, kg.output_files).
"""
