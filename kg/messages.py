"""Messages in the user's language: gettext catalogues shipped in kg/locale/.

One catalogue per language and domain, ``kg/locale/<domain>.<lang>.po`` (the text
translators edit, GNU gettext's standard format, which Poedit, Weblate and Babel read) compiled
to the ``.mo`` beside it that Python's own :mod:`gettext` reads at run time, so the CLI imports
nothing more for it. ``scripts/compile-messages.py`` writes the ``.mo`` files (with Babel) and
tests/test_messages.py fails when a ``.mo`` is older than its ``.po``. Domain ``kg`` holds the
command line's words; a page keeps its own domain (``catalogue(lang, "page")`` gives it as a
plain dict to put in the page). A third language is one more folder.
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
    """Every message of a catalogue as {msgid: msgstr}: what a page embeds as JSON."""
    found = translations(lang, domain)
    if lang == DEFAULT:
        return {}
    return {k: v for k, v in getattr(found, "_catalog", {}).items() if isinstance(k, str) and k}
