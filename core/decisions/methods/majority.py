"""Majority vote on a yes/no question, with a threshold.

Abstentions are recorded (they count towards turnout, which the quorum is judged on around
the method) but they count for nothing in the share: the threshold is a share of *yes + no*.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction

from core.decisions.methods.types import (
    InvalidBallot,
    MajorityOutcome,
    Threshold,
    as_weight,
)


class Choice(StrEnum):
    """A voter's answer to a yes/no question."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


# The share of yes needed, and whether reaching it exactly is enough. "More than half" is
# strict (an even split does not pass); the qualified majorities are reached at equality.
_SHARES: dict[Threshold, tuple[Fraction, bool]] = {
    Threshold.SIMPLE: (Fraction(1, 2), False),
    Threshold.TWO_THIRDS: (Fraction(2, 3), True),
    Threshold.THREE_QUARTERS: (Fraction(3, 4), True),
}


def meets_threshold(in_favour: Fraction, against: Fraction, threshold: Threshold) -> bool:
    """Whether ``in_favour`` reaches ``threshold`` of ``in_favour + against``.

    Shared by majority votes and consensus decisions (agree against disagree).

    Args:
        in_favour: The weight for (yes, agree).
        against: The weight against (no, disagree).
        threshold: The rule.

    Returns:
        False whenever nobody voted either way; for UNANIMITY, True when nobody is against
        and at least someone is for.
    """
    total = in_favour + against
    if total <= 0:
        return False
    if threshold is Threshold.UNANIMITY:
        return against == 0 and in_favour > 0
    share, reached_at_equality = _SHARES[threshold]
    # Exact rationals: no rounding can push a share over (or under) the line.
    needed = share * total
    return in_favour >= needed if reached_at_equality else in_favour > needed


def _choice(value: object) -> Choice:
    if isinstance(value, str) and value in Choice._value2member_map_:
        return Choice(value)
    raise InvalidBallot("unknown", repr(value))


def count(
    ballots: Iterable[tuple[Choice, int | Fraction]], threshold: Threshold
) -> MajorityOutcome:
    """Counts yes/no/abstain ballots against a threshold.

    Args:
        ballots: ``(choice, weight)`` pairs. Plain strings ``"yes"``/``"no"``/``"abstain"``
            are accepted too.
        threshold: The share of yes among yes + no needed to pass.

    Returns:
        The outcome: ``elected`` is ``("yes",)`` when the proposal passed, else empty;
        ``totals`` holds the three weighted counts.

    Raises:
        InvalidBallot: ``unknown`` for an answer that is not a :class:`Choice`, ``weight``
            for a negative or non-rational weight.
    """
    sums = dict.fromkeys(Choice, Fraction(0))
    for choice, weight in ballots:
        sums[_choice(choice)] += as_weight(weight)
    yes, no, abstain = sums[Choice.YES], sums[Choice.NO], sums[Choice.ABSTAIN]
    passed = meets_threshold(yes, no, threshold)
    return MajorityOutcome(
        method="majority",
        seats=0,
        elected=(Choice.YES.value,) if passed else (),
        totals={choice.value: total for choice, total in sums.items()},
        ballots=yes + no + abstain,
        yes=yes,
        no=no,
        abstain=abstain,
        threshold=Threshold(threshold),
        passed=passed,
    )
