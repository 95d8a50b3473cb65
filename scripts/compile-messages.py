"""Compile every kg/locale/<domain>.<lang>.po to the .mo beside it (with Babel).

Run after editing a .po: python scripts/compile-messages.py. The CLI reads the .mo with
Python's gettext; tests/test_messages.py fails when a .mo does not match its .po.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "kg" / "locale"


def compile_all(root: Path = ROOT) -> list[Path]:
    written = []
    for po in sorted(root.glob("*.*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.name.split(".")[1])
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_all(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT):
        print(f"wrote {path}")
