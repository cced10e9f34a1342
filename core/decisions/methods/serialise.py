"""Outcomes as JSON-ready dicts: the export, ``iopsbot tally --format json``, the API.

Every outcome gives ``method``, ``seats``, ``elected`` (in order of election), ``ranking``,
``totals``, ``ballots``, ``rounds``, ``tie_breaks`` and ``seed``, then the fields of its
subtype (``pairwise``, ``strongest`` and ``condorcet_winner`` for Schulze; ``yes``, ``no``,
``abstain``, ``threshold``, ``passed`` for majority votes; ``agree``, ``stand_aside``,
``disagree``, ``blocks``, ``threshold``, ``consent``, ``passed`` for consensus (whose
``totals`` also carry the weight of ``block``); ``slots`` for time polls). Fields a
counting method adds in a subclass of its own are exported the same way.

Numbers: a whole number is a JSON integer; any other value is a JSON number rounded to 5
decimal places (the precision Scottish STV counts in, and more than a reader needs). The
exact rationals are not exported: recount the ballot file for them. Enums are their string
values, tuples are lists, ``None`` is ``null``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from fractions import Fraction
from typing import Any

from core.decisions.methods.types import Outcome, SlotTally

DECIMALS = 5


def number(value: int | Fraction) -> int | float:
    """A count as JSON: an int when whole, else a float rounded to :data:`DECIMALS`."""
    fraction = Fraction(value)
    if fraction.denominator == 1:
        return fraction.numerator
    return round(float(fraction), DECIMALS)


def _plain(value: Any) -> Any:
    # Order matters: bool before int (bool is an int), Enum before str (StrEnum is a str).
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int | Fraction):
        return number(value)
    if isinstance(value, str | float):
        return value
    if isinstance(value, SlotTally):
        # The derived figure the time poll is decided on, so readers need not add it up.
        return {**_fields(value), "can_attend": number(value.can_attend)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _fields(value: Any) -> dict[str, Any]:
    return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    """The outcome as a dict of JSON types (see the module docstring for the layout).

    Args:
        outcome: Any counting method's outcome.

    Returns:
        A dict ``json.dumps`` accepts as is; the base fields come first.
    """
    return _fields(outcome)
