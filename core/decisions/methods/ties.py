r"""Breaking ties reproducibly: earlier rounds first, then a seeded lot.

The lot is not random at count time: it is an ordering anyone can recompute from the seed
and the names alone. Each name's key is the hex sha256 digest of the UTF-8 text
``f"{seed}\x00{name}"`` (seed, a NUL character, name); the names are sorted by key and the
first one is *chosen* — whatever the purpose (to elect, to exclude, to order). Publishing the
seed before the vote closes (e.g. the decision's id) makes the draw verifiable: nobody can
pick a seed after seeing the tie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from fractions import Fraction

from core.decisions.methods.types import TieBreak, TieRule


def lot_key(seed: str, name: str) -> str:
    """The key that orders ``name`` in a lot drawn with ``seed`` (a sha256 hex digest)."""
    return hashlib.sha256(f"{seed}\x00{name}".encode()).hexdigest()


def lot(seed: str, among: Sequence[str]) -> list[str]:
    """Orders candidates by a seeded, reproducible lot; the first one is the one chosen.

    Args:
        seed: The published seed of the draw.
        among: The tied names (unique).

    Returns:
        ``among`` sorted by :func:`lot_key` (then by name, should two digests ever collide).
    """
    return sorted(among, key=lambda name: (lot_key(seed, name), name))


def break_tie(
    tied: Sequence[str],
    history: Sequence[Mapping[str, Fraction]],
    *,
    lowest: bool,
    purpose: str,
    seed: str,
    round: int = 0,
) -> tuple[str, TieBreak]:
    """Picks one of ``tied`` by earlier rounds' totals, else by lot.

    The Scottish rule (SSI 2007/42, rules 49 and 51): look back to the most recent earlier
    stage at which the tied candidates had unequal votes, and pick the one who had the fewest
    (``lowest=True``, to exclude) or the most (``lowest=False``, e.g. whose surplus goes
    first). When three or more are tied and that stage splits them only partly, the field
    narrows to those still level there and the look-back goes on from that stage; whoever is
    still level at the first stage is separated by :func:`lot`.

    Args:
        tied: Two or more names with equal votes now.
        history: Earlier rounds' tallies, oldest first, *not* including the current one. A
            name missing from a round counts as 0 there.
        lowest: Pick the candidate with fewer votes (else more).
        purpose: What the chosen one is picked for: ``eliminate``, ``elect``, ``surplus``
            or ``order`` (recorded).
        seed: The lot's seed.
        round: The round the tie happened in (recorded).

    Returns:
        The chosen name, and the record of how it was chosen.

    Raises:
        ValueError: Fewer than two names are tied.
    """
    if len(tied) < 2:
        raise ValueError("a tie needs two or more candidates")
    field = list(tied)
    for tallies in reversed(history):
        if len(field) == 1:
            break
        votes = {name: tallies.get(name, Fraction(0)) for name in field}
        extreme = min(votes.values()) if lowest else max(votes.values())
        field = [name for name in field if votes[name] == extreme]
    if len(field) == 1:
        return field[0], TieBreak(
            tuple(tied), field[0], TieRule.EARLIER_ROUNDS, purpose, None, round
        )
    chosen = lot(seed, field)[0]
    return chosen, TieBreak(tuple(tied), chosen, TieRule.LOT, purpose, seed, round)


def order(
    tallies: Mapping[str, Fraction],
    history: Sequence[Mapping[str, Fraction]],
    *,
    seed: str,
    round: int = 0,
    purpose: str = "order",
) -> tuple[list[str], list[TieBreak]]:
    """Orders names by votes, most first, breaking each tie by earlier rounds then lot.

    Args:
        tallies: The votes to order by.
        history: Earlier rounds' tallies, oldest first (see :func:`break_tie`).
        seed: The lot's seed.
        round: The round the order is taken in (recorded in tie breaks).
        purpose: Recorded in each tie break.

    Returns:
        The names, best first, and one record per tie that had to be broken.
    """
    result: list[str] = []
    records: list[TieBreak] = []
    levels: dict[Fraction, list[str]] = {}
    for name, votes in tallies.items():
        levels.setdefault(votes, []).append(name)
    for votes in sorted(levels, reverse=True):
        group = levels[votes]
        while len(group) > 1:
            chosen, record = break_tie(
                group, history, lowest=False, purpose=purpose, seed=seed, round=round
            )
            result.append(chosen)
            records.append(record)
            group = [name for name in group if name != chosen]
        result.extend(group)
    return result, records
