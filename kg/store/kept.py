"""Reading the files kg keeps beside a store (the actor table, the curated records, a page's
rows and map): only as regular files of kg's.

They sit in a store's folder under `$KG_HOME`, where anything can be planted: a link to
another store's file, to ``/dev/zero`` or to a FIFO would be followed by a plain read,
which then answers with another store's data, grows without bound or never returns. A
kept file is an optimisation: one that is not a regular file of bounded size is refused
(OSError), and its reader asks the store instead.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 2**31  # read whole: a bigger kept file is not kg's (a 100,000-row page's map: 8 MB)


def read_kept(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the kept file ``path``: a regular file, not a link, of at most ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise OSError(f"{path} is not a file kg keeps")
        return f.read(limit + 1)


__all__ = ["MAX_BYTES", "read_kept"]
