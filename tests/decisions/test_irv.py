from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.decisions.methods import irv, ties
from core.decisions.methods.types import RankedProfile, TieRule

F = Fraction


def profile(names: str, ballots: Sequence[tuple[str, int | Fraction]]) -> RankedProfile:
    return RankedProfile.from_ballots(
        list(names), [([names.index(c) for c in ranking], w) for ranking, w in ballots]
    )


@st.composite
def profiles(
    draw: st.DrawFn,
    min_cands: int = 1,
    max_cands: int = 6,
    truncated: bool = True,
    weights: st.SearchStrategy[int | Fraction] | None = None,
) -> RankedProfile:
    ncand = draw(st.integers(min_cands, max_cands))
    ranking = st.permutations(range(ncand))
    if truncated:
        ranking = ranking.flatmap(lambda r: st.integers(0, len(r)).map(lambda k: r[:k]))
    weight = weights if weights is not None else st.integers(1, 5)
    ballots = draw(st.lists(st.tuples(ranking, weight), min_size=1, max_size=25))
    return RankedProfile.from_ballots([f"c{i}" for i in range(ncand)], ballots)


def reference_irv(p: RankedProfile, seed: str = "") -> tuple[list[str], list[dict[str, Fraction]]]:
    """A deliberately naive IRV (Fractions, one ballot at a time).

    Returns the eliminated in order then the winner, and each round's tallies.
    """
    names = p.candidates
    continuing = set(range(len(names)))
    order: list[str] = []
    history: list[dict[str, Fraction]] = []
    while True:
        tallies = {c: F(0) for c in continuing}
        for ranking, weight in zip(p.rankings, p.weights, strict=True):
            for c in ranking:
                if c in continuing:
                    tallies[c] += weight
                    break
        named = {names[c]: tallies[c] for c in sorted(continuing)}
        live = sum(tallies.values())
        best = max(tallies.values())
        if 2 * best > live or len(continuing) == 1:
            winner = next(c for c in sorted(continuing) if tallies[c] == best)
            history.append(named)
            return [*order, names[winner]], history
        low = min(tallies.values())
        lowest = [names[c] for c in sorted(continuing) if tallies[c] == low]
        loser = lowest[0]
        if len(lowest) > 1:
            loser, _ = ties.break_tie(lowest, history, lowest=True, purpose="eliminate", seed=seed)
        history.append(named)
        order.append(loser)
        continuing.remove(names.index(loser))


def test_tennessee_capital() -> None:
    # Wikipedia's example: Memphis 42%, Nashville 26%, Chattanooga 15%, Knoxville 17%.
    p = profile(
        "MNCK",
        [("MNCK", 42), ("NCKM", 26), ("CKNM", 15), ("KCNM", 17)],
    )
    outcome = irv.count(p)
    assert outcome.method == "irv"
    assert outcome.seats == 1
    assert outcome.elected == ("K",)
    assert outcome.ranking == ("K", "M", "N", "C")
    assert [r.tallies for r in outcome.rounds] == [
        {"M": 42, "N": 26, "C": 15, "K": 17},
        {"M": 42, "N": 26, "K": 32},
        {"M": 42, "K": 58},
    ]
    assert [r.eliminated for r in outcome.rounds] == [("C",), ("N",), ()]
    assert [r.elected for r in outcome.rounds] == [(), (), ("K",)]
    first = outcome.rounds[0].transfer
    assert first is not None
    assert (first.source, first.kind, first.value) == ("C", "elimination", 1)
    assert first.moved == {"M": 0, "N": 0, "K": 15}
    assert outcome.totals == {"M": 42, "K": 58}
    assert outcome.ballots == 100
    assert outcome.tie_breaks == ()


def test_a_first_round_majority_ends_the_count() -> None:
    outcome = irv.count(profile("ABC", [("A", 6), ("BC", 3), ("CB", 2)]))
    assert outcome.elected == ("A",)
    assert len(outcome.rounds) == 1
    assert outcome.ranking == ("A", "B", "C")


def test_exhausted_ballots_are_reported_cumulatively_and_leave_the_majority() -> None:
    p = profile(
        "ABCD",
        [("A", 8), ("BA", 3), ("B", 4), ("C", 5), ("DC", 2), ("D", 1), ("", 2)],
    )
    outcome = irv.count(p)
    rounds = outcome.rounds
    # Round 1: A 8, B 7, C 5, D 3; 2 empty ballots are exhausted from the start.
    assert rounds[0].tallies == {"A": 8, "B": 7, "C": 5, "D": 3}
    assert rounds[0].exhausted == 2
    assert rounds[0].eliminated == ("D",)
    assert rounds[0].transfer is not None
    assert rounds[0].transfer.moved == {"A": 0, "B": 0, "C": 2}
    assert rounds[0].transfer.exhausted == 1
    # Round 2: A 8, B 7, C 7 — B and C tie for last; exhausted 3.
    assert rounds[1].tallies == {"A": 8, "B": 7, "C": 7}
    assert rounds[1].exhausted == 3
    # Round 1 separates them: C had 5, B 7 — C goes out; C's 7 ballots all exhaust.
    assert rounds[1].eliminated == ("C",)
    assert rounds[1].tie_break is not None
    assert rounds[1].tie_break.rule is TieRule.EARLIER_ROUNDS
    assert rounds[1].transfer is not None
    assert rounds[1].transfer.exhausted == 7
    # Round 3: A 8 of 15 continuing votes is a majority although 10 of 25 ballots exhausted.
    assert rounds[2].tallies == {"A": 8, "B": 7}
    assert rounds[2].exhausted == 10
    assert rounds[2].elected == ("A",)
    assert outcome.ballots == 25


def test_tie_with_no_earlier_difference_is_drawn_by_recorded_lot() -> None:
    p = profile("ABC", [("A", 4), ("BA", 2), ("CA", 2)])
    for seed in ("one", "two", "three", "four"):
        outcome = irv.count(p, seed=seed)
        loser = ties.lot(seed, ["B", "C"])[0]
        assert outcome.rounds[0].eliminated == (loser,)
        record = outcome.rounds[0].tie_break
        assert record is not None
        assert record.rule is TieRule.LOT
        assert record.seed == seed
        assert record.among == ("B", "C")
        assert record.chosen == loser
        assert outcome.tie_breaks == (record,)
        assert outcome.seed == seed
        assert outcome.elected == ("A",)


def test_fifty_fifty_final_is_decided_by_earlier_rounds() -> None:
    # Final round A 5, B 5: no majority; round 1 had A 4, B 5, C 1, so A goes out.
    p = profile("ABC", [("A", 4), ("B", 5), ("CA", 1)])
    outcome = irv.count(p)
    assert outcome.rounds[-2].tallies == {"A": 5, "B": 5}
    assert outcome.rounds[-2].eliminated == ("A",)
    assert outcome.elected == ("B",)


def test_weights_are_reported_in_their_own_units() -> None:
    p = profile("AB", [("A", F(1, 2)), ("B", F(1, 3)), ("BA", F(1, 3))])
    outcome = irv.count(p)
    assert outcome.elected == ("B",)
    assert outcome.rounds[0].tallies == {"A": F(1, 2), "B": F(2, 3)}
    assert outcome.ballots == F(7, 6)


@pytest.mark.parametrize(
    ("names", "ballots", "elected"),
    [
        ("", [], ()),
        ("A", [("A", 1)], ("A",)),
        ("A", [("", 3)], ("A",)),
    ],
)
def test_degenerate_counts(
    names: str, ballots: list[tuple[str, int]], elected: tuple[str, ...]
) -> None:
    outcome = irv.count(profile(names, ballots))
    assert outcome.elected == elected


def test_only_empty_ballots_still_elects_by_lot() -> None:
    outcome = irv.count(profile("ABC", [("", 3)]), seed="s")
    assert outcome.rounds[0].exhausted == 3
    assert all(t.rule is TieRule.LOT for t in outcome.tie_breaks)
    assert len(outcome.elected) == 1


@settings(max_examples=100, deadline=None)
@given(profiles(weights=st.integers(0, 4) | st.fractions(0, 3, max_denominator=6)))
def test_matches_a_naive_count_round_by_round(p: RankedProfile) -> None:
    outcome = irv.count(p, seed="ref")
    expected_order, expected_rounds = reference_irv(p, seed="ref")
    assert [r.tallies for r in outcome.rounds] == expected_rounds
    assert [e for r in outcome.rounds for e in r.eliminated] == expected_order[:-1]
    assert outcome.elected == (expected_order[-1],)
    for r in outcome.rounds:
        assert sum(r.tallies.values()) + r.exhausted == p.total_weight
        if r.transfer is not None:
            moved = sum(r.transfer.moved.values()) + r.transfer.exhausted
            assert moved == r.tallies[r.transfer.source]


@settings(max_examples=60, deadline=None)
@given(profiles(min_cands=2), st.data())
def test_a_first_preference_majority_wins(p: RankedProfile, data: st.DataObject) -> None:
    firsts: dict[int, Fraction] = {}
    for ranking, weight in zip(p.rankings, p.weights, strict=True):
        if ranking:
            firsts[ranking[0]] = firsts.get(ranking[0], F(0)) + weight
    leader = max(firsts, key=firsts.__getitem__, default=None)
    assume(leader is not None and 2 * firsts[leader] > p.total_weight)
    assert irv.count(p).elected == (p.candidates[leader],)


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_weight_two_counts_as_two_identical_ballots(p: RankedProfile) -> None:
    doubled = RankedProfile(p.candidates, p.rankings, tuple(2 * w for w in p.weights))
    twice = RankedProfile.from_ballots(
        p.candidates,
        [(r, w) for r, w in zip(p.rankings, p.weights, strict=True) for _ in range(2)],
    )
    a, b = irv.count(doubled), irv.count(twice)
    assert a.rounds == b.rounds
    assert a.elected == b.elected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(profiles(min_cands=2), st.randoms(use_true_random=False))
def test_renumbering_candidates_changes_no_winner(p: RankedProfile, rnd: object) -> None:
    outcome = irv.count(p)
    assume(not outcome.tie_breaks)
    n = len(p.candidates)
    perm = list(range(n))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    names = [""] * n
    for old, new in enumerate(perm):
        names[new] = p.candidates[old]
    renumbered = RankedProfile.from_ballots(
        names, [([perm[c] for c in r], w) for r, w in zip(p.rankings, p.weights, strict=True)]
    )
    again = irv.count(renumbered)
    assert again.elected == outcome.elected
    assert again.ranking == outcome.ranking


def test_weights_beyond_64_bits_are_counted_exactly() -> None:
    big = 2**62
    p = profile("ABC", [("A", big), ("B", big), ("CB", big - 5), ("C", F(1, 3))])
    assert p.packed.weights.dtype == object  # the total does not fit in int64
    outcome = irv.count(p)
    assert outcome.rounds[0].tallies == {"A": big, "B": big, "C": big - 5 + F(1, 3)}
    assert outcome.rounds[1].tallies == {"A": big, "B": 2 * big - 5}
    assert outcome.rounds[1].exhausted == F(1, 3)
    assert outcome.elected == ("B",)
