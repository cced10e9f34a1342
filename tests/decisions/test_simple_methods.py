"""Majority, plurality, approval, score, consensus and time polls: hand counts and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.decisions.methods import approval, consensus, majority, plurality, score, timeslots
from core.decisions.methods.consensus import Stance
from core.decisions.methods.majority import Choice
from core.decisions.methods.timeslots import Availability
from core.decisions.methods.types import Block, InvalidBallot, Threshold, TieBreak, TieRule

F = Fraction
CANDIDATES = ("Ana", "Ben", "Chloé", "Dev")

# --- majority ----------------------------------------------------------------------------


def yes_no(yes: int | Fraction, no: int | Fraction, abstain: int | Fraction = 0) -> list:
    return [(Choice.YES, yes), (Choice.NO, no), (Choice.ABSTAIN, abstain)]


def test_majority_hand_count() -> None:
    ballots = [(Choice.YES, 1)] * 7 + [(Choice.NO, 1)] * 4 + [(Choice.ABSTAIN, 2)]
    outcome = majority.count(ballots, Threshold.SIMPLE)
    assert (outcome.yes, outcome.no, outcome.abstain) == (7, 4, 2)
    assert outcome.passed and outcome.elected == ("yes",)
    assert outcome.method == "majority" and outcome.seats == 0
    assert outcome.ballots == 13
    assert outcome.totals == {"yes": 7, "no": 4, "abstain": 2}


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "passed"),
    [
        # More than half: an exact half is not enough, a hair more is.
        (Threshold.SIMPLE, 5, 5, False),
        (Threshold.SIMPLE, F(501, 100), 5, True),
        (Threshold.SIMPLE, 1, 0, True),
        # Two thirds: reached exactly at 2/3.
        (Threshold.TWO_THIRDS, 2, 1, True),
        (Threshold.TWO_THIRDS, 20, 10, True),
        (Threshold.TWO_THIRDS, F(1999, 1000), 1, False),
        (Threshold.TWO_THIRDS, 66, 34, False),
        (Threshold.TWO_THIRDS, 67, 33, True),
        # Three quarters: reached exactly at 3/4.
        (Threshold.THREE_QUARTERS, 3, 1, True),
        (Threshold.THREE_QUARTERS, 74, 26, False),
        (Threshold.THREE_QUARTERS, F(3, 2), F(1, 2), True),
        # Unanimity: nobody against, someone for.
        (Threshold.UNANIMITY, 40, 0, True),
        (Threshold.UNANIMITY, 40, 1, False),
        (Threshold.UNANIMITY, 0, 0, False),
    ],
)
def test_threshold_edges(threshold: Threshold, yes: Fraction, no: Fraction, passed: bool) -> None:
    assert majority.count(yes_no(yes, no), threshold).passed is passed


def test_abstentions_count_for_nothing_in_the_share() -> None:
    # 3 yes, 2 no, 100 abstain: 3 of the 5 who took a side is more than half.
    assert majority.count(yes_no(3, 2, 100), Threshold.SIMPLE).passed
    # Only abstentions: yes + no = 0 never passes, whatever the rule.
    for threshold in Threshold:
        outcome = majority.count(yes_no(0, 0, 10), threshold)
        assert not outcome.passed and outcome.elected == ()


def test_majority_rejects_bad_ballots() -> None:
    with pytest.raises(InvalidBallot) as err:
        majority.count([("maybe", 1)], Threshold.SIMPLE)  # type: ignore[list-item]
    assert err.value.reason == "unknown"
    with pytest.raises(InvalidBallot) as err:
        majority.count([(Choice.YES, -1)], Threshold.SIMPLE)
    assert err.value.reason == "weight"
    with pytest.raises(InvalidBallot) as err:
        majority.count([(Choice.YES, 0.5)], Threshold.SIMPLE)  # type: ignore[list-item]
    assert err.value.reason == "weight"


# --- plurality ---------------------------------------------------------------------------


def test_plurality_hand_count() -> None:
    ballots = [(0, 3), (1, 5), (2, 1), (1, F(1, 2)), (3, 2)]
    outcome = plurality.count(CANDIDATES, ballots)
    assert outcome.elected == ("Ben",)
    assert outcome.ranking == ("Ben", "Ana", "Dev", "Chloé")
    assert outcome.totals == {"Ana": 3, "Ben": F(11, 2), "Chloé": 1, "Dev": 2}
    assert outcome.ballots == F(23, 2)
    assert outcome.tie_breaks == ()


def test_plurality_tie_is_drawn_by_lot_and_recorded() -> None:
    ballots = [(0, 2), (1, 2), (2, 1)]
    first = plurality.count(CANDIDATES, ballots, seed="assembly-2026")
    again = plurality.count(CANDIDATES, ballots, seed="assembly-2026")
    assert first == again  # the lot is reproducible from its seed
    top = first.tie_breaks[0]
    assert top.among == ("Ana", "Ben")
    assert top.rule is TieRule.LOT and top.purpose == "elect" and top.seed == "assembly-2026"
    assert first.elected == (top.chosen,)
    assert set(first.ranking[:2]) == {"Ana", "Ben"}
    assert first.ranking[2] == "Chloé"


def test_plurality_with_no_votes_elects_nobody() -> None:
    outcome = plurality.count(CANDIDATES, [])
    assert outcome.elected == () and outcome.tie_breaks == ()
    assert outcome.ranking == CANDIDATES


def test_plurality_rejects_unknown_option() -> None:
    with pytest.raises(InvalidBallot) as err:
        plurality.count(CANDIDATES, [(4, 1)])
    assert err.value.reason == "unknown"
    with pytest.raises(InvalidBallot):
        plurality.count(CANDIDATES, [(True, 1)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unique"):
        plurality.count(("A", "A"), [])


# --- approval ----------------------------------------------------------------------------


def test_approval_hand_count() -> None:
    ballots = [({0, 1}, 1), ({1}, 1), ({1, 2, 3}, 2), (set(), 1)]
    outcome = approval.count(CANDIDATES, ballots)
    assert outcome.totals == {"Ana": 1, "Ben": 4, "Chloé": 2, "Dev": 2}
    assert outcome.elected == ("Ben",)
    assert outcome.ballots == 5  # the empty ballot still counts as cast


def test_approval_validate() -> None:
    assert approval.validate([2, 0], 4) == frozenset({0, 2})
    with pytest.raises(InvalidBallot) as err:
        approval.validate([0, 0], 4)
    assert err.value.reason == "duplicate"
    with pytest.raises(InvalidBallot) as err:
        approval.validate([5], 4)
    assert err.value.reason == "unknown"
    with pytest.raises(InvalidBallot) as err:
        approval.validate([], 4, minimum=1)
    assert err.value.reason == "too_few"
    with pytest.raises(InvalidBallot) as err:
        approval.validate([0, 1, 2], 4, maximum=2)
    assert err.value.reason == "too_many"


# --- score -------------------------------------------------------------------------------


def test_score_hand_count() -> None:
    ballots = [((5, 3, 0, 1), 1), ((2, 4, 5, 0), 1), ((0, 5, 1, 1), F(1, 2))]
    outcome = score.count(CANDIDATES, ballots)
    assert outcome.totals == {"Ana": 7, "Ben": F(19, 2), "Chloé": F(11, 2), "Dev": F(3, 2)}
    assert outcome.elected == ("Ben",)


def test_score_tie_goes_to_more_top_scores_then_lot() -> None:
    # Ana 5+0+5 = 10 with two fives; Ben 4+3+3 = 10 with none.
    ballots = [((5, 4, 0, 0), 1), ((0, 3, 0, 0), 1), ((5, 3, 0, 0), 1)]
    outcome = score.count(CANDIDATES, ballots, seed="s")
    assert outcome.elected == ("Ana",)
    assert outcome.tie_breaks[0] == TieBreak(
        ("Ana", "Ben"), "Ana", TieRule.MORE_TOP_SCORES, "elect"
    )
    # Equal totals and equal top scores: a lot, with its seed.
    level = [((5, 5, 1, 0), 1), ((3, 3, 0, 0), 1)]
    drawn = score.count(CANDIDATES, level, seed="s")
    assert drawn.tie_breaks[0].rule is TieRule.LOT
    assert drawn.tie_breaks[0].among == ("Ana", "Ben")
    assert drawn.tie_breaks[0].seed == "s"
    assert drawn.elected == (drawn.tie_breaks[0].chosen,)


def test_score_validate() -> None:
    assert score.validate([0, 5, 3, 1], 4) == (0, 5, 3, 1)
    for bad, reason in [([0, 6, 0, 0], "range"), ([0, -1, 0, 0], "range"), ([1, 2], "too_few")]:
        with pytest.raises(InvalidBallot) as err:
            score.validate(bad, 4)
        assert err.value.reason == reason
    with pytest.raises(InvalidBallot) as err:
        score.validate([0, 0, 0, 0, 0], 4)
    assert err.value.reason == "too_many"


# --- consensus ---------------------------------------------------------------------------


def test_block_without_reason_is_rejected() -> None:
    for reason in (None, "", "   "):
        with pytest.raises(InvalidBallot) as err:
            consensus.count([(Stance.AGREE, 1, None), (Stance.BLOCK, 1, reason)])
        assert err.value.reason == "reason_required"


def test_a_block_stops_the_proposal_and_is_explained() -> None:
    ballots = [
        (Stance.AGREE, 1, None),
        (Stance.AGREE, 1, None),
        (Stance.AGREE, 1, None),
        (Stance.BLOCK, 1, "  It breaks our data protection promise. "),
    ]
    outcome = consensus.count(ballots)
    assert not outcome.passed and outcome.elected == ()
    assert outcome.blocks == (Block("It breaks our data protection promise."),)
    assert outcome.totals["block"] == 1


def test_consensus_threshold_and_stand_aside() -> None:
    ballots = [(Stance.AGREE, 2, None), (Stance.DISAGREE, 1, None), (Stance.STAND_ASIDE, 5, None)]
    assert consensus.count(ballots, Threshold.TWO_THIRDS).passed  # 2 of 3, exactly
    assert not consensus.count(ballots, Threshold.THREE_QUARTERS).passed
    outcome = consensus.count(ballots)
    assert (outcome.agree, outcome.stand_aside, outcome.disagree) == (2, 5, 1)
    assert outcome.elected == ("agree",)


def test_consent_passes_only_when_nobody_objects() -> None:
    calm = [(Stance.AGREE, 1, None), (Stance.STAND_ASIDE, 1, None)]
    assert consensus.count(calm, consent=True).passed
    one_no = [*calm, (Stance.DISAGREE, 1, "not now")]
    assert not consensus.count(one_no, consent=True).passed
    # Two agree, one disagrees: plain consensus (more than half) passes, consent does not.
    assert consensus.count([(Stance.AGREE, 2, None), (Stance.DISAGREE, 1, None)]).passed
    assert not consensus.count(
        [(Stance.AGREE, 2, None), (Stance.DISAGREE, 1, None)], consent=True
    ).passed
    # Nobody answered: no consent.
    assert not consensus.count([], consent=True).passed
    # Standing aside alone is not an objection.
    assert consensus.count([(Stance.STAND_ASIDE, 1, None)], consent=True).passed


# --- time polls --------------------------------------------------------------------------

Y, M, N = Availability.YES, Availability.IF_NEED_BE, Availability.NO
SLOTS = ("Mon 18:00", "Tue 19:00", "Sat 11:00")


def test_time_poll_most_can_attend() -> None:
    ballots = [((Y, M, N), 1), ((N, Y, Y), 1), ((M, Y, N), 1)]
    outcome = timeslots.count(SLOTS, ballots)
    assert outcome.method == "time"
    assert outcome.elected == ("Tue 19:00",)  # all three can make Tuesday
    assert outcome.slots["Tue 19:00"].yes == 2 and outcome.slots["Tue 19:00"].if_need_be == 1
    assert outcome.slots["Mon 18:00"].can_attend == 2
    assert outcome.ranking == ("Tue 19:00", "Mon 18:00", "Sat 11:00")


def test_time_poll_tie_goes_to_more_yes_then_lot() -> None:
    # Monday and Tuesday: two can attend each; Tuesday has two plain yes, Monday one.
    ballots = [((Y, Y, N), 1), ((M, Y, N), 1)]
    outcome = timeslots.count(SLOTS, ballots)
    assert outcome.elected == ("Tue 19:00",)
    assert outcome.tie_breaks == (
        TieBreak(("Mon 18:00", "Tue 19:00"), "Tue 19:00", TieRule.MORE_YES, "elect"),
    )
    # Equal on both: a lot, seed recorded.
    level = [((Y, Y, N), 1), ((M, M, Y), 1)]
    drawn = timeslots.count(SLOTS, level, seed="meeting-7")
    (tie,) = drawn.tie_breaks
    assert tie.rule is TieRule.LOT and tie.seed == "meeting-7"
    assert tie.among == ("Mon 18:00", "Tue 19:00")
    assert drawn.elected == (tie.chosen,)


def test_time_poll_where_nobody_can_come_chooses_nothing() -> None:
    assert timeslots.count(SLOTS, [((N, N, N), 3)]).elected == ()


def test_time_poll_rejects_wrong_answers() -> None:
    with pytest.raises(InvalidBallot) as err:
        timeslots.count(SLOTS, [((Y, N), 1)])
    assert err.value.reason == "too_few"
    with pytest.raises(InvalidBallot) as err:
        timeslots.count(SLOTS, [((Y, N, "perhaps"), 1)])  # type: ignore[list-item]
    assert err.value.reason == "unknown"


# --- properties --------------------------------------------------------------------------

weights = st.integers(min_value=0, max_value=4)
n_options = 4


def expand(ballots: list[tuple[object, int]]) -> list[tuple[object, int]]:
    """Each ballot of weight w as w ballots of weight 1."""
    return [(answer, 1) for answer, weight in ballots for _ in range(weight)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, n_options - 1), weights), max_size=12), st.text(max_size=5)
)
def test_plurality_weight_two_is_two_ballots(ballots: list, seed: str) -> None:
    assert plurality.count(CANDIDATES, ballots, seed=seed) == plurality.count(
        CANDIDATES, expand(ballots), seed=seed
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.integers(0, n_options - 1)), weights), max_size=12))
def test_approval_weight_two_is_two_ballots(ballots: list) -> None:
    assert approval.count(CANDIDATES, ballots) == approval.count(CANDIDATES, expand(ballots))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.integers(0, 5), min_size=n_options, max_size=n_options), weights),
        max_size=10,
    )
)
def test_score_weight_two_is_two_ballots(ballots: list) -> None:
    assert score.count(CANDIDATES, ballots) == score.count(CANDIDATES, expand(ballots))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Choice)), weights), max_size=12),
    st.sampled_from(list(Threshold)),
)
def test_majority_weight_two_is_two_ballots(ballots: list, threshold: Threshold) -> None:
    assert majority.count(ballots, threshold) == majority.count(expand(ballots), threshold)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(list(Availability)), min_size=3, max_size=3), weights),
        max_size=10,
    )
)
def test_time_poll_weight_two_is_two_ballots(ballots: list) -> None:
    assert timeslots.count(SLOTS, ballots) == timeslots.count(SLOTS, expand(ballots))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([Stance.AGREE, Stance.STAND_ASIDE, Stance.DISAGREE]), weights),
        max_size=12,
    ),
    st.booleans(),
)
def test_consensus_weight_two_is_two_ballots(ballots: list, consent: bool) -> None:
    with_reasons = [(stance, weight, None) for stance, weight in ballots]
    expanded = [(stance, weight, None) for stance, weight in expand(ballots)]
    one = consensus.count(with_reasons, consent=consent)
    other = consensus.count(expanded, consent=consent)
    assert one.passed == other.passed and one.totals == other.totals


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, n_options - 1), st.fractions(0, 5)), max_size=12),
    st.text(max_size=5),
)
def test_single_approvals_are_plurality(ballots: list, seed: str) -> None:
    as_approvals = [({choice}, weight) for choice, weight in ballots]
    by_approval = approval.count(CANDIDATES, as_approvals, seed=seed)
    by_plurality = plurality.count(CANDIDATES, ballots, seed=seed)
    assert by_approval.elected == by_plurality.elected
    assert by_approval.ranking == by_plurality.ranking
    assert by_approval.totals == by_plurality.totals
    assert by_approval.tie_breaks == by_plurality.tie_breaks


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Choice)), st.fractions(0, 10)), max_size=12),
    st.sampled_from(list(Threshold)),
)
def test_majority_passes_exactly_when_the_share_is_reached(
    ballots: list, threshold: Threshold
) -> None:
    outcome = majority.count(ballots, threshold)
    yes, no = outcome.yes, outcome.no
    share = yes / (yes + no) if yes + no else None
    expected = {
        Threshold.SIMPLE: share is not None and share > F(1, 2),
        Threshold.TWO_THIRDS: share is not None and share >= F(2, 3),
        Threshold.THREE_QUARTERS: share is not None and share >= F(3, 4),
        Threshold.UNANIMITY: no == 0 and yes > 0,
    }[threshold]
    assert outcome.passed is expected
