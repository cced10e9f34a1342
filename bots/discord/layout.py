"""Fitting the core's buttons into Discord's components (pure, no I/O).

Discord allows 5 rows of at most 5 buttons, labels of 80 characters and ``custom_id`` of
100. The core's buttons carry signed actions of at most 64 characters, so a button's
``custom_id`` is the action with a two-character prefix. A list of choices shown one per
row (a ballot's remaining candidates, a country's chapters) becomes a select menu in a
private chat when it is long or rows of controls follow it (Done, Back, Cancel: those
stay buttons), and whenever the buttons would not fit. A message that asks for free
text gets a button opening a form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.messaging.outbound import Button, OutgoingMessage

MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
MAX_OPTIONS = 25
MAX_OPTION_LABEL = 100
MAX_CUSTOM_ID = 100
SELECT_RUN = 3
"""This many single-button rows in a row make a select menu in a private chat."""

ACTION_PREFIX = "a|"
CHOICE_PREFIX = "s|"
FORM_ID = "m|form"


@dataclass(frozen=True)
class ButtonRow:
    """A row of buttons, each with its ``custom_id``."""

    buttons: tuple[tuple[str, str], ...]  # (label, custom_id)


@dataclass(frozen=True)
class SelectRow:
    """A select menu: its ``custom_id`` and its options (label, signed action)."""

    custom_id: str
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FormRow:
    """A button opening a form for the free-text answer the message asks for."""

    label: str


Row = ButtonRow | SelectRow | FormRow


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(items: Sequence[Button], size: int) -> list[tuple[Button, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


class _Ids:
    """Unique custom ids within one message (Discord rejects duplicates)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.selects = 0

    def action(self, action: str) -> str:
        custom_id = ACTION_PREFIX + action
        n = 1
        while custom_id in self.seen:  # the same action twice: a suffix the template allows
            custom_id = f"{ACTION_PREFIX}{action}|{n}"
            n += 1
        self.seen.add(custom_id)
        return custom_id[:MAX_CUSTOM_ID]

    def select(self) -> str:
        self.selects += 1
        return f"{CHOICE_PREFIX}{self.selects}"


def _selects(buttons: Sequence[Button], ids: _Ids) -> list[Row]:
    unique: dict[str, str] = {}
    for button in buttons:
        unique.setdefault(button.action, clip(button.label, MAX_OPTION_LABEL))
    options = [(label, action) for action, label in unique.items()]
    return [
        SelectRow(ids.select(), tuple(options[i : i + MAX_OPTIONS]))
        for i in range(0, len(options), MAX_OPTIONS)
    ]


def _button_row(row: Sequence[Button], ids: _Ids) -> ButtonRow:
    return ButtonRow(tuple((clip(b.label, MAX_LABEL), ids.action(b.action)) for b in row))


def fit(message: OutgoingMessage, *, private: bool) -> tuple[Row, ...]:
    """The components for ``message``, within Discord's limits.

    Args:
        message: What the core wants shown.
        private: It goes to a private chat (choice lists become select menus there).
    """
    rows = [chunk for row in message.buttons if row for chunk in _chunks(row, MAX_PER_ROW)]
    slots = MAX_ROWS - (1 if message.asks_for_text else 0)
    ids = _Ids()
    out: list[Row] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and len(rows[j]) == 1:
            j += 1
        # A list followed by controls (Done, Back…), or a longer one, is a choice list;
        # three rows alone are actions (Approve, Ask, Decline) and stay buttons.
        run = j - i
        if private and run >= SELECT_RUN and (j < len(rows) or run > SELECT_RUN):
            out += _selects([row[0] for row in rows[i:j]], ids)
            i = j
        elif j > i:
            out += [_button_row(row, ids) for row in rows[i:j]]
            i = j
        else:
            out.append(_button_row(rows[i], ids))
            i += 1
    if len(out) > slots:
        # Too many rows: every choice but the last row (the controls) goes into menus.
        ids = _Ids()
        head = [button for row in rows[:-1] for button in row]
        out = [*_selects(head, ids)[: slots - 1], _button_row(rows[-1], ids)]
    if message.asks_for_text:
        out.insert(0, FormRow(clip(message.asks_for_text, MAX_LABEL)))
    return tuple(out)


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces
