"""Plurality (first past the post): one choice per ballot, the most votes wins.

This module also holds the ordering helpers the other one-number-per-option methods
(approval, score, time polls) share: rank by a main total, break ties by the method's
secondary rule, then by a seeded lot whose seed is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from core.decisions.methods import ties
from core.decisions.methods.types import (
    InvalidBallot,
    Outcome,
    TieBreak,
    TieRule,
    as_weight,
)

#: A ranking criterion: the tie rule it stands for (None for the main total) and the value
#: per option; higher is better.
RankKey = tuple[TieRule | None, Mapping[str, Fraction]]


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """The option names as a tuple.

    Raises:
        ValueError: Two options have the same name (outcomes refer to options by name).
    """
    result = tuple(names)
    if len(set(result)) != len(result):
        raise ValueError("option names must be unique")
    return result


def check_index(value: object, n: int) -> int:
    """An option number, checked to be one of ``0 .. n - 1``.

    Raises:
        InvalidBallot: ``unknown`` when it is not.
    """
    # bool is an int subclass; True is not "option 1".
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise InvalidBallot("unknown", repr(value))
    return value


def rank(
    names: Sequence[str], keys: Sequence[RankKey], *, seed: str
) -> tuple[tuple[str, ...], tuple[TieBreak, ...]]:
    """Orders options best first: by each key in turn (higher first), then by lot.

    A later key only separates options the earlier keys left tied. Every tie a rule or the
    lot had to break is recorded: with purpose ``elect`` when it decided the first place,
    ``order`` when it only decided places further down. A secondary rule is recorded when it
    singles out the best of the tied group; when it leaves several tied at the top, the lot
    among those is what gets recorded.

    Args:
        names: The options, in their proposed order.
        keys: The criteria, main total first.
        seed: The lot's seed.

    Returns:
        The full order and the tie-breaks, top first.
    """
    breaks: list[TieBreak] = []

    def resolve(group: list[str], level: int, position: int) -> list[str]:
        if len(group) == 1:
            return group
        purpose = "elect" if position == 0 else "order"
        if level == len(keys):
            drawn = ties.lot(seed, tuple(group))
            breaks.append(TieBreak(tuple(group), drawn[0], TieRule.LOT, purpose, seed=seed))
            return list(drawn)
        rule, values = keys[level]
        groups: dict[Fraction, list[str]] = {}
        for name in group:
            groups.setdefault(values[name], []).append(name)
        ordered = [groups[value] for value in sorted(groups, reverse=True)]
        if rule is not None and len(ordered) > 1 and len(ordered[0]) == 1:
            breaks.append(TieBreak(tuple(group), ordered[0][0], rule, purpose))
        result: list[str] = []
        for subgroup in ordered:
            result.extend(resolve(subgroup, level + 1, position + len(result)))
        return result

    return tuple(resolve(list(names), 0, 0)), tuple(breaks)


def single_winner(
    names: Sequence[str], keys: Sequence[RankKey], *, seed: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[TieBreak, ...]]:
    """The winner, full order and tie-breaks of a one-number-per-option count.

    When no option got anything on the main key (nobody voted, or nobody supported any
    option) nothing is elected: a lot among options nobody wanted decides nothing. The order
    is then the proposed one.

    Returns:
        ``(elected, ranking, tie_breaks)``; ``elected`` has at most one name.
    """
    if not names or max(keys[0][1].values()) <= 0:
        return (), tuple(names), ()
    ranking, breaks = rank(names, keys, seed=seed)
    return ranking[:1], ranking, breaks


def count(
    candidates: Sequence[str],
    ballots: Iterable[tuple[int, int | Fraction]],
    *,
    seed: str = "",
) -> Outcome:
    """Counts single-choice ballots.

    Args:
        candidates: The option names.
        ballots: ``(option index, weight)`` pairs.
        seed: The seed of the lot that breaks a tie.

    Returns:
        The outcome: one winner (none if no ballot had weight), the full order, the totals.

    Raises:
        InvalidBallot: ``unknown`` option, or a bad ``weight``.
        ValueError: Option names are not unique.
    """
    names = check_names(candidates)
    totals = dict.fromkeys(names, Fraction(0))
    turnout = Fraction(0)
    for index, weight in ballots:
        value = as_weight(weight)
        totals[names[check_index(index, len(names))]] += value
        turnout += value
    elected, ranking, breaks = single_winner(names, [(None, totals)], seed=seed)
    return Outcome(
        method="plurality",
        seats=1,
        elected=elected,
        ranking=ranking,
        totals=totals,
        ballots=turnout,
        tie_breaks=breaks,
        seed=seed,
    )
