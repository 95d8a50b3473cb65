"""Open a generated page in Debian's headless Chromium, with the network cut off.

Used by the browser tests and by bench/bench_viz.py. Playwright drives the
system's /usr/bin/chromium (installed by scripts/install-debian.sh, run by make test); it never
downloads a browser of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def available() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is not installed (make test installs it as root: scripts/install-debian.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@dataclass
class Opened:
    page: object
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    ready_ms: float | None = None


@contextlib.contextmanager
def open_page(path: Path, *, width: int = 1400, height: int = 900, timeout_ms: int = 30000,
              fragment: str | None = None) -> Iterator[Opened]:
    """Open ``path`` from a file:// URL (with ``#fragment`` when given); every other request is blocked and recorded.

    Waits until the page says its graph is drawn (``window.kgReady``, the
    time in ms since navigation when the first frame with the final layout
    was painted) and yields the page with the console errors, blocked requests
    and dialogs seen.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            # bypass_csp: the page's own Content-Security-Policy would hide an escaping bug or a
            # request to the network; the tests check the page without that safety net
            context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block",
                                          bypass_csp=True)
            opened = Opened(page=None)

            def route(r):
                url = r.request.url
                if url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    opened.blocked.append(url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            opened.page = page
            page.on("console", lambda m: opened.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: opened.console_errors.append(str(e)))

            def dialog(d):
                opened.dialogs.append(d.message)
                d.dismiss()

            page.on("dialog", dialog)
            page.goto(Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else ""))
            page.wait_for_function("window.kgReady !== undefined", timeout=timeout_ms)
            opened.ready_ms = page.evaluate("window.kgReady")
            yield opened
        finally:
            browser.close()


def page_data(html: str) -> dict:
    """The data a kg page carries, as the page reads it: its <script id="kg-data"> block, and as
    ``map`` its <script id="kg-map"> block (read by the page when first asked for), whose
    events cite the page's sources by id."""
    from kg.explore.viz import unpack

    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    data = unpack(json.loads(m.group(1)))  # compact in the page: every field put back, as the page does
    m = re.search(r'<script id="kg-map" type="application/json">(.*?)</script>', html, re.S)
    data["map"] = json.loads(m.group(1)) if m else None
    if data["map"]:
        data["map"]["sources"] = [data["sources"].get(s, {"title": s, "url": None}) if isinstance(s, str) else s
                                  for s in data["map"]["sources"]]
    return data
