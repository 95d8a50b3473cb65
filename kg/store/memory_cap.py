"""How much memory one query may take, and how a process is held to it.

A SPARQL engine has no memory limit of its own: an ``ORDER BY`` over a cross
join sorts every row it makes, and reached 10 GB in 48 s. So every process
that runs a user's query -- the child of ``kg query`` and each ``kg serve``
worker -- caps its own data segment (``RLIMIT_DATA``: the heap and private
anonymous mappings, which is where the engine's rows live) before it loads
the engine. Past the cap an allocation fails and the engine aborts the
process (SIGABRT, "memory allocation of N bytes failed"): the parent sees
that and says "the query needed more than N MB". ``RLIMIT_AS`` would also
count address space reserved but never used (thread stacks, allocator
arenas), which says nothing about the machine's memory.

The defaults are a share of the machine's RAM: an eighth for ``kg query``
(at most 4 GB: a sort of a million rows of a big import takes a few hundred
MB), and half of it split between the endpoint's workers.
"""

from __future__ import annotations

import os

MIN_MB = 256  # below this the store cannot even be opened
MAX_DEFAULT_MB = 4096

# What the engine prints when an allocation fails (Rust's handle_alloc_error), then aborts.
OUT_OF_MEMORY_MARK = "memory allocation of"


def total_memory_mb() -> int:
    """The machine's RAM in MiB (4096 if it cannot be told)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (ValueError, OSError, AttributeError):
        return 4096


def default_query_mb() -> int:
    """The default cap of one ``kg query``: an eighth of the RAM, between 256 MB and 4 GB."""
    return max(MIN_MB, min(MAX_DEFAULT_MB, total_memory_mb() // 8))


def default_worker_mb(workers: int) -> int:
    """The default cap of each of ``workers`` endpoint workers: half the RAM shared between
    them, so that all of them at their cap still leave the machine room."""
    return max(MIN_MB, min(default_query_mb(), total_memory_mb() // 2 // max(1, workers)))


def check_cap(mb: float, option: str = "--max-memory-mb") -> int:
    """``mb`` as a whole number of MiB, refused (UsageError) when it is not a finite number of
    at least ``MIN_MB``; 0 means no cap."""
    import math

    from kg.errors import UsageError

    if not isinstance(mb, (int, float)) or math.isnan(mb) or math.isinf(mb) or (mb != 0 and mb < MIN_MB):
        raise UsageError(f"{option} must be 0 (no cap) or at least {MIN_MB} (MB), not {mb}")
    return int(mb)


def cap_this_process(mb: int) -> None:
    """Hold this process's data segment to ``mb`` MiB (0: no cap). Call it before the engine loads."""
    import resource

    if mb <= 0:
        return
    limit = mb << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def over_cap_message(mb: int, option: str = "--max-memory-mb") -> str:
    """What the user reads when a query passed the cap."""
    return (f"the query needed more than {mb:,} MB of memory, the limit per query ({option} sets it); "
            "narrow it (a more selective pattern, a LIMIT without ORDER BY over a large join)")
