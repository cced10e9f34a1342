"""Our counts agree with two independent libraries wherever their rules coincide with ours.

* pref_voting (Holliday & Pacuit): ``instant_runoff`` eliminates *all* candidates tied for
  last at once and ``instant_runoff_put`` returns every winner some tie-break could give;
  ``beat_path`` is Schulze (margins by default; with ``strength_function=support`` it uses
  winning votes, as we do, which matters only when ballots are truncated);
  ``stv_scottish`` follows SSI 2007/42 in floating point; ``stv_meek`` is Meek in floating
  point with quota ``continuing / (seats + 1)`` (no smallest unit added).
* pyrankvote: IRV elects on ``votes >= ceil(continuing / 2)`` (so a 50% candidate may win
  where we look for a strict majority — that only differs when we would break a tie), and
  breaks ties by second choices; its STV uses the quota ``ballots / (seats + 1)`` and moves
  surpluses by giving *every* paper of the elected candidate the same fraction, whatever its
  current value — not the weighted inclusive Gregory method. Its STV therefore agrees with
  ours only when no surplus is ever transferred: we compare on profiles where no candidate
  reaches ``ballots / (seats + 1)`` before the last seats are filled by the continuing
  candidates, and on one-seat counts.

Where a count of ours had to break a tie, the rules legitimately differ and the profile is
skipped (but each comparison must run on enough profiles to mean something).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pyrankvote
import pytest
from pref_voting.margin_based_methods import beat_path
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.proportional_methods import stv_meek, stv_scottish
from pref_voting.voting_methods import instant_runoff, instant_runoff_put

from core.decisions.methods import irv, schulze, stv
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import Outcome, RankedProfile

Ballots = list[tuple[tuple[int, ...], int]]


def random_ballots(rng: random.Random, ncand: int, truncated: bool, longest: int) -> Ballots:
    ballots = []
    for _ in range(rng.randint(5, 30) if longest >= ncand else rng.randint(20, 60)):
        ranking = list(range(ncand))
        rng.shuffle(ranking)
        length = rng.randint(1, min(ncand, longest)) if truncated else ncand
        ballots.append((tuple(ranking[:length]), rng.randint(1, 3 if longest >= ncand else 9)))
    return ballots


def ours(ncand: int, ballots: Ballots) -> RankedProfile:
    return RankedProfile.from_ballots([str(c) for c in range(ncand)], ballots)


def pref_profile(ncand: int, ballots: Ballots, truncated: bool) -> Profile | ProfileWithTies:
    if not truncated:
        return Profile([list(r) for r, _ in ballots], rcounts=[n for _, n in ballots])
    profile = ProfileWithTies(
        [{c: i + 1 for i, c in enumerate(r)} for r, _ in ballots],
        rcounts=[n for _, n in ballots],
        candidates=list(range(ncand)),
    )
    profile.use_extended_strict_preference()
    return profile


def pyrank(
    ncand: int, ballots: Ballots
) -> tuple[list[pyrankvote.Candidate], list[pyrankvote.Ballot]]:
    people = [pyrankvote.Candidate(str(c)) for c in range(ncand)]
    papers = [
        pyrankvote.Ballot(ranked_candidates=[people[c] for c in ranking])
        for ranking, count in ballots
        for _ in range(count)
    ]
    return people, papers


def winners(outcome: Outcome) -> set[int]:
    return {int(name) for name in outcome.elected}


def cases(
    seed: int, count: int, fewest: int = 3, most: int = 6, longest: int | None = None
) -> list[tuple[int, Ballots, bool]]:
    """Random profiles, alternately complete and truncated (to ``longest`` preferences)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        truncated = longest is not None or i % 2 == 1
        ncand = rng.randint(fewest, most)
        ballots = random_ballots(rng, ncand, truncated, longest or ncand)
        out.append((ncand, ballots, truncated))
    return out


def compare(
    seed: int,
    count: int,
    check: Callable[[int, Ballots, bool], bool],
    minimum: int,
    fewest: int = 3,
    most: int = 6,
    longest: int | None = None,
) -> None:
    profiles = cases(seed, count, fewest, most, longest)
    compared = sum(check(ncand, ballots, truncated) for ncand, ballots, truncated in profiles)
    assert compared >= minimum, f"only {compared} comparable profiles"


def test_irv_agrees_with_pref_voting() -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        outcome = irv.count(ours(ncand, ballots))
        theirs = pref_profile(ncand, ballots, truncated)
        # Every tie-break could give one of these; ours is one tie-break.
        assert winners(outcome) <= set(instant_runoff_put(theirs))
        if outcome.tie_breaks:
            return False
        assert winners(outcome) == set(instant_runoff(theirs))
        return True

    compare(1, 150, check, minimum=70)


def test_schulze_agrees_with_pref_voting() -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        outcome = schulze.count(ours(ncand, ballots))
        theirs = pref_profile(ncand, ballots, truncated)
        tied = [t for t in outcome.tie_breaks if t.purpose == "elect"]
        expected = {int(n) for n in tied[0].among} if tied else winners(outcome)
        assert expected == set(beat_path(theirs, strength_function=theirs.support))
        if not truncated:
            # Complete rankings: winning votes and margins agree.
            assert expected == set(beat_path(theirs))
        return True

    compare(2, 200, check, minimum=200)


def test_irv_and_one_seat_stv_agree_with_pyrankvote() -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        outcome = irv.count(ours(ncand, ballots))
        if outcome.tie_breaks:
            return False
        people, papers = pyrank(ncand, ballots)
        expected = {
            int(c.name) for c in pyrankvote.instant_runoff_voting(people, papers).get_winners()
        }
        assert winners(outcome) == expected
        single = pyrankvote.single_transferable_vote(people, papers, number_of_seats=1)
        assert {int(c.name) for c in single.get_winners()} == expected
        for rules in StvRules:
            assert winners(stv.count(ours(ncand, ballots), 1, rules=rules)) == expected
        return True

    compare(3, 200, check, minimum=100)


def no_surplus_ever(outcome: Outcome, valid: int, seats: int) -> bool:
    """No candidate reaches ballots / (seats + 1) before the last seats are filled."""
    for round_ in outcome.rounds[:-1]:
        if any(votes * (seats + 1) >= valid for votes in round_.tallies.values()):
            return False
    return not outcome.tie_breaks


@pytest.mark.parametrize("seats", [2, 3])
def test_stv_agrees_with_pyrankvote_when_no_surplus_moves(seats: int) -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        if ncand <= seats:
            return False
        valid = sum(n for _, n in ballots)
        outcome = stv.count(ours(ncand, ballots), seats)
        if not no_surplus_ever(outcome, valid, seats):
            return False
        people, papers = pyrank(ncand, ballots)
        result = pyrankvote.single_transferable_vote(people, papers, number_of_seats=seats)
        assert winners(outcome) == {int(c.name) for c in result.get_winners()}
        return True

    # Only short ballots exhaust enough for nobody to reach the quota before the end.
    compare(4 + seats, 300, check, minimum=40, fewest=seats + 2, most=seats + 5, longest=2)


@pytest.mark.parametrize("seats", [2, 3])
def test_scottish_stv_agrees_with_pref_voting(seats: int) -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        outcome = stv.count(ours(ncand, ballots), seats)
        if outcome.tie_breaks:
            return False
        theirs = pref_profile(ncand, ballots, truncated)
        assert winners(outcome) == set(stv_scottish(theirs, num_seats=seats))
        return True

    compare(10 + seats, 150, check, minimum=100)


@pytest.mark.parametrize("seats", [2, 3])
def test_meek_stv_agrees_with_pref_voting(seats: int) -> None:
    def check(ncand: int, ballots: Ballots, truncated: bool) -> bool:
        outcome = stv.count(ours(ncand, ballots), seats, rules=StvRules.MEEK)
        if outcome.tie_breaks:
            return False
        theirs = pref_profile(ncand, ballots, truncated)
        assert winners(outcome) == set(stv_meek(theirs, num_seats=seats))
        return True

    compare(20 + seats, 40, check, minimum=25)
