"""Commands that share the graph over HTTP: push it to a SPARQL server, or serve it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import NoWaitOption, app, remote, state
from kg.cli.output import echo


@app.command()
def push(
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint", metavar="URL",
            help="The server's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query (default: kg --endpoint).",
        ),
    ] = None,
    graph: Annotated[
        list[str] | None,
        typer.Option("--graph", "-g", help="Only this graph: a data set name (curated, ontology, acled ...) or an IRI."),
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store-url", metavar="URL",
            help="The Graph Store Protocol URL (default: the endpoint's /query replaced by /store, as on "
                 "Oxigraph server; /sparql by /sparql-graph-crud, as on Virtuoso; "
                 "Fuseki: http://HOST:3030/DATASET/data).",
        ),
    ] = None,
    no_wait: NoWaitOption = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="S", min=0.1, max=86400,
                     help="Seconds each graph's upload and the server's answer may take."),
    ] = 600.0,
) -> None:
    """Upload the built graph (every named graph, or one) to a SPARQL 1.1 server.

    Each graph replaces the server's graph of the same IRI (Graph Store
    Protocol PUT). Then any query command runs there with kg --endpoint URL.
    In Python: kg.store.remote.push(endpoint, graphs).
    """
    from kg.errors import UsageError
    from kg.store.cache import open_store
    run_push = remote().push

    target = endpoint or state.endpoint
    if not target:
        raise UsageError("kg push needs --endpoint URL (the server's SPARQL query endpoint)")
    source = open_store(state.data_dir, wait=not no_wait)
    for done in run_push(target, graph, store_url=store_url, source=source, wait=not no_wait, timeout=timeout):
        echo(f"pushed {done['graph']}: {done['triples']} triples")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; 0.0.0.0 opens it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port (0 picks a free one).", min=0, max=65535)] = 7879,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds a query may run before it is stopped.", min=0.1,
                            max=86_400)
    ] = 30.0,
    max_result_mb: Annotated[
        float, typer.Option("--max-result-mb", help="Largest answer, in megabytes (10^6 bytes).", min=0.001,
                            max=100_000)
    ] = 50.0,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Queries run at once, each in its own process (default: four per core, "
                                       "at least 4).", min=1, max=256),
    ] = None,
    per_client: Annotated[
        int | None,
        typer.Option("--per-client", help="Queries one client address may run at once; its others wait "
                                          "(default: a quarter of the workers; the last quarter "
                                          "goes only to clients running nothing yet).", min=1, max=256),
    ] = None,
    max_request_kb: Annotated[
        int, typer.Option("--max-request-kb", help="Largest request body, in KiB; a bigger one gets 413.", min=1,
                            max=1_048_576)
    ] = 1024,
    max_memory_mb: Annotated[
        float | None,
        typer.Option("--max-memory-mb", metavar="MB", help="Memory one query may take, in MB; past it the query "
                                                            "gets 503 (default: half the RAM shared between the "
                                                            "workers; 0: no cap)."),
    ] = None,
    union: Annotated[
        bool,
        typer.Option("--union-default-graph/--no-union-default-graph",
                     help="Let the default graph be the union of the named graphs."),
    ] = True,
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Allow federated queries (SERVICE): the server fetches URLs.")
    ] = False,
    store_dir: Annotated[
        Path | None,
        typer.Option("--store", metavar="DIR", help="Serve this Oxigraph store directory (opened read-only) "
                                                     "instead of the built graph, e.g. one from `oxigraph load`."),
    ] = None,
) -> None:
    """Serve the built graph as a read-only SPARQL 1.1 endpoint (until Ctrl-C).

    /sparql answers GET and POST queries in SPARQL JSON, XML, CSV, TSV or RDF
    by content negotiation (or format=/output=/results=), with CORS and a
    service description; / is a query page with example queries. FROM, FROM
    NAMED, default-graph-uri and named-graph-uri choose the dataset; without
    them the default graph is the union of the named graphs. Relative IRIs
    resolve against the endpoint's URL. Updates are refused; a query past
    --timeout is stopped (its worker process is killed). In Python: kg.serve.endpoint.serve(host, port, limits=...).
    """
    from kg.serve.endpoint import Limits, default_workers
    from kg.serve.endpoint import serve as run_serve
    from kg.store.cache import open_store

    def ready(url: str) -> None:
        echo(f"SPARQL endpoint: {url}/sparql   query page: {url}/   (Ctrl-C stops)")
        sys.stdout.flush()

    from kg.store.memory_cap import check_cap

    limits = Limits(timeout=timeout, max_result_bytes=int(max_result_mb * 1_000_000),
                    workers=workers or default_workers(), per_client=per_client or 0,
                    max_request_bytes=max_request_kb * 1024,
                    max_memory_mb=None if max_memory_mb is None else check_cap(max_memory_mb))
    if store_dir is not None:
        from kg.errors import UsageError
        from kg.store.embedded import OxigraphStore

        if not (store_dir / "CURRENT").is_file():
            raise UsageError(f"--store {store_dir}: not an Oxigraph store directory (no CURRENT file there)")
        store = OxigraphStore(store_dir, read_only=True)
    else:
        store = open_store(state.data_dir)
    run_serve(host, port, limits=limits, union=union, allow_service=allow_service, store=store, on_ready=ready)
