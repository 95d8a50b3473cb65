"""Messages in the user's language: gettext catalogues shipped in kg/locale/.

One catalogue per language and domain, ``kg/locale/<domain>.<lang>.po`` (the text
translators edit, GNU gettext's standard format, which Poedit, Weblate and Babel read) compiled
to the ``.mo`` beside it that Python's own :mod:`gettext` reads at run time, so the CLI imports
nothing more for it. ``scripts/compile-messages.py`` writes the ``.mo`` files (with Babel) and
tests/test_french.py fails when a ``.mo`` does not say what its ``.po`` says. Domain ``kg`` holds the
command line's words and the pages' (those with their key as msgctxt, read by
:func:`page_catalogue`); ``kg/locale/kg.pot`` holds the English. A third language is one more file.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from importlib import resources

DEFAULT = "en"  # the language of the msgids themselves
LANG_ENV = "KG_LANG"


def languages(domain: str = "kg") -> list[str]:
    """The languages with a catalogue of ``domain``, English (the msgids) first."""
    root = resources.files("kg").joinpath("locale")
    # flat names, not gettext's <lang>/LC_MESSAGES/ folders: setuptools ships files of
    # kg/locale/ as package data without taking each folder for a package of its own
    found = sorted(p.name[len(domain) + 1:-3] for p in root.iterdir()
                   if p.name.startswith(domain + ".") and p.name.endswith(".mo"))
    return [DEFAULT, *found]


def choose(lang: str | None) -> str:
    """The language asked for (an option), else ``$KG_LANG``, else English; a region or an
    encoding (``fr_FR.UTF-8``) is cut to the language; an unknown one is a usage error."""
    from kg.errors import UsageError

    value = (lang or os.environ.get(LANG_ENV) or DEFAULT).strip()
    code = value.split(".")[0].split("_")[0].split("-")[0].lower()
    if code not in languages():
        source = "--lang" if lang else f"${LANG_ENV}"
        raise UsageError(f"{source}: no messages in '{value}'; expected one of: {', '.join(languages())}")
    return code


@cache
def translations(lang: str, domain: str = "kg") -> gettext.NullTranslations:
    """The catalogue of one language (English: the msgids as they are)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    path = resources.files("kg").joinpath("locale", f"{domain}.{lang}.mo")
    with path.open("rb") as f:
        return gettext.GNUTranslations(f)


def translate(text: str, lang: str, domain: str = "kg") -> str:
    """``text`` (an English msgid) in ``lang``; the msgid itself where the catalogue has none."""
    return translations(lang, domain).gettext(text)


def catalogue(lang: str, domain: str = "kg") -> dict[str, str]:
    """Every singular message of a compiled catalogue as {msgid: msgstr} (a page's message as
    gettext keeps it, ``"key\x04msgid"``; a page reads :func:`page_catalogue`)."""
    found = translations(lang, domain)
    if lang == DEFAULT:
        return {}
    return {k: v for k, v in getattr(found, "_catalog", {}).items() if isinstance(k, str) and k}


# -- the pages' messages -------------------------------------------------------------------
# The page's entries live in the same catalogue as the command line's (so a third language is
# one file, kg/locale/kg.<lang>.po), each with its key as msgctxt; the English text is the
# msgid, from the template kg/locale/kg.pot. A page is written once and then read offline, so
# it carries the catalogue itself: {key: text, or [plural forms]} and the plural rule.


@cache
def page_catalogue(lang: str, domain: str = "kg") -> tuple[dict[str, str | list[str]], str]:
    """The page's messages in ``lang`` by key, and the language's plural rule (gettext's C
    expression of ``n``, checked by :func:`gettext.c2py`). An entry the catalogue leaves
    empty or marks fuzzy is the English msgid (``tests/test_french.py`` allows none)."""
    from babel.messages.pofile import read_po

    root = resources.files("kg").joinpath("locale")

    def read(name: str, locale: str | None):
        with root.joinpath(name).open("rb") as f:
            return read_po(f, locale=locale)

    def text(m) -> str | list[str]:
        return list(m.id) if isinstance(m.id, tuple) else m.id

    english = {m.context: text(m) for m in read(f"{domain}.pot", None)
               if m.id and m.context}
    rule = "(n != 1)"
    out: dict[str, str | list[str]] = dict(english)
    if lang != DEFAULT:
        catalog = read(f"{domain}.{lang}.po", lang)
        rule = catalog.plural_expr
        for m in catalog:
            if m.id and m.context in english and not m.fuzzy:
                found = list(m.string) if isinstance(m.string, tuple) else m.string
                if found and all(found if isinstance(found, list) else [found]):
                    out[m.context] = found
    gettext.c2py(rule)  # a rule that is not a plain C expression of n is refused (ValueError)
    return out, rule
