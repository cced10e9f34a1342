"""The explanation under a result, as members read it in English, German and Arabic.

English is checked word for word. German and Arabic are checked for what does not depend on
how the lead translates the sentences: the names, the numbers in the reader's notation, the
blocks' reasons, the seed, and each sentence as the reader's catalog renders it.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.decisions.explain import LIMIT, explain
from core.decisions.methods import consensus, majority, plurality, score, timeslots
from core.decisions.methods.consensus import Stance
from core.decisions.methods.majority import Choice
from core.decisions.methods.timeslots import Availability
from core.decisions.methods.types import (
    Outcome,
    Round,
    SchulzeOutcome,
    Threshold,
    TieBreak,
    TieRule,
    Transfer,
)
from core.i18n.catalogs import Catalogs
from core.i18n.message import _
from core.i18n.translator import Translator

F = Fraction
FSI, PDI = "\u2068", "\u2069"


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(("en", "de", "ar"))


@pytest.fixture(scope="module")
def en(catalogs: Catalogs) -> Translator:
    return catalogs.get("en")


@pytest.fixture(scope="module")
def de(catalogs: Catalogs) -> Translator:
    return catalogs.get("de")


@pytest.fixture(scope="module")
def ar(catalogs: Catalogs) -> Translator:
    return catalogs.get("ar")


def stv_outcome() -> Outcome:
    """Two seats among three, with a fractional surplus transfer and a tie by lot."""
    return Outcome(
        method="stv",
        seats=2,
        elected=("Ana", "Ben"),
        ballots=F(10),
        rounds=(
            Round(
                number=1,
                tallies={"Ana": F(5), "Ben": F(3), "Chloé": F(2)},
                exhausted=F(0),
                elected=("Ana",),
                quota=F(10, 3),
                transfer=Transfer(
                    "Ana", "surplus", F(1, 3), {"Ben": F(4, 3), "Chloé": F(1, 3)}, F(0)
                ),
            ),
            Round(
                number=2,
                tallies={"Ben": F(25, 2), "Chloé": F(25, 2)},
                exhausted=F(1, 3),
                elected=("Ben",),
                eliminated=("Chloé",),
                quota=F(10, 3),
                tie_break=TieBreak(
                    ("Ben", "Chloé"), "Chloé", TieRule.LOT, "eliminate", "vote-9", 2
                ),
            ),
        ),
        tie_breaks=(TieBreak(("Ben", "Chloé"), "Chloé", TieRule.LOT, "eliminate", "vote-9", 2),),
        seed="vote-9",
    )


def test_stv_in_english(en: Translator) -> None:
    text = explain(stv_outcome(), en)
    assert text.splitlines() == [
        "Elected: Ana and Ben",
        "Method: single transferable vote",
        "10 ballots counted.",
        "Quota to be elected: 3.33333.",
        "Round 1: Ana 5 · Ben 3 · Chloé 2. Ana is elected. Ana's surplus moves on at a value "
        "of 0.33333: Ben +1.33333 · Chloé +0.33333.",
        "Round 2: Ben 12.5 · Chloé 12.5; exhausted 0.33333. Tie between Ben and Chloé for "
        "elimination: a lot drawn with seed “vote-9” eliminated Chloé. Ben is elected. "
        "Chloé is eliminated.",
    ]


def test_stv_in_german_uses_decimal_commas(de: Translator) -> None:
    text = explain(stv_outcome(), de)
    assert "Ana und Ben" in text  # the locale's own list
    assert "Ben 12,5 · Chloé 12,5" in text
    assert "3,33333" in text and "+1,33333" in text
    assert "12.5" not in text
    assert "“vote-9”" in text or "vote-9" in text


def test_stv_in_arabic_isolates_names(ar: Translator) -> None:
    text = explain(stv_outcome(), ar)
    assert f"{FSI}Ana{PDI}" in text and f"{FSI}Chloé{PDI}" in text
    assert "vote-9" in text
    assert ar.render(_("Winner: {name}", name="x")) not in text  # two seats: not "winner"
    lines = text.splitlines()
    assert lines[0] == ar.render(_("Elected: {names}", names=f"{FSI}Ana{PDI} و{FSI}Ben{PDI}"))


def test_majority_threshold_and_quorum(en: Translator, de: Translator, ar: Translator) -> None:
    outcome = majority.count(
        [(Choice.YES, F(25, 2)), (Choice.NO, 5), (Choice.ABSTAIN, 2)], Threshold.TWO_THIRDS
    )
    assert explain(outcome, en, quorum_met=False).splitlines() == [
        "Quorum not met, so the result does not stand.",
        "The proposal passed.",
        "Method: majority vote",
        "Yes: 12.5 · No: 5 · Abstain: 2",
        "Needed: at least two thirds of the votes for and against; 71.4% were for.",
    ]
    assert "Quorum met." in explain(outcome, en, quorum_met=True).splitlines()
    assert "Quorum" not in explain(outcome, en)
    german = explain(outcome, de, quorum_met=False)
    assert german.splitlines()[0] == de.render(_("Quorum not met, so the result does not stand."))
    assert "12,5" in german and "71,4\xa0%" in german  # German: comma, no-break space before %
    arabic = explain(outcome, ar, quorum_met=False)
    assert arabic.splitlines()[0] == ar.render(_("Quorum not met, so the result does not stand."))
    assert "12.5" in arabic or "١٢٫٥" in arabic


def test_majority_exact_half_does_not_pass(en: Translator) -> None:
    outcome = majority.count([(Choice.YES, 3), (Choice.NO, 3)], Threshold.SIMPLE)
    assert explain(outcome, en).splitlines()[-2:] == [
        "Yes: 3 · No: 3 · Abstain: 0",
        "Needed: more than half of the votes for and against; 50% were for.",
    ]
    assert explain(outcome, en).startswith("The proposal did not pass.")


def test_consensus_blocks_with_their_reasons(en: Translator, de: Translator) -> None:
    outcome = consensus.count(
        [
            (Stance.AGREE, 3, None),
            (Stance.BLOCK, 1, "It breaks our data promise"),
            (Stance.BLOCK, 2, "We cannot pay for it"),
        ]
    )
    assert explain(outcome, en).splitlines() == [
        "The proposal did not pass.",
        "Method: consensus",
        "Agree: 3 · Stand aside: 0 · Disagree: 0 · Block: 3",
        "Blocked, for these 2 reasons:",
        "• “It breaks our data promise”",
        "• “We cannot pay for it” (×2)",
    ]
    german = explain(outcome, de)
    assert "• “It breaks our data promise”" in german  # the member's words, untranslated
    assert german.splitlines()[0] == de.render(_("The proposal did not pass."))


def test_consent_variant(en: Translator) -> None:
    objected = consensus.count([(Stance.AGREE, 3, None), (Stance.DISAGREE, 1, None)], consent=True)
    assert explain(objected, en).splitlines()[1:] == [
        "Method: consent",
        "Agree: 3 · Stand aside: 0 · Disagree: 1 · Block: 0",
        "Consent needs that nobody objects; 1 disagreed.",
    ]
    calm = consensus.count([(Stance.AGREE, 3, None)], consent=True)
    assert explain(calm, en).splitlines()[0] == "The proposal passed."
    assert explain(calm, en).splitlines()[-1] == "Nobody objected."
    assert explain(consensus.count([], consent=True), en).splitlines()[-1] == "Nobody answered."


def test_time_poll(en: Translator, de: Translator) -> None:
    y, m, n = Availability.YES, Availability.IF_NEED_BE, Availability.NO
    ballots = [((y, y), 1), ((m, y), F(1, 2)), ((y, n), 1)]
    outcome = timeslots.count(("Mon 18:00", "Tue 19:00"), ballots)
    assert explain(outcome, en).splitlines() == [
        "Chosen time: Mon 18:00",
        "Method: time poll",
        "Ballots counted, by weight: 2.5.",
        "✓ Mon 18:00: 2 yes, 0.5 if need be, 0 no",
        "• Tue 19:00: 1.5 yes, 0 if need be, 1 no",
    ]
    assert "0,5" in explain(outcome, de)


def test_time_poll_tie_by_more_yes(en: Translator) -> None:
    y, m = Availability.YES, Availability.IF_NEED_BE
    outcome = timeslots.count(("Mon", "Tue"), [((y, y), 1), ((m, y), 1)])
    assert explain(outcome, en).splitlines()[-1] == (
        "Tie between Mon and Tue: more people said a plain yes to Tue."
    )


def test_plurality_tie_by_lot_names_the_seed(en: Translator) -> None:
    outcome = plurality.count(("Ana", "Ben", "Chloé"), [(0, 2), (1, 2), (2, 1)], seed="assembly")
    winner = outcome.elected[0]
    assert explain(outcome, en).splitlines() == [
        f"Winner: {winner}",
        "Method: plurality (most votes wins)",
        "5 ballots counted.",
        "Votes: Ana 2 · Ben 2 · Chloé 1",
        f"Tie between Ana and Ben: a lot drawn with seed “assembly” chose {winner}.",
    ]


def test_score_tie_by_top_scores(en: Translator) -> None:
    outcome = score.count(("Ana", "Ben"), [((5, 4), 1), ((0, 3), 1), ((5, 3), 1)])
    lines = explain(outcome, en).splitlines()
    assert lines[0] == "Winner: Ana"
    assert "Points: Ana 10 · Ben 10" in lines
    assert lines[-1] == "Tie between Ana and Ben: Ana was given the top score more often."


def test_nobody_voted(en: Translator) -> None:
    outcome = plurality.count(("Ana", "Ben"), [])
    assert explain(outcome, en).splitlines()[:3] == [
        "Nobody was elected: no option received any support.",
        "Method: plurality (most votes wins)",
        "0 ballots counted.",
    ]


def test_schulze_table_and_condorcet_winner(en: Translator, ar: Translator) -> None:
    outcome = SchulzeOutcome(
        method="schulze",
        seats=1,
        elected=("Ana",),
        ranking=("Ana", "Ben", "Chloé"),
        ballots=F(5),
        pairwise={
            "Ana": {"Ben": F(3), "Chloé": F(4)},
            "Ben": {"Ana": F(2), "Chloé": F(3)},
            "Chloé": {"Ana": F(1), "Ben": F(2)},
        },
        condorcet_winner="Ana",
    )
    assert explain(outcome, en).splitlines() == [
        "Winner: Ana",
        "Method: Schulze method",
        "5 ballots counted.",
        "Condorcet winner: Ana beats every other option head to head.",
        "Order: Ana > Ben > Chloé",
        "Head to head (ballots preferring one over the other):",
        "Ana 3 – 2 Ben",
        "Ana 4 – 1 Chloé",
        "Ben 3 – 2 Chloé",
    ]
    arabic = explain(outcome, ar)
    assert f"{FSI}Ana{PDI} 4 – 1 {FSI}Chloé{PDI}" in arabic
    no_winner = SchulzeOutcome(
        method="schulze", seats=1, elected=("Ana",), ranking=("Ana", "Ben"), condorcet_winner=None
    )
    assert (
        "No option beats every other head to head; the strongest paths decide."
        in explain(no_winner, en).splitlines()
    )


def long_count(rounds: int) -> Outcome:
    """An IRV count with many rounds and long names, to hit the size limit."""
    names = [f"Candidate number {i} with a rather long name" for i in range(rounds + 1)]
    history = []
    for r in range(rounds):
        alive = names[r:]
        history.append(
            Round(
                number=r + 1,
                tallies={name: F(100 + i) for i, name in enumerate(alive)},
                exhausted=F(r),
                eliminated=(alive[0],) if r < rounds - 1 else (),
                elected=(alive[-1],) if r == rounds - 1 else (),
            )
        )
    return Outcome(
        method="irv", seats=1, elected=(names[-1],), ballots=F(5000), rounds=tuple(history)
    )


def test_long_counts_are_cut_to_chat_size(en: Translator, de: Translator) -> None:
    outcome = long_count(40)
    text = explain(outcome, en)
    assert len(text) <= LIMIT
    lines = text.splitlines()
    hidden = [line for line in lines if line.startswith("… ")]
    assert len(hidden) == 1
    shown = [line for line in lines if line.startswith("Round ")]
    assert hidden[0] == f"… {40 - len(shown)} more rounds"
    # The decisive last round is always shown, right after the cut.
    assert lines[-1].startswith("Round 40: ")
    assert lines[-1].endswith("Candidate number 40 with a rather long name is elected.")
    assert lines[-2] == hidden[0]
    assert len(explain(outcome, de)) <= LIMIT
    # Short counts are not cut.
    assert "more round" not in explain(long_count(3), en)


def test_one_more_round_is_singular(en: Translator) -> None:
    # Find a size where exactly one round is hidden, to check the singular.
    for rounds in range(3, 40):
        text = explain(long_count(rounds), en)
        if "more round" in text:
            break
    lines = text.splitlines()
    cut = next(line for line in lines if line.startswith("… "))
    hidden = int(cut.split()[1])
    assert cut == ("… 1 more round" if hidden == 1 else f"… {hidden} more rounds")
