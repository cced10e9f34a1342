from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.decisions.methods import irv, stv
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import RankedProfile, TieRule

F = Fraction
BOTH = [StvRules.SCOTTISH, StvRules.MEEK]


def profile(
    names: Sequence[str], ballots: Sequence[tuple[Sequence[str], int | Fraction]]
) -> RankedProfile:
    names = list(names)
    return RankedProfile.from_ballots(
        names, [([names.index(c) for c in ranking], w) for ranking, w in ballots]
    )


@st.composite
def profiles(draw: st.DrawFn, min_cands: int = 1, max_cands: int = 6) -> RankedProfile:
    ncand = draw(st.integers(min_cands, max_cands))
    ranking = st.permutations(range(ncand)).flatmap(
        lambda r: st.integers(0, len(r)).map(lambda k: r[:k])
    )
    ballots = draw(st.lists(st.tuples(ranking, st.integers(1, 6)), min_size=1, max_size=20))
    return RankedProfile.from_ballots([f"c{i}" for i in range(ncand)], ballots)


# Wikipedia's STV example: 20 voters choose 3 foods.
FOOD = profile(
    ["Orange", "Pear", "Chocolate", "Strawberry", "Hamburger"],
    [
        (["Orange"], 4),
        (["Pear", "Orange"], 2),
        (["Chocolate", "Strawberry"], 8),
        (["Chocolate", "Hamburger"], 4),
        (["Strawberry"], 1),
        (["Hamburger"], 1),
    ],
)


def test_scottish_food_election_stage_by_stage() -> None:
    outcome = stv.count(FOOD, 3)
    assert outcome.method == "stv"
    assert outcome.elected == ("Chocolate", "Orange", "Strawberry")
    assert outcome.ranking == ("Chocolate", "Orange", "Strawberry", "Hamburger", "Pear")
    r1, r2, r3, r4 = outcome.rounds
    assert {r.quota for r in outcome.rounds} == {6}  # floor(20 / 4) + 1, once for all
    assert r1.tallies == {"Orange": 4, "Pear": 2, "Chocolate": 12, "Strawberry": 1, "Hamburger": 1}
    assert r1.elected == ("Chocolate",)
    assert r1.transfer is not None
    assert (r1.transfer.source, r1.transfer.kind, r1.transfer.value) == (
        "Chocolate",
        "surplus",
        F(1, 2),
    )
    assert r1.transfer.moved == {"Orange": 0, "Pear": 0, "Strawberry": 4, "Hamburger": 2}
    assert r2.tallies == {"Orange": 4, "Pear": 2, "Chocolate": 6, "Strawberry": 5, "Hamburger": 3}
    assert r2.eliminated == ("Pear",)
    # Orange reaches the quota exactly: elected, with no surplus to transfer.
    assert r3.tallies == {"Orange": 6, "Chocolate": 6, "Strawberry": 5, "Hamburger": 3}
    assert r3.elected == ("Orange",)
    assert r3.eliminated == ("Hamburger",)
    assert r3.transfer is not None
    assert r3.transfer.exhausted == 3  # 1 paper at 1 and 4 at 1/2: no further preference
    assert r4.tallies == {"Orange": 6, "Chocolate": 6, "Strawberry": 5}
    assert r4.exhausted == 3
    assert r4.elected == ("Strawberry",)  # the last continuing candidate fills the last seat
    assert r4.transfer is None


def test_meek_food_election_passes_surplus_on_at_once() -> None:
    outcome = stv.count(FOOD, 3, rules=StvRules.MEEK)
    # Chocolate keeps 5/12 of each vote; 8 x 7/12 lifts Strawberry over the quota before
    # Pear is even excluded (the Scottish count elects Orange first).
    assert outcome.elected == ("Chocolate", "Strawberry", "Orange")
    first, second = outcome.rounds[0], outcome.rounds[1]
    assert first.quota == F(5_000_000_001, 10**9)  # 20 / 4, plus the smallest unit
    assert first.elected == ("Chocolate",)
    assert second.elected == ("Strawberry",)
    # Strawberry has no later preferences: its surplus exhausts and the quota falls.
    quotas = [r.quota for r in outcome.rounds]
    assert quotas == sorted(quotas, reverse=True)
    assert quotas[-1] is not None and quotas[-1] < 5
    last = outcome.rounds[-1]
    for name in ("Chocolate", "Strawberry"):
        assert abs(last.tallies[name] - quotas[-1]) < F(1, 10**6)


def test_scottish_values_are_truncated_to_five_decimals() -> None:
    # A's surplus of 2 over 7 papers: each moves at 2/7 = 0.285714..., truncated to 0.28571.
    p = profile("ABCD", [("AB", 7), ("C", 3), ("D", 2)])
    outcome = stv.count(p, 2)
    r1 = outcome.rounds[0]
    assert r1.quota == 5  # floor(12 / 3) + 1
    assert r1.transfer is not None
    assert r1.transfer.value == F(2, 7)
    assert r1.transfer.moved == {"B": F("1.99997"), "C": 0, "D": 0}
    r2 = outcome.rounds[1]
    assert r2.tallies == {"A": 5, "B": F("1.99997"), "C": 3, "D": 2}
    assert sum(r2.tallies.values()) + r2.exhausted == 12 - F("0.00003")
    assert r2.eliminated == ("B",)
    assert outcome.elected == ("A", "C")


def test_equal_surpluses_then_a_tie_settled_by_the_stage_before() -> None:
    p = profile("ABCD", [("AC", 6), ("BD", 6), ("C", 1), ("D", 1)])
    for seed in ("a", "b", "c", "d"):
        outcome = stv.count(p, 3, seed=seed)
        # A and B reach the quota (4) together with 6 each: the lot orders them, and the
        # same lot says whose surplus goes first.
        order, first, second = outcome.tie_breaks
        assert (order.rule, order.purpose, order.among) == (TieRule.LOT, "order", ("A", "B"))
        assert outcome.elected[:2] == (order.chosen, "B" if order.chosen == "A" else "A")
        assert (first.rule, first.purpose, first.among) == (TieRule.LOT, "surplus", ("A", "B"))
        assert first.chosen == order.chosen
        assert first.seed == seed
        later = "B" if first.chosen == "A" else "A"
        # Both surpluses give 2.99998; the stage between them had the second one's
        # beneficiary still at 1, so that one is excluded.
        assert (second.rule, second.purpose) == (TieRule.EARLIER_ROUNDS, "eliminate")
        loser = {"A": "C", "B": "D"}[later]
        assert second.chosen == loser
        assert set(outcome.elected) == {"A", "B", {"C": "D", "D": "C"}[loser]}


def test_weighted_quota_is_in_the_weights_own_units() -> None:
    p = profile("ABC", [("A", F(5, 2)), ("B", F(3, 2)), ("C", 1)])
    # s = 2: floor(2 x 5 / 2) + 1 = 6 half-votes, i.e. 3 votes; with 2 seats 4 halves = 2.
    assert stv.count(p, 1).rounds[0].quota == 3
    assert stv.count(p, 2).rounds[0].quota == 2
    # Integer weights give the statutory quota.
    q = profile("AB", [("A", 3), ("B", 2)])
    assert stv.count(q, 1).rounds[0].quota == 3


def test_empty_ballots_are_exhausted_but_do_not_raise_the_scottish_quota() -> None:
    p = profile("AB", [("A", 3), ("B", 2), ("", 4)])
    outcome = stv.count(p, 1)
    assert outcome.rounds[0].quota == 3
    assert outcome.rounds[0].exhausted == 4
    assert outcome.ballots == 9


@pytest.mark.parametrize("rules", BOTH)
def test_as_many_seats_as_candidates_elects_everyone(rules: StvRules) -> None:
    p = profile("ABC", [("A", 1), ("CB", 2)])
    outcome = stv.count(p, 5, rules=rules)
    assert outcome.elected == ("C", "A", "B")
    assert len(outcome.rounds) == 1


def test_seats_must_be_positive() -> None:
    with pytest.raises(ValueError):
        stv.count(FOOD, 0)


@pytest.mark.parametrize("rules", BOTH)
def test_no_candidates(rules: StvRules) -> None:
    outcome = stv.count(RankedProfile.from_ballots([], [((), 2)]), 2, rules=rules)
    assert outcome.elected == ()
    assert outcome.ballots == 2


@settings(max_examples=80, deadline=None)
@given(profiles())
def test_one_seat_scottish_elects_the_irv_winner(p: RankedProfile) -> None:
    assert stv.count(p, 1, seed="s").elected == irv.count(p, seed="s").elected


@settings(max_examples=80, deadline=None)
@given(profiles())
def test_one_seat_meek_is_irv_round_by_round(p: RankedProfile) -> None:
    meek, runoff = stv.count(p, 1, rules=StvRules.MEEK, seed="s"), irv.count(p, seed="s")
    assert meek.elected == runoff.elected
    assert [r.tallies for r in meek.rounds] == [r.tallies for r in runoff.rounds]
    assert [r.exhausted for r in meek.rounds] == [r.exhausted for r in runoff.rounds]
    assert [r.eliminated for r in meek.rounds] == [r.eliminated for r in runoff.rounds]


@pytest.mark.parametrize("rules", BOTH)
@settings(max_examples=60, deadline=None)
@given(p=profiles(), seats=st.integers(1, 4))
def test_weight_two_counts_as_two_identical_ballots(
    rules: StvRules, p: RankedProfile, seats: int
) -> None:
    doubled = RankedProfile(p.candidates, p.rankings, tuple(2 * w for w in p.weights))
    twice = RankedProfile.from_ballots(
        p.candidates,
        [(r, w) for r, w in zip(p.rankings, p.weights, strict=True) for _ in range(2)],
    )
    a, b = stv.count(doubled, seats, rules=rules), stv.count(twice, seats, rules=rules)
    assert a.elected == b.elected
    assert a.rounds == b.rounds


@pytest.mark.parametrize("rules", BOTH)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(p=profiles(min_cands=2), seats=st.integers(1, 3), rnd=st.randoms(use_true_random=False))
def test_renumbering_candidates_changes_no_winner(
    rules: StvRules, p: RankedProfile, seats: int, rnd: object
) -> None:
    outcome = stv.count(p, seats, rules=rules)
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
    assert stv.count(renumbered, seats, rules=rules).elected == outcome.elected


@pytest.mark.parametrize("rules", BOTH)
@settings(max_examples=60, deadline=None)
@given(p=profiles(), seats=st.integers(1, 4))
def test_counts_are_consistent(rules: StvRules, p: RankedProfile, seats: int) -> None:
    outcome = stv.count(p, seats, rules=rules)
    assert len(outcome.elected) == min(seats, len(p.candidates))
    assert len(set(outcome.ranking)) == len(p.candidates)
    assert outcome.ranking[: len(outcome.elected)] == outcome.elected
    for r in outcome.rounds:
        # Nothing is created; the Scottish truncation may lose a little.
        assert sum(r.tallies.values()) + r.exhausted <= p.total_weight
        assert r.quota is not None
        if rules is StvRules.MEEK:
            # Meek loses nothing to rounding.
            assert sum(r.tallies.values()) + r.exhausted == p.total_weight


@pytest.mark.parametrize("rules", BOTH)
def test_weights_beyond_64_bits_are_counted_exactly(rules: StvRules) -> None:
    big = 10**20
    p = profile("ABC", [("AB", 3 * big), ("B", big), ("C", 2 * big)])
    outcome = stv.count(p, 2, rules=rules)
    assert outcome.rounds[0].tallies == {"A": 3 * big, "B": big, "C": 2 * big}
    assert outcome.elected == ("A", "C")
    if rules is StvRules.SCOTTISH:
        assert outcome.rounds[0].quota == 2 * big + 1
        assert outcome.rounds[0].transfer is not None
        # (big - 1) / (3 big) per paper, truncated to 0.33333, on 3 big papers.
        assert outcome.rounds[0].transfer.moved["B"] == 3 * big * F("0.33333")
