"""Text for any terminal: in the encoding standard output has, its unencodable
characters replaced, and the control characters that come from data escaped.

Actor names come from outside (an ACLED export can hold ``ESC ] 0 ; title BEL``
or ``ESC [ 2 J``); printed raw, they retitle the window, clear the screen or
hide what was printed before. Every text kg prints for people -- tables, the
profile of ``kg actor``, reports, error messages -- goes through
``escape_controls``: a C0 or C1 control character (but newline and tab), DEL,
and the bidirectional overrides show as ``\\uXXXX``, which is also how JSON writes
them (so JSON output stays valid, and means the same). The bytes of ``kg export``
and of ``kg query --format csv|json|xml|...`` (documents for programs) are not
touched.
"""

from __future__ import annotations

import io
import re
import sys

from kg.errors import system_fault

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with every control character (but newline and tab) written ``\\uXXXX``."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class TerminalText(io.TextIOBase):
    """Standard output for people: control characters escaped, in the stream's own
    encoding with unencodable characters replaced (``?``), never an error for them.

    ``buffer`` is the real binary stream, for the documents kg writes as bytes."""

    def __init__(self, stream: io.TextIOWrapper):
        super().__init__()
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")
        self._stream = stream

    @property
    def encoding(self) -> str:
        return self._stream.encoding

    @property
    def errors(self) -> str:
        return self._stream.errors

    @property
    def buffer(self):
        return StdoutBytes(self._stream)

    def write(self, text: str) -> int:
        try:
            self._stream.write(escape_controls(text))
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _stdout_fault(e) from None
        return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _stdout_fault(e) from None

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True


class StdoutBytes:
    """Standard output's binary side (``kg export``, ``kg query --format csv``): the text
    written before goes first, and a write the system refuses (a full disk, ``ulimit -f``)
    is a SystemFault naming standard output."""

    def __init__(self, text: io.TextIOWrapper):
        self._text = text
        self._bytes = text.buffer

    def write(self, data: bytes) -> int:
        try:
            self._text.flush()
            view = memoryview(data)
            while view:  # a write past `ulimit -f` (SIGXFSZ ignored) is short, then EFBIG: never stop short
                written = self._bytes.write(view)
                view = view[written:]
            return len(data)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _stdout_fault(e) from None

    def flush(self) -> None:
        try:
            self._bytes.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _stdout_fault(e) from None

    def __getattr__(self, name: str):
        return getattr(self._bytes, name)


def _stdout_fault(error: OSError):
    return system_fault(error, "write", path="standard output",
                        left="what was written there is incomplete (a file it went to is not whole)")


def install() -> None:
    """Make ``sys.stdout`` a TerminalText (once), and standard error tolerant of any encoding."""
    if not isinstance(sys.stdout, TerminalText) and isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout = TerminalText(sys.stdout)
    if isinstance(sys.stderr, io.TextIOWrapper) and sys.stderr.errors == "strict":
        sys.stderr.reconfigure(errors="backslashreplace")


def file_name(path: object) -> str:
    """A file's name as text that can be printed and stored: bytes of the name that are
    not UTF-8 (Python holds them as surrogates) written ``\\xNN``, the same each time, so
    that a file imported again under that name is known again. Its control characters
    stay (they are escaped where printed)."""
    import os

    name = os.path.basename(os.fspath(path))
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
