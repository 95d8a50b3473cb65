"""The SPARQL endpoint (``kg serve``): the SPARQL 1.1 protocol and the HTTP server.

Built on kg.store and below.
"""
