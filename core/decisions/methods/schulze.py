"""The Schulze method (beatpath): a Condorcet method from ranked ballots.

``pairwise[a][b]`` is the weight of the ballots ranking ``a`` above ``b``; a ranked candidate
is above every unranked one, and two unranked candidates count for neither. ``a`` beats ``b``
directly when ``pairwise[a][b] > pairwise[b][a]``, with strength ``pairwise[a][b]`` (winning
votes). The strength of a path of direct wins is its weakest link, and ``strongest[a][b]`` is
the strength of the strongest path from ``a`` to ``b`` (0 when there is none), found with the
Floyd–Warshall widest-path algorithm.

``a`` is ranked above ``b`` when ``strongest[a][b] > strongest[b][a]``. Schulze proved this
relation transitive; it may leave pairs unordered. The winners are the candidates no one is
above. The ranking takes, again and again, a candidate no remaining candidate is above;
when there are several, a seeded lot (:mod:`.ties`) picks one and the tie is recorded — the
first record (purpose ``elect``) holds the whole winner set in ``among``, and the lot's choice
is the one elected.

The pairwise table of a million ballots is counted without comparing candidates pair by pair:
``a`` is above ``b`` on a ballot exactly when ``a`` is ranked and ``b`` is neither ``a`` nor
ranked before it. So it is enough to know, for each ranked position, the candidate there and
the *set* of candidates ranked before it: the ballots' weights are summed per (set, candidate)
— a few ``bincount`` passes — and the table follows from those sums.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from core.decisions.methods import ties
from core.decisions.methods.arrays import Exact, Packed, counting_weights, tally
from core.decisions.methods.types import RankedProfile, SchulzeOutcome, TieBreak, TieRule

#: Up to this many candidates, count via sets of preceding candidates (2**n * n sums).
SUBSET_LIMIT = 14


def count(profile: RankedProfile, *, seed: str = "") -> SchulzeOutcome:
    """Counts ranked ballots by the Schulze method.

    Args:
        profile: The ballots.
        seed: The seed of any lot needed to order tied candidates (recorded in the outcome).

    Returns:
        The outcome (method ``schulze``, one seat) with ``pairwise`` and ``strongest`` tables,
        the Condorcet winner if there is one, a full ranking and every tie broken.
    """
    names = profile.candidates
    ncand = len(names)
    packed = profile.packed
    ballots = packed.fraction(packed.total)
    if ncand == 0:
        return SchulzeOutcome("schulze", 1, (), ballots=ballots, seed=seed)
    d = pairwise_counts(packed)
    p = strongest_paths(d)

    def fraction_table(table: list[list[int]]) -> dict[str, dict[str, Fraction]]:
        return {
            names[a]: {names[b]: packed.fraction(table[a][b]) for b in range(ncand) if b != a}
            for a in range(ncand)
        }

    condorcet = [a for a in range(ncand) if all(d[a][b] > d[b][a] for b in range(ncand) if b != a)]
    ranking: list[str] = []
    tie_breaks: list[TieBreak] = []
    remaining = list(range(ncand))
    while remaining:
        # The candidates nobody remaining is above; the first time round, the winners.
        unbeaten = [a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining if b != a)]
        chosen = unbeaten[0]
        if len(unbeaten) > 1:
            group = [names[a] for a in unbeaten]
            first = ties.lot(seed, group)[0]
            purpose = "order" if ranking else "elect"
            tie_breaks.append(TieBreak(tuple(group), first, TieRule.LOT, purpose, seed))
            chosen = names.index(first)
        ranking.append(names[chosen])
        remaining.remove(chosen)
    return SchulzeOutcome(
        method="schulze",
        seats=1,
        elected=(ranking[0],),
        ranking=tuple(ranking),
        ballots=ballots,
        tie_breaks=tuple(tie_breaks),
        seed=seed,
        pairwise=fraction_table(d),
        strongest=fraction_table(p),
        condorcet_winner=names[condorcet[0]] if condorcet else None,
    )


def pairwise_counts(packed: Packed) -> list[list[int]]:
    """``d[a][b]``: the (scaled) weight of ballots ranking ``a`` above ``b``."""
    ncand = packed.ncand
    if packed.rows == 0:
        return [[0] * ncand for _ in range(ncand)]
    if ncand <= SUBSET_LIMIT:
        return _by_preceding_sets(packed)
    return _by_position_pairs(packed)


def _by_preceding_sets(packed: Packed) -> list[list[int]]:
    """Pairwise counts from weights summed per (set ranked before, candidate ranked)."""
    ncand, bound = packed.ncand, packed.total
    weights = counting_weights(packed, 1)
    subsets = 1 << ncand
    # The padding value ncand counts as one more "candidate" whose sums are dropped at the
    # end: cheaper than selecting, at each position, the ballots still ranking someone.
    side = ncand + 1
    everyone = subsets - 1  # the padding's bit falls outside: it never joins a set
    positions = packed.width - 1
    if positions == ncand and bool((packed.lengths == ncand).all()):
        # On complete rankings the last candidate is above no one: skip that position.
        positions -= 1
    # 32-bit sets and keys (at most 2**14 * 15) halve the memory traffic of 64-bit ones.
    columns = np.ascontiguousarray(packed.ranks[:, :positions].T).astype(np.int32)
    before = np.zeros(packed.rows, dtype=np.int32)  # bit c set: c is ranked higher
    sums: Exact = np.zeros(subsets * side, dtype=np.int64)
    for cand in columns:
        sums = sums + tally(before * side + cand, weights, subsets * side, bound)
        before |= np.left_shift(1, cand) & everyone
    # d[a][b]: the sums for a over every preceding set without b (a is never in its own set).
    table = sums.reshape(subsets, side)[:, :ncand]
    sets = np.arange(subsets)
    d = [[0] * ncand for _ in range(ncand)]
    for b in range(ncand):
        without_b = table[((sets >> b) & 1) == 0].sum(axis=0).tolist()
        for a in range(ncand):
            if a != b:
                d[a][b] = int(without_b[a])
    return d


def _by_position_pairs(packed: Packed) -> list[list[int]]:
    """Pairwise counts for many candidates: one sum per pair of ranked positions.

    Counts ``both[a][b]`` (both ranked, ``a`` first) and ``ranked[a]``; then a ranked ``a``
    is above ``b`` on every ballot ranking ``a`` except those ranking ``b`` first:
    ``d[a][b] = ranked[a] - both[b][a]``.
    """
    ncand, bound = packed.ncand, packed.total
    weights = counting_weights(packed, 1)
    side = ncand + 1  # the padding value ncand marks "no candidate here"
    both: Exact = np.zeros(side * side, dtype=np.int64)
    ranked: Exact = np.zeros(side, dtype=np.int64)
    columns = [packed.ranks[:, i].astype(np.intp) for i in range(packed.width - 1)]
    for i, first in enumerate(columns):
        ranked = ranked + tally(first, weights, side, bound)
        for second in columns[i + 1 :]:
            both = both + tally(first * side + second, weights, side * side, bound)
    r, t = ranked.tolist(), both.tolist()
    return [[r[a] - t[b * side + a] if a != b else 0 for b in range(ncand)] for a in range(ncand)]


def strongest_paths(d: list[list[int]]) -> list[list[int]]:
    """Widest paths over direct wins (Floyd–Warshall): ``p[a][b]``, 0 when there is none."""
    n = len(d)
    p = [[d[a][b] if a != b and d[a][b] > d[b][a] else 0 for b in range(n)] for a in range(n)]
    for k in range(n):
        pk = p[k]
        for a in range(n):
            through = p[a][k]
            if a == k or through == 0:
                continue
            pa = p[a]
            for b in range(n):
                if b != a and b != k:
                    width = pk[b] if pk[b] < through else through
                    if width > pa[b]:
                        pa[b] = width
    return p
