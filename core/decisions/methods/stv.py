"""Single transferable vote (STV): several seats from ranked ballots, proportionally.

Two rule sets (:class:`StvRules`):

``SCOTTISH`` — the Scottish Local Government Elections Order 2007 (SSI 2007/42, rules 45–52),
as used for Scottish council elections, reproducing published counts to the last digit:

* the quota is the Droop quota ``floor(valid votes / (seats + 1)) + 1``, computed once; valid
  votes are ballots with at least one preference (an empty ballot is exhausted from round 1
  but, being no valid paper, does not raise the quota);
* a candidate whose votes reach the quota is elected; when votes exceed it, the surplus is
  transferred by the weighted inclusive Gregory method: *all* the candidate's papers move on
  to their next continuing preference, each at ``surplus × (value of the paper) / (the
  candidate's votes)``, truncated to five decimal places; one surplus per stage, the largest
  first;
* when no surplus remains, the candidate with the fewest votes is excluded and their papers
  move on at their current values;
* ties (equal surpluses, equal lowest votes) go to the most recent earlier stage at which the
  tied candidates differed, then to a seeded lot (:mod:`.ties`);
* when the continuing candidates are no more than the seats left, they are all elected and
  no further transfer is made; when all seats are filled, the count stops.

All arithmetic is exact fixed point: every amount is an integer number of 10**-5 votes, so
that each figure equals the published one (the reference counts, from the ``droop`` package,
are in ``tests/decisions/test_elections.py``). Votes lost to truncation are in no tally and
not reported as exhausted: ``sum(tallies) + exhausted`` may fall short of the ballots by them.

``MEEK`` — Meek's method (Hill, Wichmann & Woodall, *Algorithm 123*, 1987): every elected
candidate keeps only a fraction (its *keep factor*) of each vote reaching it and passes the
rest down the ballot; keep factors are iterated (``keep × quota / votes``) until the elected
candidates hold just a quota, the quota being recomputed each iteration from the votes not
exhausted: ``continuing votes / (seats + 1)``, rounded down to 9 decimals, plus 10**-9 (so that
with one seat it means "more than half"). Precision: fixed point with nine decimal places
(10**-9 of a vote) in 64-bit integers (Python integers when a count could overflow them) —
a vote reaching a candidate is split into the part kept (rounded down) and the part passed
on (the rest), so nothing is lost to rounding; keep factors are rounded up. A stage ends
when a hopeful candidate reaches the quota (elected) or when the iteration has converged —
the elected candidates' votes are within ``max(10**-6 votes, 10**-9 × all votes)`` of the
quota in total, or the keep factors stop changing, or after 1,000 iterations — and the
candidate with the fewest votes is excluded.
With one seat no keep factor is ever below 1, every figure is exact and Meek elects the IRV
winner.

Weighted ballots: weights are exact rationals, multiplied by the least common multiple ``s``
of their denominators to count whole papers. The Scottish quota is then
``(floor(s × valid weight / (seats + 1)) + 1) / s`` — the statutory quota when every weight is
an integer (``s = 1``), otherwise the smallest multiple of ``1/s`` above a ``1/(seats + 1)``
share. All figures are reported in the original weight units.

How rounds read (as in :mod:`.irv`): a round's ``tallies`` are the votes of the candidates
still in the count (continuing and elected) at the start of the round, ``exhausted`` the
cumulative non-transferable votes, ``quota`` the quota in force, ``elected`` who reached the
quota on these tallies (or filled the last seats), and ``eliminated``/``transfer`` what was
then done: a surplus transferred or a candidate excluded, whose result is the next round's
tallies. For Meek, votes are not moved in parcels (every ballot is redistributed by the keep
factors), so a round's ``transfer`` is the net change it caused: each remaining candidate's
tally in the next round minus this one (elected candidates' tallies may go down as the quota
falls), with ``value`` 1 for an exclusion and the keep factor's complement for the surplus of
a single newly elected candidate; it is omitted when several were elected at once.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction

import numpy as np

from core.decisions.methods import ties
from core.decisions.methods.arrays import (
    BoolArray,
    Exact,
    IndexArray,
    IntArray,
    Packed,
    advance,
    first_choices,
    tally,
)
from core.decisions.methods.types import (
    Outcome,
    RankedProfile,
    Round,
    TieBreak,
    Transfer,
)

#: Scottish rules: 5 decimal places (rule 48(3)).
SCOTTISH_UNIT = 10**5
#: Meek: 9 decimal places.
MEEK_UNIT = 10**9
#: Meek: iterations per stage before the count moves on regardless.
MEEK_MAX_ITERATIONS = 1000


class StvRules(StrEnum):
    """Which STV rules to count by."""

    SCOTTISH = "scottish"  # SSI 2007/42: weighted inclusive Gregory, 5 decimals
    MEEK = "meek"  # Meek's method: keep factors iterated to convergence, 9 decimals


def count(
    profile: RankedProfile,
    seats: int,
    *,
    rules: StvRules = StvRules.SCOTTISH,
    seed: str = "",
) -> Outcome:
    """Counts ranked ballots by the single transferable vote.

    Args:
        profile: The ballots.
        seats: How many to elect (at least 1).
        rules: The rule set (see the module documentation).
        seed: The seed of any lot needed to break a tie (recorded in the outcome).

    Returns:
        The outcome (method ``stv``): the elected in order of election, a full ranking (the
        elected, then the unelected still continuing at the end by their final votes, then
        the excluded in reverse order of exclusion), the final round's ``totals``, every round
        and tie break.

    Raises:
        ValueError: ``seats`` is less than 1.
    """
    if seats < 1:
        raise ValueError("STV needs at least one seat")
    if rules is StvRules.MEEK:
        return _Meek(profile, seats, seed).run()
    return _Scottish(profile, seats, seed).run()


class _Count:
    """State shared by both rule sets: who is hopeful, elected, excluded; the rounds."""

    def __init__(self, profile: RankedProfile, seats: int, seed: str, unit: int) -> None:
        self.names = profile.candidates
        self.ncand = len(self.names)
        self.seats = seats
        self.seed = seed
        self.unit = unit
        self.packed: Packed = profile.packed
        self.hopeful: list[int] = list(range(self.ncand))
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.rounds: list[Round] = []
        self.history: list[dict[str, Fraction]] = []
        self.tie_breaks: list[TieBreak] = []

    def votes_of(self, amount: int) -> Fraction:
        """A fixed-point amount in the profile's weight units."""
        return self.packed.fraction(amount, self.unit)

    def tallies(self, votes: list[int]) -> dict[str, Fraction]:
        """Votes of every candidate still in the count (hopeful or elected), by index."""
        out = set(self.excluded)
        return {self.names[c]: self.votes_of(votes[c]) for c in range(self.ncand) if c not in out}

    def by_votes(self, among: list[int], votes: list[int], number: int) -> list[int]:
        """``among`` ordered by votes, most first; ties by earlier rounds, then lot."""
        named = {self.names[c]: self.votes_of(votes[c]) for c in among}
        ordered, records = ties.order(named, self.history, seed=self.seed, round=number)
        self.tie_breaks.extend(records)
        return [self.names.index(name) for name in ordered]

    def pick(
        self, among: list[int], votes: list[int], *, lowest: bool, purpose: str, number: int
    ) -> tuple[int, TieBreak | None]:
        """The candidate with the fewest (or most) votes; ties by earlier rounds, then lot."""
        extreme = min(votes[c] for c in among) if lowest else max(votes[c] for c in among)
        level = sorted(c for c in among if votes[c] == extreme)
        if len(level) == 1:
            return level[0], None
        chosen, record = ties.break_tie(
            [self.names[c] for c in level],
            self.history,
            lowest=lowest,
            purpose=purpose,
            seed=self.seed,
            round=number,
        )
        self.tie_breaks.append(record)
        return self.names.index(chosen), record

    def elect(self, candidates: list[int]) -> None:
        """Moves candidates from hopeful to elected, in order."""
        for c in candidates:
            self.hopeful.remove(c)
            self.elected.append(c)

    def complete(self) -> bool:
        """Whether every seat is filled or the continuing candidates can just fill the rest."""
        left = self.seats - len(self.elected)
        return left <= 0 or len(self.hopeful) <= left

    def outcome(self, final: dict[str, Fraction], votes: list[int]) -> Outcome:
        """The outcome once the count has stopped.

        Args:
            final: The last round's tallies.
            votes: The last votes in fixed point (to order the unelected still in the count).
        """
        runners_up = self.by_votes(list(self.hopeful), votes, len(self.rounds))
        elected = tuple(self.names[c] for c in self.elected)
        ranking = (
            *elected,
            *(self.names[c] for c in runners_up),
            *(self.names[c] for c in reversed(self.excluded)),
        )
        return Outcome(
            method="stv",
            seats=self.seats,
            elected=elected,
            ranking=ranking,
            totals=dict(final),
            ballots=self.packed.fraction(self.packed.total),
            rounds=tuple(self.rounds),
            tie_breaks=tuple(self.tie_breaks),
            seed=self.seed,
        )


class _Scottish(_Count):
    """SSI 2007/42 in five-decimal fixed point."""

    def __init__(self, profile: RankedProfile, seats: int, seed: str) -> None:
        super().__init__(profile, seats, seed, SCOTTISH_UNIT)

    def run(self) -> Outcome:
        """Counts stage by stage until the seats are filled."""
        packed, ncand, unit = self.packed, self.ncand, self.unit
        if ncand == 0:
            return self.outcome({}, [])
        weights = packed.weights_for(unit)
        bound = packed.total * unit
        empty = packed.lengths == 0
        valid = packed.total - int(weights[empty].sum()) if empty.any() else packed.total
        quota = (valid // (self.seats + 1) + 1) * unit
        values: Exact = np.full(packed.rows, unit, dtype=np.int64)
        stop = np.ones(ncand + 1, dtype=np.bool_)
        cursor, top = first_choices(packed, stop)
        votes = tally(top, weights * values, ncand + 1, bound).tolist()
        pending: list[int] = []

        while True:
            number = len(self.rounds) + 1
            tallies = self.tallies(votes)
            exhausted = self.votes_of(votes[ncand])
            reached = self.by_votes([c for c in self.hopeful if votes[c] >= quota], votes, number)
            self.elect(reached)
            for c in reached:
                stop[c] = False
                if votes[c] > quota:
                    pending.append(c)
            if self.complete():
                left = self.seats - len(self.elected)
                filled = self.by_votes(self.hopeful, votes, number) if left > 0 else []
                self.elect(filled)
                self.rounds.append(
                    Round(
                        number,
                        tallies,
                        exhausted,
                        elected=tuple(self.names[c] for c in (*reached, *filled)),
                        quota=self.votes_of(quota),
                    )
                )
                return self.outcome(tallies, votes)

            eliminated: tuple[str, ...] = ()
            if pending:
                source, tie_break = self.pick(
                    pending, votes, lowest=False, purpose="surplus", number=number
                )
                pending.remove(source)
                surplus = votes[source] - quota
                rows = np.flatnonzero(top == source)
                # Rule 48(3): each paper's new value is computed from its own value; papers
                # share few distinct values, so the exact integer division runs on those.
                distinct, where = np.unique(values[rows], return_inverse=True)
                reduced = [int(v) * surplus // votes[source] for v in distinct.tolist()]
                values[rows] = np.array(reduced, dtype=np.int64)[where]
                kind, value, residue = "surplus", Fraction(surplus, votes[source]), quota
            else:
                source, tie_break = self.pick(
                    self.hopeful, votes, lowest=True, purpose="eliminate", number=number
                )
                self.hopeful.remove(source)
                self.excluded.append(source)
                stop[source] = False
                rows = np.flatnonzero(top == source)
                kind, value, residue = "elimination", Fraction(1), 0
                eliminated = (self.names[source],)
            moved = self._move(rows, cursor, top, stop, weights, values, bound)
            for c in self.hopeful:
                votes[c] += moved[c]
            votes[ncand] += moved[ncand]
            votes[source] = residue
            transfer = Transfer(
                source=self.names[source],
                kind=kind,
                value=value,
                moved={self.names[c]: self.votes_of(moved[c]) for c in self.hopeful},
                exhausted=self.votes_of(moved[ncand]),
            )
            self.rounds.append(
                Round(
                    number,
                    tallies,
                    exhausted,
                    elected=tuple(self.names[c] for c in reached),
                    eliminated=eliminated,
                    quota=self.votes_of(quota),
                    transfer=transfer,
                    tie_break=tie_break,
                )
            )
            self.history.append(tallies)

    def _move(
        self,
        rows: IndexArray,
        cursor: IndexArray,
        top: Exact,
        stop: BoolArray,
        weights: Exact,
        values: Exact,
        bound: int,
    ) -> list[int]:
        """Moves ``rows`` to their next continuing preference; returns the votes moved."""
        landed = advance(self.packed, cursor, top, rows, stop)
        moved: list[int] = tally(
            landed, weights[rows] * values[rows], self.ncand + 1, bound
        ).tolist()
        return moved


class _Meek(_Count):
    """Meek's method in nine-decimal fixed point."""

    def __init__(self, profile: RankedProfile, seats: int, seed: str) -> None:
        super().__init__(profile, seats, seed, MEEK_UNIT)

    def run(self) -> Outcome:
        """Counts stage by stage: iterate keep factors, then elect or exclude."""
        packed, ncand, unit = self.packed, self.ncand, self.unit
        if ncand == 0:
            return self.outcome({}, [])
        weights = packed.weights_for(unit)
        bound = packed.total * unit
        all_votes = packed.total * unit
        tolerance = max(packed.scale * unit // 10**6, packed.total)
        # keep[c]: the share of a vote reaching c that c keeps; the padding keeps everything
        # (that is, whatever reaches the end of a ballot is exhausted).
        keep = np.full(ncand + 1, unit, dtype=np.int64)
        # A ballot's first candidate not excluded: votes below it never depend on keep factors
        # unless that candidate is elected.
        not_excluded = np.ones(ncand + 1, dtype=np.bool_)
        cursor, top = first_choices(packed, not_excluded)
        drafts: list[tuple[Round, str | None, Fraction | None]] = []
        previous: list[int] | None = None

        while True:
            number = len(drafts) + 1
            elected_now = np.zeros(ncand + 1, dtype=np.bool_)
            elected_now[self.elected] = True
            through = elected_now[top]
            settled = tally(top[~through], weights[~through] * unit, ncand + 1, bound).tolist()
            active = np.flatnonzero(through)
            iterations = 0
            while True:
                votes = self._distribute(active, cursor, keep, weights, bound, settled)
                quota = (all_votes - votes[ncand]) // (self.seats + 1) + 1
                reached = [c for c in self.hopeful if votes[c] >= quota]
                if reached or not self.elected:
                    break
                surplus = sum(abs(votes[c] - quota) for c in self.elected)
                if surplus <= tolerance or iterations >= MEEK_MAX_ITERATIONS:
                    break
                changed = False
                for c in self.elected:
                    if votes[c] > 0:
                        # Rounded up, so that rounding never leaves an elected candidate short.
                        updated = min(unit, -(-int(keep[c]) * quota // votes[c]))
                        changed |= updated != int(keep[c])
                        keep[c] = updated
                if not changed:
                    break
                iterations += 1

            tallies = self.tallies(votes)
            exhausted = self.votes_of(votes[ncand])
            if previous is not None and drafts:
                drafts[-1] = self._with_change(drafts[-1], previous, votes, keep)
            previous = votes
            reached = self.by_votes(reached, votes, number)
            self.elect(reached)
            if self.complete():
                left = self.seats - len(self.elected)
                filled = self.by_votes(self.hopeful, votes, number) if left > 0 else []
                self.elect(filled)
                drafts.append(
                    (
                        Round(
                            number,
                            tallies,
                            exhausted,
                            elected=tuple(self.names[c] for c in (*reached, *filled)),
                            quota=self.votes_of(quota),
                        ),
                        None,
                        None,
                    )
                )
                break
            if reached:
                source = self.names[reached[0]] if len(reached) == 1 else None
                drafts.append(
                    (
                        Round(
                            number,
                            tallies,
                            exhausted,
                            elected=tuple(self.names[c] for c in reached),
                            quota=self.votes_of(quota),
                        ),
                        source,
                        None,
                    )
                )
            else:
                loser, tie_break = self.pick(
                    self.hopeful, votes, lowest=True, purpose="eliminate", number=number
                )
                self.hopeful.remove(loser)
                self.excluded.append(loser)
                keep[loser] = 0
                not_excluded[loser] = False
                rows = np.flatnonzero(top == loser)
                advance(packed, cursor, top, rows, not_excluded)
                drafts.append(
                    (
                        Round(
                            number,
                            tallies,
                            exhausted,
                            eliminated=(self.names[loser],),
                            quota=self.votes_of(quota),
                            tie_break=tie_break,
                        ),
                        self.names[loser],
                        Fraction(1),
                    )
                )
            self.history.append(tallies)
        self.rounds = [draft for draft, _, _ in drafts]
        return self.outcome(dict(self.rounds[-1].tallies), votes)

    def _distribute(
        self,
        active: IndexArray,
        cursor: IndexArray,
        keep: IntArray,
        weights: Exact,
        bound: int,
        settled: list[int],
    ) -> list[int]:
        """Votes per candidate (and exhausted, last) with the current keep factors.

        ``settled`` already holds the ballots whose first non-excluded candidate is hopeful
        (or who have none): they go wholly to that candidate. Only ``active`` ballots, whose
        first such candidate is elected, are walked down, one preference at a time.
        """
        unit, ncand = self.unit, self.ncand
        votes = list(settled)
        flat = self.packed.ranks.reshape(-1)
        cells = cursor[active]
        remaining = np.full(active.size, unit, dtype=np.int64)
        weight = weights[active]
        while cells.size:
            cand = flat[cells]
            kept = remaining * keep[cand] // unit
            share = tally(cand, weight * kept, ncand + 1, bound).tolist()
            votes = [a + b for a, b in zip(votes, share, strict=True)]
            remaining -= kept
            # Ballots with something left walk on to their next preference.
            going = (remaining > 0) & (cand != ncand)
            cells, remaining, weight = cells[going] + 1, remaining[going], weight[going]
        return votes

    def _with_change(
        self,
        draft: tuple[Round, str | None, Fraction | None],
        before: list[int],
        after: list[int],
        keep: IntArray,
    ) -> tuple[Round, str | None, Fraction | None]:
        """Fills a round's transfer with the net change its action caused."""
        round_, source, value = draft
        if source is None:
            return draft
        index = self.names.index(source)
        if value is None:
            # A surplus: the share of each vote the new member passes on, once converged.
            value = Fraction(self.unit - int(keep[index]), self.unit)
        transfer = Transfer(
            source=source,
            kind="surplus" if round_.elected else "elimination",
            value=value,
            moved={
                self.names[c]: self.votes_of(after[c] - before[c])
                for c in range(self.ncand)
                if c != index and c not in self.excluded
            },
            exhausted=self.votes_of(after[self.ncand] - before[self.ncand]),
        )
        return (
            Round(
                round_.number,
                round_.tallies,
                round_.exhausted,
                elected=round_.elected,
                eliminated=round_.eliminated,
                quota=round_.quota,
                transfer=transfer,
                tie_break=round_.tie_break,
            ),
            source,
            value,
        )
