"""Ranked ballots as integer arrays, and the exact sums the vectorised counters need.

A :class:`~.types.RankedProfile` keeps rankings as Python tuples: easy to build, check and
explain, but far too slow to walk a million times. :func:`pack` turns them once into a
padded matrix plus integer weights; IRV, STV and Schulze then count with numpy.

Exactness is never traded for speed:

* weights are exact :class:`~fractions.Fraction` values; they are multiplied by the least
  common multiple of their denominators (``scale``) so that every weight is an integer;
* :func:`tally` sums integer weights by index with ``numpy.bincount`` only while the caller's
  bound proves every float64 partial sum is an exact integer (below 2**53), with int64
  ``numpy.add.at`` below 2**63, and with Python integers beyond that;
* weights that do not fit in int64 are kept as an object array of Python integers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from core.decisions.methods.types import RankedProfile

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
#: Integer weights or fixed-point values: int64 while they provably fit, else Python ints.
Exact = npt.NDArray[Any]

#: float64 represents every integer below this exactly.
FLOAT_EXACT = 2**53
#: int64 holds every integer below this.
INT64_EXACT = 2**63


@dataclass(frozen=True, eq=False)
class Packed:
    """A profile's rankings as a padded matrix with integer weights.

    Attributes:
        ncand: The number of candidates; also the padding value (“no further preference”).
        ranks: Shape ``(rows, width)``: row ``i`` holds ranking ``i`` followed by ``ncand`` up
            to the end; ``width`` is the longest ranking plus one, so that every row ends with
            at least one padding cell and a pointer walking a row always stops on one.
        lengths: The length of each ranking.
        weights: Each ranking's weight times ``scale`` (int64 if the total fits, else object).
        scale: The least common multiple of the weights' denominators.
        total: The sum of ``weights`` (a Python int).
    """

    ncand: int
    ranks: npt.NDArray[np.integer[Any]]
    lengths: IndexArray
    weights: Exact
    scale: int
    total: int

    @property
    def rows(self) -> int:
        """How many distinct rankings there are."""
        return int(self.ranks.shape[0])

    @property
    def width(self) -> int:
        """The padded row length (longest ranking plus one)."""
        return int(self.ranks.shape[1])

    def weights_for(self, multiplier: int) -> Exact:
        """The weights in a dtype that can be multiplied by values up to ``multiplier``.

        Args:
            multiplier: The largest value a weight will be multiplied by (e.g. 10**5 for
                five-decimal ballot values).

        Returns:
            ``weights`` as int64 if ``total * multiplier`` fits in int64, else as Python ints.
        """
        if self.weights.dtype != object and self.total * multiplier < INT64_EXACT:
            return self.weights
        return self.weights.astype(object)

    def fraction(self, scaled: int, unit: int = 1) -> Fraction:
        """A scaled integer amount back in the profile's weight units."""
        return Fraction(scaled, self.scale * unit)


def rank_dtype(ncand: int) -> type[np.integer[Any]]:
    """The smallest signed integer type that holds candidate indices and the padding value."""
    if ncand < 2**7:
        return np.int8
    if ncand < 2**15:
        return np.int16
    return np.int32


def pack(profile: RankedProfile) -> Packed:
    """Packs a profile's rankings and weights into arrays (see :class:`Packed`).

    Prefer ``profile.packed``, which computes this once per profile.
    """
    ncand = len(profile.candidates)
    rankings = profile.rankings
    rows = len(rankings)
    lengths = np.fromiter(map(len, rankings), dtype=np.intp, count=rows)
    width = (int(lengths.max()) if rows else 0) + 1
    dtype = rank_dtype(ncand)
    ranks = np.full((rows, width), ncand, dtype=dtype)
    cells = int(lengths.sum())
    if cells:
        if ncand <= 256:
            # bytes() consumes the flattened tuples in C: several times faster than fromiter.
            flat: npt.NDArray[Any] = np.frombuffer(
                bytes(chain.from_iterable(rankings)), dtype=np.uint8
            )
        else:
            flat = np.fromiter(chain.from_iterable(rankings), dtype=np.int64, count=cells)
        ranks[np.arange(width) < lengths[:, None]] = flat
    weights, scale = _scaled_weights(profile.weights)
    if weights.dtype != object and (int(weights.max()) if rows else 0) * rows < INT64_EXACT:
        total = int(weights.sum())  # cannot overflow: rows times the largest weight fits
    else:
        total = sum(weights.tolist())
        if total >= INT64_EXACT:
            weights = weights.astype(object)
    if rows > 1:
        # Rows in lexicographic order: ballots sharing a prefix sit together, so the rows a
        # count moves at once (those on one candidate) are read from memory in long runs.
        # Every method sums over rows, so their order changes no figure.
        order = _lexicographic_order(ranks, ncand)
        ranks, lengths, weights = ranks[order], lengths[order], weights[order]
    return Packed(ncand, ranks, lengths, weights, scale, int(total))


def _lexicographic_order(ranks: npt.NDArray[np.integer[Any]], ncand: int) -> IndexArray:
    """The order that sorts rows lexicographically (by their leading columns if wide)."""
    bits = ncand.bit_length()
    columns = min(ranks.shape[1], 63 // bits)
    if columns == ranks.shape[1] or columns >= 3:
        # One integer key per row, as long as the leading columns fit in 63 bits.
        key = np.zeros(ranks.shape[0], dtype=np.int64)
        for i in range(columns):
            key = (key << bits) | ranks[:, i]
        order: IndexArray = np.argsort(key, kind="stable")
        return order
    order = np.lexsort(ranks[:, :4].T[::-1])
    return order


def _scaled_weights(weights: Sequence[Fraction]) -> tuple[Exact, int]:
    """Integer weights (``weight * scale``) and the scale, the LCM of the denominators."""
    try:
        # Fraction's own slots: the public properties cost a Python call per weight, which
        # is most of the packing time for a million distinct rankings.
        numerator, denominator = attrgetter("_numerator"), attrgetter("_denominator")
        denominators = set(map(denominator, weights))
    except AttributeError:  # not all Fractions (e.g. plain ints)
        numerator, denominator = attrgetter("numerator"), attrgetter("denominator")
        denominators = set(map(denominator, weights))
    scale = math.lcm(*denominators) if denominators else 1
    if scale == 1:
        values: list[int] = list(map(numerator, weights))
    else:
        values = [numerator(w) * (scale // denominator(w)) for w in weights]
    if not values or max(values) < INT64_EXACT:
        return np.array(values, dtype=np.int64), scale
    return np.array(values, dtype=object), scale


def tally(index: npt.NDArray[Any], weights: Exact, size: int, bound: int) -> Exact:
    """Exact sums of ``weights`` grouped by ``index`` (``0 <= index < size``).

    Args:
        index: Where each weight goes.
        weights: Non-negative integers (int64 or object).
        size: The number of groups.
        bound: An upper bound of the sum of all ``weights``; it picks the fastest exact
            summation (float64 ``bincount`` below 2**53, int64 below 2**63, Python ints above).

    Returns:
        The sum per group: int64 when ``bound`` fits in int64, else Python ints (object);
        ``.tolist()`` gives Python ints either way.
    """
    if weights.dtype != object and bound < FLOAT_EXACT:
        # Every partial sum is an integer below 2**53, so float64 adds them exactly.
        # (Float weights are only ever such integers, from counting_weights.)
        return np.bincount(index, weights=weights, minlength=size).astype(np.int64)
    if weights.dtype != object and bound < INT64_EXACT:
        out = np.zeros(size, dtype=np.int64)
        np.add.at(out, index, weights.astype(np.int64, copy=False))
        return out
    totals = np.zeros(size, dtype=object)
    np.add.at(totals, index, weights.astype(object))
    return totals


def advance(
    packed: Packed,
    cursor: IndexArray,
    top: npt.NDArray[Any],
    rows: IndexArray,
    stop: BoolArray,
) -> npt.NDArray[Any]:
    """Moves the given rows to their next preference that ``stop`` accepts.

    ``cursor[r]`` is where row ``r``'s current preference sits in the flattened rankings
    (``r * width + position``) and ``top[r]`` is that candidate. Each row in ``rows`` steps
    forward at least once and then on until ``stop[candidate]`` is true; ``stop[ncand]`` must
    be true so that the padding (no further preference: the ballot is exhausted) ends every
    walk.

    Args:
        packed: The rankings.
        cursor: Each row's current cell; updated in place.
        top: Each row's current candidate; updated in place.
        rows: The rows to move (e.g. those whose current candidate was just excluded).
        stop: Which candidates (and the padding value) a ballot may stop at.

    Returns:
        The rows' new candidates (``top[rows]``).
    """
    flat = packed.ranks.reshape(-1)
    cell = cursor[rows] + 1
    cand = flat[cell]
    # Only the rows still on a non-continuing candidate take another step: the set shrinks fast.
    walking = np.flatnonzero(~stop[cand])
    while walking.size:
        cell[walking] += 1
        step = flat[cell[walking]]
        cand[walking] = step
        walking = walking[~stop[step]]
    cursor[rows] = cell
    top[rows] = cand
    return cand


def first_choices(packed: Packed, stop: BoolArray) -> tuple[IndexArray, npt.NDArray[Any]]:
    """Each row's first preference that ``stop`` accepts: ``(cursors, candidates)``.

    Cursors index the flattened rankings (see :func:`advance`); candidates keep the rankings'
    small integer type.
    """
    cursor: IndexArray = np.arange(packed.rows, dtype=np.intp) * packed.width
    top = packed.ranks[:, 0].copy()
    skipping = np.flatnonzero(~stop[top])
    if skipping.size:
        # advance() steps at least once, which is what a row on a skipped candidate needs.
        advance(packed, cursor, top, skipping, stop)
    return cursor, top


def counting_weights(packed: Packed, multiplier: int) -> Exact:
    """Weights ready for :func:`tally` when each is multiplied by at most ``multiplier``.

    When every sum stays below 2**53 they are returned as float64 (exact there), which
    ``bincount`` would otherwise convert on every call; else as :meth:`Packed.weights_for`.
    """
    if packed.weights.dtype != object and packed.total * multiplier < FLOAT_EXACT:
        return packed.weights.astype(np.float64)
    return packed.weights_for(multiplier)
