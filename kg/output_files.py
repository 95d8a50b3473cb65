"""Writing the files a user asks for (``-o``/``--output``): whole or not at all,
with the permissions any other program would give them, and a plain error when
the path cannot take a file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from kg.errors import UsageError


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file.

    The file gets the mode a shell redirection would give it (0o666 less the
    umask, or the mode of the file it replaces), not the 0o600 of a temporary
    file. A path that is a directory, or where no file can be made, is a
    UsageError naming it.
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory; give a file name, e.g. {path / 'out.html'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot write {path}: cannot create the folder {path.parent} ({e.strerror})") from None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise UsageError(f"cannot write {path}: cannot create a file in {path.parent} ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
