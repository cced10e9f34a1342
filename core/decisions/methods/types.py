"""Ballots and outcomes shared by every counting method.

Every method is a pure function: ballots (and options) in, an :class:`Outcome` out. The
outcome carries the result *and* what explains it — rounds, transfers, the pairwise table,
blocks — so that the chat message, the chart, the JSON export and ``iopsbot tally`` all
render the same facts.

Weights are exact rationals (:class:`fractions.Fraction`; plain ints are accepted). A voter
with weight 2 counts exactly as two identical ballots of weight 1; a voter with weight 1/2
as half of one. Implementations may scale weights to integers internally (multiply by the
common denominator) to count with integer arrays, but report tallies in the original units.

Candidates are referred to by index (``0 .. len(candidates) - 1``) in ballots and by name
in outcomes. Names are unique within a profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.decisions.methods.arrays import Packed

Weight = Fraction


class InvalidBallot(ValueError):
    """A ballot that breaks the method's rules (duplicate or unknown option, bad score…).

    Attributes:
        reason: A stable machine-readable code (``duplicate``, ``unknown``, ``range``,
            ``too_many``, ``too_few``, ``empty``, ``reason_required``, ``weight``), which the
            chat layer turns into a localized sentence.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def as_weight(value: int | Fraction) -> Fraction:
    """A ballot weight as an exact, non-negative rational.

    Raises:
        InvalidBallot: The weight is negative or not a rational number.
    """
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise InvalidBallot("weight", repr(value))
    weight = Fraction(value)
    if weight < 0:
        raise InvalidBallot("weight", str(value))
    return weight


@dataclass(frozen=True)
class RankedProfile:
    """Ranked ballots with identical rankings aggregated.

    Attributes:
        candidates: Candidate names, indexed by the numbers rankings use.
        rankings: Distinct rankings, most preferred first; truncated rankings are allowed
            (unranked candidates are below every ranked one). An overvote (two candidates
            at one rank) has already been cut off: the ranking stops before that rank.
        weights: The total weight of the ballots carrying each ranking (same order).
    """

    candidates: tuple[str, ...]
    rankings: tuple[tuple[int, ...], ...]
    weights: tuple[Fraction, ...]

    @classmethod
    def from_ballots(
        cls,
        candidates: Sequence[str],
        ballots: Iterable[tuple[Sequence[int], int | Fraction]],
    ) -> RankedProfile:
        """Validates and aggregates ``(ranking, weight)`` pairs.

        Empty rankings are kept (they count as exhausted from the first round on, and
        towards turnout).

        Raises:
            InvalidBallot: A ranking names an unknown candidate or one candidate twice, or a
                weight is negative.
            ValueError: Candidate names are not unique.
        """
        names = tuple(candidates)
        if len(set(names)) != len(names):
            raise ValueError("candidate names must be unique")
        totals: dict[tuple[int, ...], Fraction] = {}
        for ranking, weight in ballots:
            key = tuple(ranking)
            if len(set(key)) != len(key):
                raise InvalidBallot("duplicate", repr(key))
            for index in key:
                if not 0 <= index < len(names):
                    raise InvalidBallot("unknown", str(index))
            totals[key] = totals.get(key, Fraction(0)) + as_weight(weight)
        return cls(names, tuple(totals), tuple(totals.values()))

    @property
    def total_weight(self) -> Fraction:
        """The weight of every ballot, exhausted or not."""
        return sum(self.weights, Fraction(0))

    @cached_property
    def packed(self) -> Packed:
        """The rankings as integer arrays for the vectorised counters (IRV, STV, Schulze).

        Computed on first use and kept: the profile is immutable, and turning a big profile's
        tuples into arrays costs more than counting them, so every method counting the same
        profile shares one conversion. Not a dataclass field: equality ignores it.
        """
        from core.decisions.methods.arrays import pack

        return pack(self)


class TieRule(StrEnum):
    """How a tie was broken, in the order the rules are tried."""

    EARLIER_ROUNDS = "earlier_rounds"  # who had more at the last round where they differed
    MORE_TOP_SCORES = "more_top_scores"  # score voting: more ballots giving the top score
    MORE_YES = "more_yes"  # time polls: more plain "yes" among slots most can attend
    LOT = "lot"  # a seeded lot (see ties.lot); the seed is recorded


@dataclass(frozen=True)
class TieBreak:
    """One tie and how it was resolved.

    Attributes:
        among: The tied candidates.
        chosen: Who the rule picked (to elect, or to eliminate — see ``purpose``).
        rule: Which rule decided.
        purpose: ``elect`` or ``eliminate`` (or ``order`` for a full ranking).
        seed: The lot's seed when ``rule`` is LOT, so anyone can redraw it.
        round: The round it happened in (0 when the method has no rounds).
    """

    among: tuple[str, ...]
    chosen: str
    rule: TieRule
    purpose: str
    seed: str | None = None
    round: int = 0


@dataclass(frozen=True)
class Transfer:
    """Votes moved in a round of IRV or STV.

    Attributes:
        source: The candidate whose ballots moved.
        kind: ``surplus`` (an elected candidate's excess) or ``elimination``.
        value: The transfer value applied (1 for an elimination in IRV).
        moved: Votes received by each continuing candidate from this transfer.
        exhausted: Votes that found no continuing candidate.
    """

    source: str
    kind: str
    value: Fraction
    moved: Mapping[str, Fraction]
    exhausted: Fraction


@dataclass(frozen=True)
class Round:
    """One round of a multi-round count (IRV, STV).

    Attributes:
        number: 1-based.
        tallies: Each continuing (or just-decided) candidate's votes at this stage.
        exhausted: Cumulative weight of ballots with no continuing preference.
        elected: Who was elected in this round, in order.
        eliminated: Who was excluded in this round.
        quota: The quota in force (STV), else None.
        transfer: The transfer made in this round, if any.
        tie_break: How a tie in this round was resolved, if one had to be.
    """

    number: int
    tallies: Mapping[str, Fraction]
    exhausted: Fraction
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    quota: Fraction | None = None
    transfer: Transfer | None = None
    tie_break: TieBreak | None = None


@dataclass(frozen=True)
class Outcome:
    """What a count decided and why.

    Attributes:
        method: The method's name (``irv``, ``stv``, ``schulze``, ``plurality``…).
        seats: How many were to be elected (1 for single-winner methods; 0 for yes/no).
        elected: Winners in order of election (empty when nothing passed).
        ranking: A full order of the options where the method gives one (best first).
        totals: The final tally per option where the method has one number per option.
        ballots: The total weight of the ballots counted.
        rounds: Rounds of a multi-round count.
        tie_breaks: Every tie broken, in order.
        seed: The seed used for any lot.
    """

    method: str
    seats: int
    elected: tuple[str, ...]
    ranking: tuple[str, ...] = ()
    totals: Mapping[str, Fraction] = field(default_factory=dict)
    ballots: Fraction = Fraction(0)
    rounds: tuple[Round, ...] = ()
    tie_breaks: tuple[TieBreak, ...] = ()
    seed: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (see :mod:`core.decisions.methods.serialise`)."""
        from core.decisions.methods.serialise import outcome_to_json

        return outcome_to_json(self)


@dataclass(frozen=True)
class SchulzeOutcome(Outcome):
    """Schulze's result with its evidence.

    Attributes:
        pairwise: ``pairwise[a][b]``: weight of ballots preferring ``a`` to ``b``.
        strongest: ``strongest[a][b]``: strength of the strongest path from ``a`` to ``b``.
        condorcet_winner: The option beating every other head to head, if there is one.
    """

    pairwise: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)
    strongest: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)
    condorcet_winner: str | None = None


class Threshold(StrEnum):
    """Share of yes (or agree) among yes + no (agree + disagree) needed to pass."""

    SIMPLE = "simple"  # more than half
    TWO_THIRDS = "two_thirds"  # at least two thirds
    THREE_QUARTERS = "three_quarters"  # at least three quarters
    UNANIMITY = "unanimity"  # nobody against


@dataclass(frozen=True)
class MajorityOutcome(Outcome):
    """A yes/no question's result.

    Attributes:
        yes, no, abstain: Weighted counts.
        threshold: The rule applied.
        passed: Whether yes reached the threshold (quorum is judged around the method).
    """

    yes: Fraction = Fraction(0)
    no: Fraction = Fraction(0)
    abstain: Fraction = Fraction(0)
    threshold: Threshold = Threshold.SIMPLE
    passed: bool = False


@dataclass(frozen=True)
class Block:
    """A block in a consensus decision, with the reason the member gave."""

    reason: str
    weight: Fraction = Fraction(1)


@dataclass(frozen=True)
class ConsensusOutcome(Outcome):
    """A consensus (or consent) decision's result.

    Attributes:
        agree, stand_aside, disagree: Weighted counts.
        blocks: Each block with its reason (voters are not named here; open decisions
            may name them around the method).
        threshold: The agree share needed (consensus variant).
        consent: True for the consent variant (passes when nobody objects).
        passed: The result.
    """

    agree: Fraction = Fraction(0)
    stand_aside: Fraction = Fraction(0)
    disagree: Fraction = Fraction(0)
    blocks: tuple[Block, ...] = ()
    threshold: Threshold = Threshold.SIMPLE
    consent: bool = False
    passed: bool = False


@dataclass(frozen=True)
class SlotTally:
    """One proposed time slot's answers."""

    yes: Fraction = Fraction(0)
    if_need_be: Fraction = Fraction(0)
    no: Fraction = Fraction(0)

    @property
    def can_attend(self) -> Fraction:
        """Everyone who can make it, gladly or if need be."""
        return self.yes + self.if_need_be


@dataclass(frozen=True)
class TimeOutcome(Outcome):
    """A time poll's result: ``elected`` holds the chosen slot.

    Attributes:
        slots: Each slot's answers, in the order the slots were proposed.
    """

    slots: Mapping[str, SlotTally] = field(default_factory=dict)
