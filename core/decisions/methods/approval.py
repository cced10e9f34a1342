"""Approval voting: approve any number of options; the most approved wins."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from fractions import Fraction

from core.decisions.methods.plurality import check_index, check_names, single_winner
from core.decisions.methods.types import InvalidBallot, Outcome, as_weight


def validate(
    selection: Collection[int], n: int, minimum: int = 0, maximum: int | None = None
) -> frozenset[int]:
    """Checks one approval ballot.

    Args:
        selection: The approved option numbers.
        n: How many options there are.
        minimum: The fewest approvals allowed (0: an empty ballot is a valid "none").
        maximum: The most approvals allowed (None: up to all of them).

    Returns:
        The approved options.

    Raises:
        InvalidBallot: ``unknown`` option, ``duplicate`` option, ``too_few`` or ``too_many``.
    """
    chosen = [check_index(index, n) for index in selection]
    approved = frozenset(chosen)
    if len(approved) != len(chosen):
        raise InvalidBallot("duplicate", repr(sorted(chosen)))
    if len(approved) < minimum:
        raise InvalidBallot("too_few", f"{len(approved)} < {minimum}")
    if maximum is not None and len(approved) > maximum:
        raise InvalidBallot("too_many", f"{len(approved)} > {maximum}")
    return approved


def count(
    candidates: Sequence[str],
    ballots: Iterable[tuple[Collection[int], int | Fraction]],
    *,
    seed: str = "",
) -> Outcome:
    """Counts approval ballots.

    Args:
        candidates: The option names.
        ballots: ``(approved option indices, weight)`` pairs; an empty selection is a
            ballot that approves nothing (it still counts towards turnout).
        seed: The seed of the lot that breaks a tie.

    Returns:
        The outcome: the most approved option (none when nothing was approved), the full
        order, and each option's approvals in ``totals``.

    Raises:
        InvalidBallot: ``unknown`` or ``duplicate`` option, bad ``weight``.
        ValueError: Option names are not unique.
    """
    names = check_names(candidates)
    totals = dict.fromkeys(names, Fraction(0))
    turnout = Fraction(0)
    for selection, weight in ballots:
        value = as_weight(weight)
        for index in validate(selection, len(names)):
            totals[names[index]] += value
        turnout += value
    elected, ranking, breaks = single_winner(names, [(None, totals)], seed=seed)
    return Outcome(
        method="approval",
        seats=1,
        elected=elected,
        ranking=ranking,
        totals=totals,
        ballots=turnout,
        tie_breaks=breaks,
        seed=seed,
    )
