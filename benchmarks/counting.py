"""Counting a million ranked ballots: our IRV, STV and Schulze beside pyrankvote and pref_voting.

Run with ``.venv/bin/python -m benchmarks.counting`` (or through ``make bench``).

Two ballot sets of 1,000,000 voters over 10 candidates, drawn with a fixed seed: complete
rankings uniform over all orders, and the same rankings truncated to a uniform length 1-10.
Times are wall-clock seconds of the count alone, best of three: building the profile is not
counted (it is printed), nor is building the peers' ballot objects. Our profile's array form
(``RankedProfile.packed``) is computed once per profile and shared by every method; it is
printed separately, and so is a first count on a fresh profile that includes it.

* pyrankvote counts all 1,000,000 ballots.
* pref_voting needs minutes for its profile and count at this size (its ``Profile`` alone takes
  about 4 s per 20,000 distinct rankings), so it counts a subsample of the first
  ``PREF_VOTING_SAMPLE`` ballots; ours counts the same subsample, the winners must agree, and
  the ratio printed is at equal size (the extrapolated time to 1,000,000 assumes linear
  scaling and is labelled as such). pref_voting computes the pairwise table while building
  its profile, so its Schulze time includes building the profile.

Winners must agree wherever the rules coincide: IRV everywhere; Schulze with pref_voting's
``beat_path`` (winning votes); Scottish STV with pref_voting's ``stv_scottish``. pyrankvote's
STV moves surpluses by a different rule (every paper at the same fraction, quota
``ballots / (seats + 1)``), so its elected set is printed beside ours, not asserted.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyrankvote
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.proportional_methods import stv_scottish
from pref_voting.voting_methods import instant_runoff

from core.decisions.methods import irv, schulze, stv
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import Outcome, RankedProfile

BALLOTS = 1_000_000
CANDIDATES = 10
SEATS = 3
SEED = 20250101
PREF_VOTING_SAMPLE = 10_000

TARGET_IRV = 0.2
TARGET_SCHULZE = 0.2
TARGET_STV = 1.0
TARGET_VS_PYRANKVOTE = 30.0

T = TypeVar("T")


def timed(count: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """The best wall-clock time of ``repeat`` runs, and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = count()
        best = min(best, time.perf_counter() - start)
    return best, result


def draw(truncated: bool) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    """The ballot set: rows of candidate numbers, and how many of each row are ranked."""
    rng = np.random.default_rng(SEED)
    ranks = np.argsort(rng.random((BALLOTS, CANDIDATES)), axis=1).astype(np.int8)
    if truncated:
        lengths = rng.integers(1, CANDIDATES + 1, BALLOTS)
    else:
        lengths = np.full(BALLOTS, CANDIDATES, dtype=np.int64)
    return ranks, lengths


def names() -> list[str]:
    return [f"C{i}" for i in range(CANDIDATES)]


def our_profile(ranks: npt.NDArray[np.int8], lengths: npt.NDArray[np.int64]) -> RankedProfile:
    """Identical rankings aggregated, as RankedProfile.from_ballots would (but faster)."""
    padded = np.where(np.arange(CANDIDATES) < lengths[:, None], ranks, -1)
    # One integer per ballot (4 bits per preference) makes np.unique fast.
    keys = np.zeros(len(padded), dtype=np.int64)
    for column in padded.T:
        keys = (keys << 4) | (column.astype(np.int64) + 1)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    rankings = tuple(tuple(c for c in row if c >= 0) for row in padded[first].tolist())
    return RankedProfile(tuple(names()), rankings, tuple(map(Fraction, counts.tolist())))


def elected(outcome: Outcome) -> set[str]:
    return set(outcome.elected)


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:,.0f}×" if ours > 0 else "∞×"


def pyrankvote_counts(
    ranks: npt.NDArray[np.int8], lengths: npt.NDArray[np.int64]
) -> tuple[float, set[str], float, set[str]]:
    """pyrankvote's IRV and STV on every ballot: (time, winners) for each."""
    people = [pyrankvote.Candidate(name) for name in names()]
    papers = [
        pyrankvote.Ballot([people[c] for c in row[:length]])
        for row, length in zip(ranks.tolist(), lengths.tolist(), strict=True)
    ]
    t_irv, r_irv = timed(lambda: pyrankvote.instant_runoff_voting(people, papers), repeat=1)
    t_stv, r_stv = timed(
        lambda: pyrankvote.single_transferable_vote(people, papers, SEATS), repeat=1
    )
    return (
        t_irv,
        {c.name for c in r_irv.get_winners()},
        t_stv,
        {c.name for c in r_stv.get_winners()},
    )


def run(truncated: bool) -> dict[str, float]:
    label = "truncated rankings (length 1-10)" if truncated else "complete rankings"
    ranks, lengths = draw(truncated)
    start = time.perf_counter()
    profile = our_profile(ranks, lengths)
    built = time.perf_counter() - start
    start = time.perf_counter()
    _ = profile.packed
    packed = time.perf_counter() - start
    print(f"\n{BALLOTS:,} ballots, {CANDIDATES} candidates, {label}")
    print(
        f"  our profile: {len(profile.rankings):,} distinct rankings, built in {built:.2f} s;"
        f" packed into arrays in {packed:.2f} s (once per profile) — neither counted below"
    )

    t_irv, o_irv = timed(lambda: irv.count(profile))
    t_stv, o_stv = timed(lambda: stv.count(profile, SEATS))
    t_sch, o_sch = timed(lambda: schulze.count(profile))
    t_meek, o_meek = timed(lambda: stv.count(profile, SEATS, rules=StvRules.MEEK), repeat=1)
    t_cold, _ = timed(lambda: irv.count(dataclasses.replace(profile)), repeat=1)
    print(
        f"  ours: IRV {t_irv:.3f} s, STV ({SEATS} seats, Scottish) {t_stv:.3f} s,"
        f" Schulze {t_sch:.3f} s; Meek STV {t_meek:.3f} s (no target)"
    )
    print(f"  ours, IRV as the first count of a fresh profile (packing included): {t_cold:.3f} s")
    print(
        f"  elected: IRV {sorted(elected(o_irv))}, STV {sorted(elected(o_stv))},"
        f" Meek {sorted(elected(o_meek))}, Schulze {sorted(elected(o_sch))}"
    )

    # pyrankvote on every ballot.
    t_p_irv, p_irv, t_p_stv, p_stv = pyrankvote_counts(ranks, lengths)
    assert p_irv == elected(o_irv), (p_irv, o_irv.elected)
    print(
        f"  pyrankvote, all {BALLOTS:,} ballots: IRV {t_p_irv:.1f} s (same winner) —"
        f" ours {ratio(t_p_irv, t_irv)} faster; STV {t_p_stv:.1f} s — ours"
        f" {ratio(t_p_stv, t_stv)} faster"
        + (
            " (same elected)"
            if p_stv == elected(o_stv)
            else f" (it elects {sorted(p_stv)}: its surplus rule differs)"
        )
    )

    # pref_voting on a subsample, against ours on the same subsample.
    sub_ranks, sub_lengths = ranks[:PREF_VOTING_SAMPLE], lengths[:PREF_VOTING_SAMPLE]
    sub = our_profile(sub_ranks, sub_lengths)
    _ = sub.packed
    s_irv, so_irv = timed(lambda: irv.count(sub))
    s_stv, so_stv = timed(lambda: stv.count(sub, SEATS))
    s_sch, so_sch = timed(lambda: schulze.count(sub))

    def pref_voting_profile() -> Profile | ProfileWithTies:
        if truncated:
            built = ProfileWithTies(
                [
                    {c: i + 1 for i, c in enumerate(row[:length])}
                    for row, length in zip(sub_ranks.tolist(), sub_lengths.tolist(), strict=True)
                ],
                candidates=list(range(CANDIDATES)),
            )
            # A ranked candidate above every unranked one, as in our pairwise table.
            built.use_extended_strict_preference()
            return built
        rows, counts = np.unique(sub_ranks, axis=0, return_counts=True)
        return Profile(rows.astype(int), rcounts=counts)

    # pref_voting computes the pairwise table while building its profile: that is charged
    # to its Schulze time (for us, the table is most of the count).
    t_v_build, pv = timed(pref_voting_profile, repeat=1)
    t_v_irv, v_irv = timed(lambda: instant_runoff(pv), repeat=1)
    t_v_sch, v_sch = timed(lambda: beat_path(pv, strength_function=pv.support), repeat=1)
    t_v_sch += t_v_build
    t_v_stv, v_stv = timed(lambda: stv_scottish(pv, num_seats=SEATS), repeat=1)
    assert {f"C{c}" for c in v_irv} == elected(so_irv), (v_irv, so_irv.elected)
    schulze_winners = so_sch.tie_breaks[0].among if so_sch.tie_breaks else so_sch.elected
    assert {f"C{c}" for c in v_sch} == set(schulze_winners), (v_sch, schulze_winners)
    assert {f"C{c}" for c in v_stv} == elected(so_stv), (v_stv, so_stv.elected)
    scale = BALLOTS / PREF_VOTING_SAMPLE
    print(
        f"  pref_voting, subsample of {PREF_VOTING_SAMPLE:,} ballots (ours on the same"
        f" ballots; same winners):"
    )
    for method, theirs, ours_sub in (
        ("IRV", t_v_irv, s_irv),
        ("Schulze", t_v_sch, s_sch),
        ("STV", t_v_stv, s_stv),
    ):
        ours_full = {"IRV": t_irv, "Schulze": t_sch, "STV": t_stv}[method]
        print(
            f"    {method}: {theirs:.2f} s vs ours {ours_sub * 1000:.1f} ms —"
            f" {ratio(theirs, ours_sub)} faster at equal size; extrapolated to {BALLOTS:,}:"
            f" ~{theirs * scale:,.0f} s vs ours {ours_full:.3f} s"
            f" ({ratio(theirs * scale, ours_full)})"
        )
    return {
        "irv": t_irv,
        "stv": t_stv,
        "schulze": t_sch,
        "vs_pyrankvote_irv": t_p_irv / t_irv,
        "vs_pyrankvote_stv": t_p_stv / t_stv,
    }


def verdict(name: str, ok: bool, detail: str) -> None:
    print(f"  {'met' if ok else 'NOT MET'}: {name} ({detail})")


def main() -> None:
    """Times our counting methods and the peers' on a million ballots and prints the ratios."""
    print("Counting 1,000,000 ranked ballots (times: best of 3, counting only)")
    results = [run(truncated=False), run(truncated=True)]
    print("\nTargets:")
    for key, target, name in (
        ("irv", TARGET_IRV, "IRV"),
        ("schulze", TARGET_SCHULZE, "Schulze"),
        ("stv", TARGET_STV, f"STV ({SEATS} seats)"),
    ):
        worst = max(r[key] for r in results)
        verdict(f"{name} ≤ {target} s", worst <= target, f"slowest {worst:.3f} s")
    least = min(min(r["vs_pyrankvote_irv"], r["vs_pyrankvote_stv"]) for r in results)
    verdict(
        f"≥ {TARGET_VS_PYRANKVOTE:.0f}× faster than pyrankvote",
        least >= TARGET_VS_PYRANKVOTE,
        f"least {least:,.0f}×",
    )


if __name__ == "__main__":
    main()
