"""Fitting the core's plain text into Telegram messages (pure functions).

Text goes out without ``parse_mode`` and without entities, so whatever a person wrote
(``<b>``, ``*stars*``, ``[links](…)``) is shown exactly as typed: there is no markup to
inject into, hence nothing to escape. Telegram measures its limits in UTF-16 code units
(its entity offsets are UTF-16), so lengths here are counted the same way: an emoji
counts two, as it does for Telegram.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
CALLBACK_DATA_LIMIT = 64  # bytes
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """The number of characters of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Splits off the longest head of ``text`` within ``limit``.

    At a paragraph break, else a line break, else a space, else anywhere (never inside a
    character).
    """
    head_end = _prefix_within(text, limit)
    window = text[:head_end]
    for separator in ("\n\n", "\n", " "):
        cut = window.rfind(separator)
        if cut > 0:
            return text[:cut], text[cut + len(separator) :]
    return window, text[head_end:]


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Splits ``text`` into messages of at most ``limit`` UTF-16 units.

    Cuts fall on paragraph boundaries where possible, then on line breaks, then on spaces,
    and only a single overlong word is cut hard. Nothing but the separator at each cut is
    lost, and empty pieces (which Telegram refuses) are dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head, rest = _cut(rest, limit)
        pieces.append(head)
    pieces.append(rest)
    return [piece for piece in pieces if piece.strip()]


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units, ending in an ellipsis when it was cut.

    For the one place a message cannot be split: replacing a sent message's text.
    """
    if utf16_len(text) <= limit:
        return text
    return text[: _prefix_within(text, limit - 1)].rstrip() + ELLIPSIS
