"""The French catalog: complete, faithful to its placeholders, and up to date with the sources.

A string added to a template or to the Python code without being translated fails
``test_catalog_is_up_to_date`` with the list of missing messages: run ``make extract-messages``,
translate the new entries of ``messages.po``, then commit.
"""

from __future__ import annotations

import functools
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "directory/translations/fr/LC_MESSAGES/messages.po"
# The keywords of `make extract-messages` (pybabel's defaults plus -k lazy_gettext -k _l).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}

PYTHON_FORMAT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACE_FORMAT = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")
HTML_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")
HTML_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


def _placeholders(text: str, python_format: bool = True) -> set[str]:
    """The placeholders, tags and entities a translation must keep.

    Without ``python_format`` (Babel flags the messages whose msgid has %-placeholders), a
    ``%`` is plain text ("100 % des agences") and is not read as a conversion.
    """
    found = set()
    for name, conversion in PYTHON_FORMAT.findall(text) if python_format else ():
        if conversion != "%":
            found.add(f"%({name}){conversion}" if name else f"%{conversion}")
    found.update("{" + name + "}" for name in BRACE_FORMAT.findall(text))
    found.update("<" + tag.lower() + ">" for tag in HTML_TAG.findall(text))
    found.update(HTML_ENTITY.findall(text))
    return found


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open("rb") as source:
        return read_po(source)


@pytest.fixture(scope="module")
def messages(catalog):
    """The catalog's current (non-obsolete) messages, header left out."""
    return [m for m in catalog if m.id]


def _label(message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
    return f"{msgid!r} ({where})"


def test_every_message_has_a_french_translation(messages):
    untranslated = [
        _label(m)
        for m in messages
        if not (all(m.string) if isinstance(m.string, tuple | list) else m.string)
    ]
    assert not untranslated, "Untranslated in messages.po:\n" + "\n".join(untranslated)


def test_plural_entries_have_both_french_forms(catalog, messages):
    assert catalog.num_plurals == 2
    wrong = [
        _label(m)
        for m in messages
        if m.pluralizable and (not isinstance(m.string, tuple | list) or len(m.string) != 2)
    ]
    assert not wrong, "Plural entries without two forms:\n" + "\n".join(wrong)


def test_no_fuzzy_entries(messages):
    fuzzy = [_label(m) for m in messages if m.fuzzy]
    assert not fuzzy, "Fuzzy entries (check them, then drop the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders(catalog, messages):
    problems = []
    for m in messages:
        placeholders = functools.partial(_placeholders, python_format=m.python_format)
        if m.pluralizable:
            singular, plural = placeholders(m.id[0]), placeholders(m.id[1])
            forms = list(m.string)
            # French form 0 is used for 0 and 1: it may follow either English form.
            if forms[0] and placeholders(forms[0]) not in (singular, plural):
                problems.append(f"{_label(m)} [0]: {placeholders(forms[0])} vs {singular}")
            for index, form in enumerate(forms[1:], start=1):
                if form and placeholders(form) != plural:
                    problems.append(f"{_label(m)} [{index}]: {placeholders(form)} vs {plural}")
        elif m.string and placeholders(m.string) != placeholders(m.id):
            problems.append(f"{_label(m)}: {placeholders(m.string)} vs {placeholders(m.id)}")
    # Babel's own checks (python-format consistency, plural forms count).
    problems += [f"{_label(m)}: {'; '.join(map(str, errors))}" for m, errors in catalog.check()]
    assert not problems, "Placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def _extract() -> set[str | tuple[str, ...]]:
    """Every message of the sources, extracted as `make extract-messages` does."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    tops = {pattern.split("/")[0] for pattern, _method in method_map}

    def wanted(path: str) -> bool:
        relative = os.path.relpath(path, ROOT)
        return relative == "." or (
            relative.split(os.sep)[0] in tops and "__pycache__" not in relative
        )

    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=wanted
    ):
        assert context is None, "message contexts are not used by this catalog"
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_catalog_is_up_to_date(messages):
    """Every string of the code and templates is in messages.po (and translated)."""
    extracted = _extract()
    assert len(extracted) > 100, "the extraction found (almost) nothing: check babel.cfg"
    translated = {
        (tuple(m.id) if m.pluralizable else m.id)
        for m in messages
        if (all(m.string) if m.pluralizable else m.string)
    }
    missing = sorted((repr(key) for key in extracted - translated), key=str.casefold)
    assert not missing, (
        f"{len(missing)} message(s) of the sources are missing from the French catalog or not "
        "translated; run `make extract-messages` and translate them in "
        "directory/translations/fr/LC_MESSAGES/messages.po:\n" + "\n".join(missing)
    )


# --- Rendered French pages -------------------------------------------------------------------

# Strings that once leaked through untranslated; none may appear on a French page.
KNOWN_ENGLISH = (
    "Sign in",
    "Find an agency",
    "How ranking works",
    "Get matched",
    "Skip to content",
    "Services directory",
    "Search agencies",
    "Client reviews",
    "Listed agencies",
    "out of 5",
    "Partner tier",
    "Leave a review",
)


class _Text(HTMLParser):
    """The visible text nodes and the human-readable attributes of a page."""

    ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.chunks.append(value.strip())
            if tag == "meta" and name == "content" and ("name", "description") in attrs:
                self.chunks.append((value or "").strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


@pytest.fixture
def french_site(app, factory, french_catalog):
    agency = factory.agency(
        name="Zébulon Conseil",
        slug="zebulon",
        program="partner",
        tier="gold",
        services=["seo", "inbound-marketing"],
    )
    factory.review(agency)
    factory.agency(name="Quetzal Studio", slug="quetzal", program="provider")
    return agency


FRENCH_PAGES = (
    "/fr/",
    "/fr/ranking",
    "/fr/reviews/transparency",
    "/fr/search?q=seo",
    "/fr/agencies/zebulon",
    "/fr/match",
    "/fr/account/login",
    "/fr/account/signup",
)


def test_french_pages_have_no_english_left(client, french_site, messages):
    # Any English msgid shown as such, although French has its own words for it.
    english = {
        m.id
        for m in messages
        if not m.pluralizable and m.string and m.string != m.id and len(m.id) > 3
    }
    problems = {}
    for path in FRENCH_PAGES:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="fr"' in html, path
        parser = _Text()
        parser.feed(html)
        chunks = set(parser.chunks)
        leftovers = sorted(chunks & english)
        leftovers += [s for s in KNOWN_ENGLISH if any(s in chunk for chunk in chunks)]
        if leftovers:
            problems[path] = leftovers
    assert not problems, f"English strings on French pages: {problems}"
