"""Time polls: for each proposed slot, yes / if need be / no; the slot most can attend wins.

Among slots equally many can attend, the one more people gladly accept (plain "yes") is
chosen; a remaining tie goes to a seeded lot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from fractions import Fraction

from core.decisions.methods.plurality import check_names, single_winner
from core.decisions.methods.types import (
    InvalidBallot,
    SlotTally,
    TieRule,
    TimeOutcome,
    as_weight,
)


class Availability(StrEnum):
    """Whether a member can make a proposed time."""

    YES = "yes"
    IF_NEED_BE = "if_need_be"
    NO = "no"


def _answers(answers: Sequence[Availability], n: int) -> tuple[Availability, ...]:
    result = tuple(answers)
    if len(result) < n:
        raise InvalidBallot("too_few", f"{len(result)} answers for {n} slots")
    if len(result) > n:
        raise InvalidBallot("too_many", f"{len(result)} answers for {n} slots")
    try:
        return tuple(Availability(answer) for answer in result)
    except ValueError as exc:
        raise InvalidBallot("unknown", str(exc)) from None


def count(
    slots: Sequence[str],
    ballots: Iterable[tuple[Sequence[Availability], int | Fraction]],
    *,
    seed: str = "",
) -> TimeOutcome:
    """Counts a time poll.

    Args:
        slots: The proposed times as they are shown (unique).
        ballots: ``(one answer per slot, weight)`` pairs.
        seed: The seed of the lot for a tie left after "more yes".

    Returns:
        The outcome: ``elected`` holds the chosen slot (none when nobody can make any),
        ``ranking`` every slot best first, ``totals`` how many can attend each, ``slots``
        each slot's answers in the proposed order.

    Raises:
        InvalidBallot: ``too_few`` / ``too_many`` answers, ``unknown`` answer, bad
            ``weight``.
        ValueError: Slot names are not unique.
    """
    names = check_names(slots)
    sums = {name: dict.fromkeys(Availability, Fraction(0)) for name in names}
    turnout = Fraction(0)
    for answers, weight in ballots:
        value = as_weight(weight)
        for name, answer in zip(names, _answers(answers, len(names)), strict=True):
            sums[name][answer] += value
        turnout += value
    tallies = {
        name: SlotTally(
            yes=counts[Availability.YES],
            if_need_be=counts[Availability.IF_NEED_BE],
            no=counts[Availability.NO],
        )
        for name, counts in sums.items()
    }
    attend = {name: tally.can_attend for name, tally in tallies.items()}
    gladly = {name: tally.yes for name, tally in tallies.items()}
    elected, ranking, breaks = single_winner(
        names, [(None, attend), (TieRule.MORE_YES, gladly)], seed=seed
    )
    return TimeOutcome(
        method="time",
        seats=1,
        elected=elected,
        ranking=ranking,
        totals=attend,
        ballots=turnout,
        tie_breaks=breaks,
        seed=seed,
        slots=tallies,
    )
