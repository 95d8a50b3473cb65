"""The curated graph: the CSV tables, dates, vocabularies and terms, the build into RDF and its SHACL validation.

The bottom layer: it imports nothing of kg but kg.errors and kg.output_files.
"""
