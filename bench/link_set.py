"""The incident links of a store as a sorted text file, to check that a change to the linker
keeps the links: every field of every link (its two records, rule, score, day gap, km,
one-to-many), one link a line, sorted; two runs keep the same links when the files are equal.

    .venv/bin/python bench/link_set.py dump KG_HOME before.tsv      # after kg link with the old code
    .venv/bin/python bench/link_set.py dump KG_HOME2 after.tsv      # ... and with the new
    .venv/bin/python bench/link_set.py compare before.tsv after.tsv  # exit 1 and the first differences if not
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def dump(home: Path, out: Path) -> int:
    """Write the links of the store in ``home`` to ``out``; returns how many."""
    os.environ["KG_HOME"] = str(home)
    from kg.ask.records import read_links
    from kg.store.cache import open_store

    links = sorted(read_links(open_store()), key=lambda k: (k.a, k.b))
    with open(out, "w", encoding="utf-8") as f:
        for k in links:
            f.write(f"{k.a}\t{k.b}\t{k.rule}\t{k.score}\t{k.day_gap}\t{k.km}\t{k.one_to_many}\n")
    return len(links)


def compare(a: Path, b: Path) -> bool:
    """Print whether two dumps hold the same links, and the first differences if not."""
    left = a.read_text(encoding="utf-8").splitlines()
    right = b.read_text(encoding="utf-8").splitlines()
    if left == right:
        print(f"the same {len(left)} links")
        return True
    only_a, only_b = sorted(set(left) - set(right)), sorted(set(right) - set(left))
    print(f"different: {len(left)} and {len(right)} links; {len(only_a)} only in {a}, {len(only_b)} only in {b}")
    for line in only_a[:5]:
        print(f"  only in {a}: {line}")
    for line in only_b[:5]:
        print(f"  only in {b}: {line}")
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="write a store's links, sorted")
    d.add_argument("home", type=Path, help="the KG_HOME of the store")
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare", help="compare two dumps")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        print(f"{dump(args.home, args.out)} links -> {args.out}")
    elif not compare(args.a, args.b):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
