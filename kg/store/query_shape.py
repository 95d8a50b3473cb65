"""The shape of SPARQL text a user sends, checked before any engine sees it.

Oxigraph's parser and query planner recurse once per level of nesting and
once per link of a chain (``!!!!``, ``1+1+1``, ``{} UNION {} UNION ...``, a
FILTER or BIND after another, triple patterns joined by ``.``, ``;`` or
``,``). Deep enough, they overflow the thread's stack and the *process*
dies with SIGSEGV: the query child, a ``kg serve`` worker, or -- through
the Python API on an in-memory store -- the user's own interpreter. Measured
on pyoxigraph with an 8 MB stack (bench/bench_query_shape.py; figures in bench/README.md):
braces nested 2,500 deep, ``CONCAT(`` nested 1,000 deep, 5,000 BINDs or
10,000 ``!``, FILTERs, UNIONs, ``+``, ``&&`` or triple patterns crash it;
half of each survives.

So a query is refused, with the limit named, when its brackets nest deeper
than ``MAX_NESTING`` or it holds more than ``MAX_STEPS`` operators and
patterns: both far below what crashes the engine (a tenth and a fifth), and
far above any query of ``kg/queries`` or ``kg/checks`` (nesting 7, 80 steps). Values in a
``VALUES`` block and an ``IN (...)`` list are data, not steps: the engine
reads them in a loop (50,000 of either run in a second), so long lists of
IRIs stay welcome.
"""

from __future__ import annotations

import re

from kg.errors import QueryError

MAX_NESTING = 64  # brackets ( { [ inside one another
MAX_STEPS = 2000  # operators, separators and pattern keywords, outside VALUES and IN lists
MAX_QUERY_CHARS = 4 << 20  # the query's text: four times the endpoint's default request limit

_SKIPPED = re.compile(  # strings, IRIs and comments: their brackets and operators are text
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*",
    re.DOTALL,
)
_TOKEN = re.compile(
    r"(?P<skip>" + _SKIPPED.pattern + r")"
    r"|(?P<open>[({\[])|(?P<close>[)}\]])"
    r"|(?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))"
    r"|(?P<word>[?$]?[A-Za-z_][\w\-.:]*(?<!\.)|[?$]\w+|:[\w\-.]*(?<!\.))"
    r"|(?P<op>&&|\|\||!=|<=|>=|\^\^|[!+\-*/|^=<>.;,@?])"
    r"|(?P<space>\s+)|(?P<other>.)",
    re.DOTALL,
)
_STEP_WORDS = {"union", "filter", "bind", "optional", "minus", "graph", "service", "select", "as", "exists",
               "not", "in", "values", "group", "order", "having", "limit", "offset", "a"}


def _where(text: str, at: int) -> str:
    line = text.count("\n", 0, at) + 1
    return f"line {line}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def check_query_shape(text: str) -> None:
    """Refuse (QueryError) SPARQL text that would crash or choke the engine: longer than
    ``MAX_QUERY_CHARS``, nested deeper than ``MAX_NESTING``, or a chain of more than
    ``MAX_STEPS`` operators and patterns. Cheap: one pass of a regular expression."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text):,} characters long; kg refuses queries longer than "
                         f"{MAX_QUERY_CHARS:,} characters: split it into smaller queries")
    depth = steps = 0
    opener = ""  # after VALUES or IN: the bracket that opens its list of values ("{" or "(")
    list_depth = -1  # inside that list: the depth of its bracket; its values are data
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("space", "skip", "number", "other"):
            continue
        token = m.group()
        if kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryError(
                    f"the query nests brackets more than {MAX_NESTING} deep (at {_where(text, m.start())}); "
                    f"kg refuses queries nested deeper than {MAX_NESTING}, which could crash the SPARQL engine: "
                    "flatten the query (fewer groups and parentheses inside one another)")
            if token == opener and list_depth < 0:
                list_depth, opener = depth, ""
            continue
        if kind == "close":
            if depth == list_depth:
                list_depth = -1
            depth = max(0, depth - 1)
            continue
        if list_depth >= 0:
            continue  # a value inside the list
        word = token.lower()
        if word in ("values", "in"):
            opener = "{" if word == "values" else "("
        if kind == "op" or word in _STEP_WORDS:
            steps += 1
            if steps > MAX_STEPS:
                raise QueryError(
                    f"the query chains more than {MAX_STEPS:,} operators and patterns (at {_where(text, m.start())}); "
                    f"kg refuses longer chains, which could crash the SPARQL engine: put alternatives in a "
                    "VALUES block (e.g. VALUES ?x { <a> <b> }) instead of a long || or UNION chain, "
                    "or split the query")
