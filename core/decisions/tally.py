"""From a decision's stored ballots to its outcome: the bridge to the pure methods."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from core.decisions.ballots import Method
from core.decisions.methods import (
    approval,
    consensus,
    irv,
    majority,
    plurality,
    schulze,
    score,
    stv,
    timeslots,
)
from core.decisions.methods.types import Outcome, RankedProfile, Threshold


@dataclass(frozen=True)
class CountRules:
    """What a count needs to know of the decision."""

    method: Method
    options: tuple[str, ...]
    seats: int = 1
    threshold: Threshold = Threshold.SIMPLE
    consent: bool = False
    seed: str = ""
    stv_rules: stv.StvRules = stv.StvRules.SCOTTISH


@dataclass(frozen=True)
class Turnout:
    """How many took part, against the electorate, and whether that meets the quorum."""

    voted: Fraction
    electorate: Fraction
    quorum: Fraction

    @property
    def share(self) -> Fraction:
        """The share of the electorate's weight that voted."""
        return self.voted / self.electorate if self.electorate else Fraction(0)

    @property
    def met(self) -> bool:
        """Whether the quorum is met (always, when there is none)."""
        return self.quorum == 0 or (self.electorate > 0 and self.share >= self.quorum)


def count(rules: CountRules, ballots: Iterable[tuple[Mapping[str, Any], Fraction]]) -> Outcome:
    """Counts ``(content, weight)`` ballots by the decision's method."""
    method = rules.method
    items = list(ballots)
    if method is Method.MAJORITY:
        return majority.count(
            ((majority.Choice(c["answer"]), w) for c, w in items), rules.threshold
        )
    if method is Method.CONSENSUS:
        return consensus.count(
            ((consensus.Stance(c["stance"]), w, c.get("reason")) for c, w in items),
            rules.threshold,
            consent=rules.consent,
        )
    if method is Method.PLURALITY:
        return plurality.count(rules.options, ((c["choice"], w) for c, w in items), seed=rules.seed)
    if method is Method.APPROVAL:
        return approval.count(rules.options, ((c["approve"], w) for c, w in items), seed=rules.seed)
    if method is Method.SCORE:
        return score.count(rules.options, ((c["scores"], w) for c, w in items), seed=rules.seed)
    if method is Method.TIME:
        return timeslots.count(
            rules.options,
            (([timeslots.Availability(s) for s in c["slots"]], w) for c, w in items),
            seed=rules.seed,
        )
    profile = ranked_profile(rules.options, ((c["ranking"], w) for c, w in items))
    if method is Method.IRV:
        return irv.count(profile, seed=rules.seed)
    if method is Method.STV:
        return stv.count(profile, rules.seats, rules=rules.stv_rules, seed=rules.seed)
    return schulze.count(profile, seed=rules.seed)


def ranked_profile(
    options: Sequence[str], rankings: Iterable[tuple[Sequence[int], Fraction]]
) -> RankedProfile:
    """Aggregates stored rankings into a profile."""
    return RankedProfile.from_ballots(options, ((tuple(r), w) for r, w in rankings))
