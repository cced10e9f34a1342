"""Safe rendering of the core's plain text for Matrix: a ``body`` and an HTML ``formatted_body``.

Everything the core sends may contain what members wrote (a question, a name, an option),
so nothing in it may become markup or a notification:

* the HTML is the text escaped (``<``, ``>``, ``&`` and quotes) with line breaks as
  ``<br>``: a member's ``<a href=…>`` or ``<img>`` arrives as the characters they typed;
* ``@room`` gets an invisible word joiner after the ``@`` in both forms, so no client's
  legacy "room mention" rule matches it; together with an empty ``m.mentions`` on every
  event (see :mod:`bots.matrix.messenger`), which tells homeservers and clients that the
  bot mentions nobody, neither the body nor names in it notify anyone;
* right-to-left text gets a right-to-left mark at the start of each line, which decides
  the direction clients give a paragraph (they lay out ``dir="auto"``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

WORD_JOINER = "\u2060"
RIGHT_TO_LEFT_MARK = "\u200f"
_ROOM_MENTION = re.compile(r"@(room)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    """One text in both of Matrix's forms."""

    body: str
    formatted_body: str


def defuse(text: str) -> str:
    """``text`` with every ``@room`` unable to notify the room (it still reads the same)."""
    return _ROOM_MENTION.sub("@" + WORD_JOINER + r"\1", text)


def render(text: str, rtl: bool = False) -> Rendered:
    """The plain body and the escaped HTML of a text from the core."""
    lines = defuse(text).split("\n")
    if rtl:
        lines = [RIGHT_TO_LEFT_MARK + line if line else line for line in lines]
    body = "\n".join(lines)
    formatted = "<br>".join(html.escape(line, quote=True) for line in lines)
    return Rendered(body, formatted)
