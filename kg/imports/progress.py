"""A one-line progress bar on a terminal (rows, rows/s, time left); nothing in a pipe."""

from __future__ import annotations

import sys
import time


class Progress:
    """Redraws at most five times a second, on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, total_bytes: int, *, enabled: bool | None = None, out=None):
        self.out = out or sys.stderr
        self.enabled = self.out.isatty() if enabled is None else enabled
        self.label = label
        self.total = max(total_bytes, 1)
        self.started = time.monotonic()
        self.drawn = 0.0

    def update(self, rows: int, bytes_read: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.drawn < 0.2:
            return
        self.drawn = now
        elapsed = max(now - self.started, 1e-6)
        rate = rows / elapsed
        done = min(bytes_read / self.total, 1.0)
        left = elapsed * (1 - done) / done if done > 0 else 0
        self.out.write(
            f"\r{self.label}: {rows:,} rows  {rate:,.0f} rows/s  {done:4.0%}  "
            f"{int(left) // 60}:{int(left) % 60:02d} left \033[K"
        )
        self.out.flush()

    def finish(self) -> None:
        if self.enabled:
            self.out.write("\r\033[K")
            self.out.flush()
