"""Command recognition shared by every adapter."""

from __future__ import annotations

import pytest

from core.messaging.commands import parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", ("start", "")),
        ("/HELP", ("help", "")),
        ("/language es", ("language", "es")),
        ("/language   es  ", ("language", "es")),
        ("/help@IopsBot", ("help", "")),
        ("/help@iopsbot extra words", ("help", "extra words")),
        ("/help@OtherBot", None),
        ("hello", None),
        ("", None),
        ("/", None),
        ("/ä", ("ä", "")),
        ("/language\nes", ("language", "es")),
    ],
)
def test_parse(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text, bot_username="IopsBot") == expected


def test_bang_prefix_for_matrix() -> None:
    assert parse_command("!help", prefixes="!/") == ("help", "")


def test_huge_input_is_bounded() -> None:
    name, args = parse_command("/" + "a" * 10_000 + " " + "b" * 100_000)
    assert len(name) <= 33 and len(args) <= 4000
