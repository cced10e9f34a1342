"""Instant-runoff voting (IRV, the alternative vote): one winner from ranked ballots.

Each round, every ballot counts for its highest-ranked continuing candidate. A candidate
with more than half of the continuing votes (ballots that still have a continuing
preference) wins; otherwise the candidate with the fewest votes is eliminated and their
ballots move to their next continuing preference. Truncated ballots are allowed: a ballot
with no continuing preference left is *exhausted* and no longer counts towards the majority.

How rounds read (every :class:`~.types.Round` describes one state and what was done in it):

* ``tallies``: each continuing candidate's votes at the start of the round;
* ``exhausted``: the weight of all ballots exhausted so far (cumulative, including empty
  ballots from round 1 on);
* ``eliminated`` and ``transfer``: who was eliminated on these tallies and where their
  ballots went (``transfer.moved`` per candidate still continuing, ``transfer.exhausted``
  what found no one) — the next round's tallies are this round's plus the transfer;
* ``elected``: the winner, in the last round only.

Ties for last place are broken by the totals of earlier rounds (the most recent round in
which the tied candidates differed), then by a seeded lot (:mod:`.ties`).

Counting is vectorised (:mod:`.arrays`): each distinct ranking keeps a pointer to its current
preference, and only the rankings whose current candidate was just eliminated move.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from core.decisions.methods import ties
from core.decisions.methods.arrays import advance, counting_weights, first_choices, tally
from core.decisions.methods.types import Outcome, RankedProfile, Round, TieBreak, Transfer


def count(profile: RankedProfile, *, seed: str = "") -> Outcome:
    """Counts ranked ballots by instant runoff.

    Args:
        profile: The ballots.
        seed: The seed of any lot needed to break a tie (recorded in the outcome).

    Returns:
        The outcome (method ``irv``, one seat): the winner, a full ranking (the winner, then
        the others still continuing at the end by their final votes, then the eliminated in
        reverse order of elimination), the final round's ``totals``, every round and tie break.
    """
    names = profile.candidates
    ncand = len(names)
    packed = profile.packed
    ballots = packed.fraction(packed.total)
    if ncand == 0:
        return Outcome("irv", 1, (), ballots=ballots, seed=seed)
    weights = counting_weights(packed, 1)
    bound = packed.total
    # stop[c]: may a ballot rest on c? The last cell is the padding: "exhausted".
    stop = np.ones(ncand + 1, dtype=np.bool_)
    cursor, top = first_choices(packed, stop)
    votes = tally(top, weights, ncand + 1, bound).tolist()
    continuing = list(range(ncand))
    eliminated: list[int] = []
    rounds: list[Round] = []
    tie_breaks: list[TieBreak] = []
    history: list[dict[str, Fraction]] = []

    while True:
        number = len(rounds) + 1
        tallies = {names[c]: packed.fraction(votes[c]) for c in continuing}
        exhausted = packed.fraction(votes[ncand])
        live = sum(votes[c] for c in continuing)
        leader = max(continuing, key=lambda c: votes[c])
        if 2 * votes[leader] > live or len(continuing) == 1:
            rounds.append(Round(number, tallies, exhausted, elected=(names[leader],)))
            break
        fewest = min(votes[c] for c in continuing)
        lowest = [c for c in continuing if votes[c] == fewest]
        tie_break = None
        loser = lowest[0]
        if len(lowest) > 1:
            chosen, tie_break = ties.break_tie(
                [names[c] for c in lowest],
                history,
                lowest=True,
                purpose="eliminate",
                seed=seed,
                round=number,
            )
            tie_breaks.append(tie_break)
            loser = names.index(chosen)
        continuing.remove(loser)
        eliminated.append(loser)
        stop[loser] = False
        rows = np.flatnonzero(top == loser)
        landed = advance(packed, cursor, top, rows, stop)
        moved = tally(landed, weights[rows], ncand + 1, bound).tolist()
        for c in continuing:
            votes[c] += moved[c]
        votes[ncand] += moved[ncand]
        votes[loser] = 0
        transfer = Transfer(
            source=names[loser],
            kind="elimination",
            value=Fraction(1),
            moved={names[c]: packed.fraction(moved[c]) for c in continuing},
            exhausted=packed.fraction(moved[ncand]),
        )
        rounds.append(
            Round(
                number,
                tallies,
                exhausted,
                eliminated=(names[loser],),
                transfer=transfer,
                tie_break=tie_break,
            )
        )
        history.append(tallies)

    final = rounds[-1]
    winner = final.elected[0]
    others = {name: votes for name, votes in final.tallies.items() if name != winner}
    runners_up, order_ties = ties.order(others, history, seed=seed, round=final.number)
    tie_breaks.extend(order_ties)
    ranking = (winner, *runners_up, *(names[c] for c in reversed(eliminated)))
    return Outcome(
        method="irv",
        seats=1,
        elected=(winner,),
        ranking=ranking,
        totals=dict(final.tallies),
        ballots=ballots,
        rounds=tuple(rounds),
        tie_breaks=tuple(tie_breaks),
        seed=seed,
    )
