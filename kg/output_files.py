"""Writing the files a user asks for (``-o``/``--output``, ``--unresolved``): whole or not
at all, with the permissions any other program would give them, and a plain error when
the path cannot take a file.

What an output path is decides how it is written (``output_kind``):

- a regular file, or a name not taken yet: written to a temporary file beside it, then
  renamed over it -- whole or absent, never half-written. A symbolic link is followed
  (its target is replaced, the link stays, as with a shell's ``>``); a link that loops
  is refused.
- a stream the user names to write into: ``-`` (standard output), ``/dev/stdout``,
  ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``, a FIFO (named pipe) or a
  character device (a terminal, ``/dev/null``). Naming an existing pipe or character
  device is asking to write into it, as ``cmd > /dev/tty`` or ``> fifo`` does; it is
  opened and written, never replaced by a regular file.
- anything else that is not a regular file -- a block device (a disk), a socket, a
  directory -- is refused (exit 2) with what to give instead.

The operating system's refusals while writing (a full disk, ``ulimit -f``, an I/O
error) are a SystemFault (exit 6) naming the file; the temporary file is removed, so
the path holds what it held before.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import tempfile
from pathlib import Path

from kg.errors import SystemFault, UsageError, system_fault

STREAM_NAMES = ("-", "/dev/stdout", "/dev/stderr")
STREAM_PREFIXES = ("/dev/fd/", "/proc/self/fd/")


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def ignore_file_size_signal() -> None:
    """Past ``ulimit -f`` the kernel sends SIGXFSZ, whose default kills the process with no
    word (and a shell redirection keeps the truncated file). Ignored, the write fails with
    EFBIG instead, which is reported as a SystemFault (exit 6)."""
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def output_kind(path: str | Path) -> str:
    """``"stdout"``, ``"stream"`` (written into) or ``"file"`` (replaced whole); refuses the rest.

    Raises UsageError for a directory, a block device or a socket, and for a link
    that loops."""
    text = os.fspath(path)
    if text == "-":
        return "stdout"
    if text in STREAM_NAMES or text.startswith(STREAM_PREFIXES):
        return "stream"
    try:
        st = os.stat(text)  # follows links: what a write would reach
    except FileNotFoundError:
        return "file"
    except OSError as e:
        if e.errno in (errno.ENOTDIR, errno.ENOENT, errno.EACCES):
            return "file"  # said when its folder is made, or the file is
        raise system_fault(e, "write", path=text, left="nothing was written") from None
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"cannot write {text}: it is a directory; give a file name, e.g. "
                         f"{Path(text) / 'out.html'}")
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return "stream"
    what = "a block device (a disk)" if stat.S_ISBLK(st.st_mode) else \
        "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file"
    raise UsageError(f"cannot write {text}: it is {what}, which kg will not write into or replace; "
                     f"give the name of a regular file")


def write_output(path: str | Path, data: bytes) -> None:
    """Write ``data`` to the output path a user gave (see the module's note for each kind)."""
    kind = output_kind(path)
    if kind == "stdout":
        _write_stream(sys.stdout.buffer, data, "standard output")
    elif kind == "stream":
        try:
            with open(path, "wb") as f:
                _write_stream(f, data, os.fspath(path))
        except SystemFault:
            raise
        except OSError as e:
            raise system_fault(e, "write", path=os.fspath(path), left="nothing was written") from None
    else:
        write_atomically(path, data)


def _write_stream(out, data: bytes, name: str) -> None:
    if hasattr(out, "flush"):
        try:
            sys.stdout.flush()  # what was printed before goes first
        except (OSError, ValueError):
            pass
    try:
        write_all(out, data)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise system_fault(e, "write", path=name, left="what was written there is incomplete") from None


def write_all(out, data: bytes) -> None:
    """Write all of ``data``: a buffered write that reaches ``ulimit -f`` (SIGXFSZ ignored)
    returns short, with no error; the next one fails with EFBIG, which is then raised."""
    view = memoryview(data)
    while view:
        written = out.write(view)
        if not written:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file.

    The file gets the mode a shell redirection would give it (0o666 less the
    umask, or the mode of the file it replaces), not the 0o600 of a temporary
    file. A symbolic link is followed: its target is replaced, the link stays. A
    path that is a directory, or where no file can be made, is a UsageError naming
    it; the operating system's refusal while writing (a full disk, ``ulimit -f``,
    an I/O error) a SystemFault, and ``path`` keeps what it held.
    """
    shown = path
    path = Path(path)
    if output_kind(path) != "file":
        return write_output(path, data)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS):
            raise system_fault(e, "create the folder", path=path.parent, left="nothing was written") from None
        raise UsageError(f"cannot write {shown}: cannot create the folder {path.parent} ({e.strerror})") from None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:200]}.", suffix=".tmp")
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EMFILE, errno.ENFILE):
            raise system_fault(e, "write", path=shown, left="nothing was written") from None
        raise UsageError(f"cannot write {shown}: cannot create a file in {path.parent} ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write_all(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        left = f"{shown} is as it was" if path.exists() else f"{shown} was not made"
        raise system_fault(e, "write", path=shown, left=left) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
