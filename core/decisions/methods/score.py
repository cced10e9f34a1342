"""Score voting: every option gets 0 to 5; the highest total wins.

A tie on the total goes to the option more voters gave the top score (the stronger
enthusiasm), then to a seeded lot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from core.decisions.methods.plurality import check_names, single_winner
from core.decisions.methods.types import InvalidBallot, Outcome, TieRule, as_weight

MAX_SCORE = 5


def validate(scores: Sequence[int], n: int) -> tuple[int, ...]:
    """Checks one score ballot: a whole number from 0 to :data:`MAX_SCORE` per option.

    Args:
        scores: One score per option, in the options' order.
        n: How many options there are.

    Returns:
        The scores as a tuple.

    Raises:
        InvalidBallot: ``too_few`` / ``too_many`` scores for the options, or ``range`` for
            a score that is not a whole number from 0 to 5.
    """
    result = tuple(scores)
    if len(result) < n:
        raise InvalidBallot("too_few", f"{len(result)} scores for {n} options")
    if len(result) > n:
        raise InvalidBallot("too_many", f"{len(result)} scores for {n} options")
    for value in result:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SCORE:
            raise InvalidBallot("range", repr(value))
    return result


def count(
    candidates: Sequence[str],
    ballots: Iterable[tuple[Sequence[int], int | Fraction]],
    *,
    seed: str = "",
) -> Outcome:
    """Counts score ballots.

    Args:
        candidates: The option names.
        ballots: ``(scores, weight)`` pairs, one score per option.
        seed: The seed of the lot that breaks a tie left by the top-score rule.

    Returns:
        The outcome: the option with the highest weighted total (none when every score
        was 0), the full order, and the totals.

    Raises:
        InvalidBallot: See :func:`validate`; bad ``weight``.
        ValueError: Option names are not unique.
    """
    names = check_names(candidates)
    totals = dict.fromkeys(names, Fraction(0))
    top = dict.fromkeys(names, Fraction(0))
    turnout = Fraction(0)
    for scores, weight in ballots:
        value = as_weight(weight)
        for name, given in zip(names, validate(scores, len(names)), strict=True):
            totals[name] += given * value
            if given == MAX_SCORE:
                top[name] += value
        turnout += value
    elected, ranking, breaks = single_winner(
        names, [(None, totals), (TieRule.MORE_TOP_SCORES, top)], seed=seed
    )
    return Outcome(
        method="score",
        seats=1,
        elected=elected,
        ranking=ranking,
        totals=totals,
        ballots=turnout,
        tie_breaks=breaks,
        seed=seed,
    )
