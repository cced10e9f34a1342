"""Consensus and consent decisions: agree, stand aside, disagree or block.

A block is a principled objection: any block stops the proposal, and whoever blocks must
say why (the reason is shown to everyone with the result). In the *consensus* variant the
proposal otherwise passes when agreement reaches the threshold of agree + disagree (standing
aside counts for neither side); in the *consent* variant it passes only when nobody objects
at all, neither by blocking nor by disagreeing.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction

from core.decisions.methods.majority import meets_threshold
from core.decisions.methods.types import (
    Block,
    ConsensusOutcome,
    InvalidBallot,
    Threshold,
    as_weight,
)


class Stance(StrEnum):
    """A member's answer to a proposal."""

    AGREE = "agree"
    STAND_ASIDE = "stand_aside"
    DISAGREE = "disagree"
    BLOCK = "block"


def _stance(value: object) -> Stance:
    if isinstance(value, str) and value in Stance._value2member_map_:
        return Stance(value)
    raise InvalidBallot("unknown", repr(value))


def count(
    ballots: Iterable[tuple[Stance, int | Fraction, str | None]],
    threshold: Threshold = Threshold.SIMPLE,
    *,
    consent: bool = False,
) -> ConsensusOutcome:
    """Counts stances on a proposal.

    Args:
        ballots: ``(stance, weight, reason)`` triples; the reason is required for a block
            and kept (stripped) in the outcome, ignored otherwise.
        threshold: The share of agree among agree + disagree needed (consensus variant).
        consent: The consent variant: pass when at least one member answered and nobody
            blocked or disagreed.

    Returns:
        The outcome: ``elected`` is ``("agree",)`` when the proposal passed; ``totals`` has
        the weight of each stance; ``blocks`` every block with its reason, in ballot order.

    Raises:
        InvalidBallot: ``reason_required`` for a block without a reason, ``unknown`` for a
            stance that is not a :class:`Stance`, ``weight`` for a bad weight.
    """
    sums = dict.fromkeys(Stance, Fraction(0))
    blocks: list[Block] = []
    for stance, weight, reason in ballots:
        kind = _stance(stance)
        value = as_weight(weight)
        if kind is Stance.BLOCK:
            text = (reason or "").strip()
            if not text:
                raise InvalidBallot("reason_required", "a block needs a reason")
            blocks.append(Block(text, value))
        sums[kind] += value
    agree, disagree = sums[Stance.AGREE], sums[Stance.DISAGREE]
    turnout = sum(sums.values(), Fraction(0))
    if blocks:
        passed = False
    elif consent:
        passed = turnout > 0 and disagree == 0
    else:
        passed = meets_threshold(agree, disagree, threshold)
    return ConsensusOutcome(
        method="consensus",
        seats=0,
        elected=(Stance.AGREE.value,) if passed else (),
        totals={stance.value: total for stance, total in sums.items()},
        ballots=turnout,
        agree=agree,
        stand_aside=sums[Stance.STAND_ASIDE],
        disagree=disagree,
        blocks=tuple(blocks),
        threshold=Threshold(threshold),
        consent=consent,
        passed=passed,
    )
