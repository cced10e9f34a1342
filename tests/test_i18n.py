"""Catalogs: complete, in step with the code, plural rules as CLDR says, locale formatting."""

from __future__ import annotations

import functools
import gettext
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import KNOWN_LANGUAGES, Catalogs, ngettext

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(lang: str):
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@functools.cache
def source_msgids() -> frozenset[str]:
    """Every UI string in the code, extracted the way `make i18n` does."""
    keywords = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    found = extract_from_dir(str(ROOT / "core"), [("**.py", "python")], keywords=keywords)
    return frozenset(msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _x in found)


@pytest.mark.parametrize("lang", KNOWN_LANGUAGES)
def test_catalog_is_complete_not_fuzzy_and_in_step_with_the_code(lang: str, tmp_path: Path) -> None:
    cat = catalog(lang)
    in_code = source_msgids()
    assert len(in_code) >= 20
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}
    assert in_code - in_catalog == set(), (
        "strings in the code missing from the catalog: run make i18n"
    )
    assert in_catalog - in_code == set(), "obsolete strings in the catalog: run make i18n"
    for message in cat:
        if not message.id:
            assert "fuzzy" not in message.flags, "the header is marked fuzzy"
            continue
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy: {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{lang}: untranslated: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for index, text in enumerate(strings):
            found = set(PLACEHOLDER.findall(text))
            # Languages may spell a small number out in words (Arabic "two"): {count} may go.
            allowed = expected - {"count"} if isinstance(message.id, tuple) else expected
            assert allowed <= found <= expected, f"{lang}[{index}]: placeholders of {message.id!r}"


def plural_header(lang: str) -> tuple[int, str]:
    header = catalog(lang).plural_forms
    match = re.match(r"nplurals=(\d+);\s*plural=(.*?);?$", header)
    assert match, header
    return int(match.group(1)), match.group(2)


NUMBERS = [
    *range(0, 2001),
    10_000,
    100_000,
    1_000_000,
    2_000_000,
    1_000_001,
    10_000_000,
    1_000_000_000,
]


@pytest.mark.parametrize("lang", KNOWN_LANGUAGES)
def test_plural_forms_header_picks_the_cldr_category(lang: str) -> None:
    nplurals, expression = plural_header(lang)
    pick = gettext.c2py(expression)
    rule = Locale.parse(lang).plural_form
    order = [
        tag
        for tag in ("zero", "one", "two", "few", "many", "other")
        if tag in rule.tags | {"other"}
    ]
    assert nplurals == len(order)
    for n in NUMBERS:
        assert order[pick(n)] == rule(n), f"{lang}: n={n}"


@pytest.mark.parametrize("lang", KNOWN_LANGUAGES)
def test_every_plural_message_has_all_forms(lang: str) -> None:
    nplurals, _ = plural_header(lang)
    for message in catalog(lang):
        if isinstance(message.id, tuple):
            assert len(message.string) == nplurals


def test_arabic_uses_its_six_forms() -> None:
    ar = Catalogs(("en", "ar")).get("ar")
    rendered = {
        n: ar.render(
            ngettext(
                "We have {count} local chapter so far.", "We have {count} local chapters so far.", n
            )
        )
        for n in (0, 1, 2, 3, 11, 100)
    }
    assert len(set(rendered.values())) == 6
    assert "3" in rendered[3] and "11" in rendered[11] and "100" in rendered[100]


def test_dates_and_numbers_in_the_readers_locale_and_zone() -> None:
    cats = Catalogs(KNOWN_LANGUAGES)
    moment = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    assert (
        cats.get("en").format_datetime(moment, "Europe/London", "short") == "12/6/26, 11:00\u202fAM"
    )
    assert (
        cats.get("pt").format_datetime(moment, "America/Sao_Paulo", "short") == "06/12/2026 08:00"
    )
    assert cats.get("el").format_datetime(moment, "Europe/Athens", "HH:mm") == "13:00"
    assert cats.get("de").format_number(1234567.5) == "1.234.567,5"
    assert cats.get("fr").format_number(1234) == "1\u202f234"
    assert cats.get("ar").rtl and not cats.get("he" if False else "en").rtl
