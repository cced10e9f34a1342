from hypothesis import given
from hypothesis import strategies as st

from bots.telegram.text import shorten, split_text, utf16_len


def test_short_text_is_one_message() -> None:
    assert split_text("Hello\n\nWorld") == ["Hello\n\nWorld"]


def test_splits_on_paragraphs_first() -> None:
    one, two, three = "a" * 40, "b\n" * 19 + "b", "c " * 20
    text = f"{one}\n\n{two}\n\n{three}"
    # Two paragraphs fit together; the lines of the second are not cut though they could.
    assert split_text(text, limit=100) == [f"{one}\n\n{two}", three]
    assert split_text(text, limit=60) == [one, two, three]


def test_then_lines_then_spaces_then_hard() -> None:
    assert split_text("one\ntwo\nthree", limit=8) == ["one\ntwo", "three"]
    assert split_text("alpha beta gamma", limit=11) == ["alpha beta", "gamma"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_emoji_count_twice_and_are_never_cut() -> None:
    assert utf16_len("🗳") == 2
    assert split_text("🗳" * 5, limit=4) == ["🗳🗳", "🗳🗳", "🗳"]
    assert shorten("🗳" * 5, 5) == "🗳🗳…"
    assert shorten("short", 10) == "short"


def test_empty_pieces_are_dropped() -> None:
    assert split_text("\n\n\n\n", limit=2) == []


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "é", "🗳", "ש"]), max_size=400))
def test_every_piece_fits_and_nothing_but_separators_is_lost(text: str) -> None:
    pieces = split_text(text, limit=16)
    assert all(0 < utf16_len(piece) <= 16 for piece in pieces)
    squeeze = "".join(text.split())
    assert "".join("".join(piece.split()) for piece in pieces) == squeeze
