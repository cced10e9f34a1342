"""Pure logic of members: link codes and their lockout, time zones, chapter name matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.members.chapter_moves import fold
from core.members.codes import (
    ALPHABET,
    LENGTH,
    code_digest,
    locked_until,
    new_code,
    normalise_code,
    show_code,
    tries_left,
)
from core.members.timezones import resolve_zone, suggest_zones, zone_from_arg, zone_to_arg

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def minutes(*values: float) -> list[datetime]:
    return [T0 + timedelta(minutes=v) for v in values]


def test_codes_are_unambiguous_and_read_back_however_typed() -> None:
    code = new_code()
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert not set("IO01") & set(ALPHABET)
    shown = show_code(code)
    assert shown[4] == "-"
    for typed in (shown, code.lower(), f"  {code[:4]} {code[4:]} ", shown.replace("-", "–")):
        assert normalise_code(typed) == code
    for wrong in ("", "ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFG0", "ABCDEFGI", "x" * 1000):
        assert normalise_code(wrong) is None
    assert len(code_digest(code)) == 64 and code not in code_digest(code)


@given(st.text(max_size=80))
def test_any_text_is_read_as_a_code_or_refused(text: str) -> None:
    code = normalise_code(text)
    assert code is None or (len(code) == LENGTH and set(code) <= set(ALPHABET))


def test_five_wrong_tries_within_an_hour_lock_for_an_hour() -> None:
    assert locked_until([]) is None
    assert locked_until(minutes(0, 1, 2, 3)) is None
    assert locked_until(minutes(0, 1, 2, 3, 4)) == T0 + timedelta(minutes=64)
    # Spread over more than an hour: no lockout, and old tries stop counting.
    assert locked_until(minutes(0, 20, 40, 59, 61)) is None
    assert tries_left(minutes(0, 20, 40, 59, 61), T0 + timedelta(minutes=61)) == 1
    assert tries_left(minutes(0, 1), T0 + timedelta(minutes=70)) == 5
    # The latest lockout counts.
    assert locked_until(minutes(0, 1, 2, 3, 4, 200, 201, 202, 203, 204)) == T0 + timedelta(
        minutes=264
    )


def test_time_zones_are_recognised_only_from_the_database() -> None:
    assert resolve_zone("europe/madrid") == "Europe/Madrid"
    assert resolve_zone(" America/Sao Paulo ") == "America/Sao_Paulo"
    assert resolve_zone("utc") == "UTC"
    for wrong in ("", "Mars/Base", "../../etc/passwd", "/etc/localtime", "Europe/" * 20):
        assert resolve_zone(wrong) is None


def test_suggested_zones_start_with_the_chapters_and_fit_in_buttons() -> None:
    assert suggest_zones("Europe/London", "GB", "UTC") == ["Europe/London"]
    brazil = suggest_zones("America/Sao_Paulo", "BR", "UTC")
    assert brazil[0] == "America/Sao_Paulo" and len(brazil) == 6
    assert suggest_zones(None, None, "UTC") == ["UTC"]
    for zone in [*brazil, "America/Argentina/ComodRivadavia", "Etc/GMT+5"]:
        arg = zone_to_arg(zone)
        assert arg is None or zone_from_arg(arg) == zone
    assert zone_to_arg("Etc/GMT+5") is None  # "+" cannot travel in a button
    assert zone_from_arg("Mars.Base") is None


def test_chapter_names_match_without_case_or_accents() -> None:
    assert fold("Barcelona – Gràcia") == fold("barcelona – gracia")
    assert "lavapies" in fold("Madrid – Lavapiés")
    assert "exarchia" in fold("Athens – Exarchia (Αθήνα – Εξάρχεια)")
    assert fold("Εξάρχεια") in fold("Athens – Exarchia (Αθήνα – Εξάρχεια)")
