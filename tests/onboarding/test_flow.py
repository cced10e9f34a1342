"""The onboarding state machine on its own: paths, back / skip, validation, stale moves."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.onboarding import flow
from core.onboarding.flow import (
    MAX_BIO,
    MAX_NAME,
    Answers,
    ButtonsOnly,
    ChapterGone,
    EmptyAnswer,
    FlowError,
    Incomplete,
    NotAnImage,
    NotOneLine,
    NotOptional,
    NoWayBack,
    PhotoTooLarge,
    State,
    Step,
    StepOver,
    TooLong,
    UnknownChoice,
    UnknownCountry,
    UnknownTimezone,
)

LANGUAGES = ("en", "es", "ar")
COUNTRIES = {"GB", "ES", "TN"}
CHAPTERS = {4, 5}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32


def through_place() -> State:
    """Language, about, country GB, chapter 4: at the name step."""
    state = flow.choose_language(State(), "en", LANGUAGES)
    state = flow.agree(state)
    state = flow.choose_country(state, "GB", COUNTRIES)
    return flow.choose_chapter(state, 4, CHAPTERS)


def to_summary() -> State:
    state = through_place()
    state = flow.give_text(state, "Sam")
    state = flow.skip(state)  # bio
    state = flow.skip(state)  # photo
    state = flow.confirm_timezone(state, "Europe/London")
    state = flow.skip(state)  # help with
    state = flow.consent(state)
    return flow.choose_announce(state, True)


def test_the_path_of_someone_joining_a_chapter() -> None:
    assert flow.sequence(Answers()) == (
        Step.LANGUAGE,
        Step.ABOUT,
        Step.COUNTRY,
        Step.CHAPTER,
        Step.NAME,
        Step.BIO,
        Step.PHOTO,
        Step.TIMEZONE,
        Step.HELP,
        Step.CONSENT,
        Step.ANNOUNCE,
        Step.SUMMARY,
    )
    state = to_summary()
    assert state.step is Step.SUMMARY
    assert state.answers == Answers(
        language="en",
        agreed=True,
        country="GB",
        chapter_id=4,
        name="Sam",
        timezone="Europe/London",
        consented=True,
        announce=True,
    )
    assert flow.missing(state.answers) == []
    assert flow.submit(state) == state


def test_starting_a_chapter_adds_its_questions_and_drops_the_chat_welcome() -> None:
    state = flow.agree(flow.choose_language(State(), "es", LANGUAGES))
    state = flow.propose_chapter(flow.choose_country(state, "ES", COUNTRIES))
    assert state.step is Step.PROPOSE_NAME
    state = flow.give_text(state, "Valencia – Russafa")
    state = flow.give_text(state, "Valencia")
    assert state.step is Step.PROPOSE_REGION
    state = flow.choose_region(state, 9, {8, 9})
    assert state.step is Step.NAME
    steps = flow.sequence(state.answers)
    assert Step.ANNOUNCE not in steps
    assert steps[steps.index(Step.CHAPTER) + 1 :][:3] == (
        Step.PROPOSE_NAME,
        Step.PROPOSE_CITY,
        Step.PROPOSE_REGION,
    )
    with pytest.raises(UnknownChoice):
        flow.choose_region(replace(state, step=Step.PROPOSE_REGION), 99, {8, 9})


def test_a_country_without_branches_proposes_the_first_chapter_there() -> None:
    state = flow.agree(flow.choose_language(State(), "en", LANGUAGES))
    state = flow.country_unlisted(state)
    assert state.step is Step.PROPOSE_NAME
    assert state.answers.unlisted and state.answers.proposing
    assert Step.CHAPTER not in flow.sequence(state.answers)
    assert Step.PROPOSE_REGION not in flow.sequence(state.answers)
    state = flow.give_text(flow.give_text(state, "Lisboa – Graça"), "Lisboa")
    assert state.step is Step.NAME
    assert flow.back(flow.back(state)).step is Step.PROPOSE_NAME


def test_back_walks_the_path_and_stops_at_the_start() -> None:
    state = to_summary()
    seen = [state.step]
    while state.step is not Step.LANGUAGE:
        state = flow.back(state)
        seen.append(state.step)
    assert seen == list(reversed(flow.sequence(state.answers)))
    with pytest.raises(NoWayBack):
        flow.back(state)
    # Going back keeps the answers: they are offered again ("Keep …").
    assert state.answers.name == "Sam"


def test_skip_only_where_optional_and_it_clears_the_earlier_answer() -> None:
    state = flow.give_text(through_place(), "Sam")
    state = flow.give_text(state, "I cook.")
    assert state.answers.bio == "I cook."
    state = flow.skip(flow.back(state))
    assert state.answers.bio is None and state.step is Step.PHOTO
    for step in (Step.NAME, Step.TIMEZONE, Step.CONSENT, Step.COUNTRY, Step.SUMMARY):
        with pytest.raises(NotOptional):
            flow.skip(replace(state, step=step))


def test_keep_moves_on_only_with_an_answer_to_keep() -> None:
    state = flow.give_text(through_place(), "Sam")
    back = flow.back(state)
    assert flow.keep(back).step is Step.BIO
    with pytest.raises(UnknownChoice):
        flow.keep(state)  # the bio has no answer yet
    with pytest.raises(UnknownChoice):
        flow.keep(replace(state, step=Step.CONSENT))


def test_every_move_checks_its_step() -> None:
    state = through_place()  # at the name step
    moves = [
        lambda s: flow.choose_language(s, "es", LANGUAGES),
        flow.agree,
        lambda s: flow.choose_country(s, "ES", COUNTRIES),
        flow.country_unlisted,
        lambda s: flow.choose_chapter(s, 5, CHAPTERS),
        flow.propose_chapter,
        lambda s: flow.choose_region(s, 1, {1}),
        lambda s: flow.give_photo(s, flow.Photo("fake", "f1", "image/png")),
        lambda s: flow.confirm_timezone(s, "UTC"),
        flow.consent,
        lambda s: flow.choose_announce(s, True),
        flow.submit,
    ]
    for move in moves:
        with pytest.raises(StepOver):
            move(state)


def test_a_new_country_forgets_the_chapter_and_its_time_zone() -> None:
    state = flow.confirm_timezone(
        flow.skip(flow.skip(flow.give_text(through_place(), "Sam"))), "Europe/London"
    )
    at_country = replace(state, step=Step.COUNTRY)
    same = flow.choose_country(at_country, "GB", COUNTRIES)
    assert same.answers.chapter_id == 4 and same.answers.timezone == "Europe/London"
    other = flow.choose_country(at_country, "TN", COUNTRIES)
    assert other.answers.chapter_id is None and other.answers.timezone is None
    assert other.step is Step.CHAPTER
    with pytest.raises(UnknownCountry):
        flow.choose_country(at_country, "ZZ", COUNTRIES)
    with pytest.raises(ChapterGone):
        flow.choose_chapter(replace(state, step=Step.CHAPTER), 77, CHAPTERS)


def test_an_invite_preselects_the_chapter_and_skips_the_place_questions() -> None:
    state = flow.preset_chapter(State(), 5, "GB")
    assert state.step is Step.LANGUAGE and state.answers.invited
    state = flow.agree(flow.choose_language(state, "en", LANGUAGES))
    assert state.step is Step.NAME
    assert flow.back(state).step is Step.CHAPTER  # they can still choose another
    # Arriving by invite while at the place questions moves on to the name.
    at_country = flow.agree(flow.choose_language(State(), "en", LANGUAGES))
    assert flow.preset_chapter(at_country, 5, "GB").step is Step.NAME
    # A country suggestion only fills an empty answer.
    assert flow.preset_country(State(), "ES").answers.country == "ES"
    assert flow.preset_country(through_place(), "ES").answers.country == "GB"


def test_text_answers_are_stored_as_given_within_their_limits() -> None:
    at_name = through_place()
    for typed in ("<b>Sam</b>", "@everyone", "Ana María O'Neil", "سامي", "  Sam  "):
        assert flow.give_text(at_name, typed).answers.name == typed.strip()
    with pytest.raises(TooLong) as too_long:
        flow.give_text(at_name, "x" * (MAX_NAME + 1))
    assert too_long.value.message.params == {"limit": MAX_NAME, "length": MAX_NAME + 1}
    assert flow.give_text(at_name, "x" * MAX_NAME).answers.name == "x" * MAX_NAME
    for bad in ("", "   ", "\n"):
        with pytest.raises(EmptyAnswer):
            flow.give_text(at_name, bad)
    for bad in ("Sam\nSmith", "Sam\x00", "Sam\x1b[31m"):
        with pytest.raises(NotOneLine):
            flow.give_text(at_name, bad)
    at_bio = flow.give_text(at_name, "Sam")
    bio = "Line one.\nLine two with *stars* and [links](x)."
    assert flow.give_text(at_bio, bio).answers.bio == bio
    with pytest.raises(TooLong):
        flow.give_text(at_bio, "y" * (MAX_BIO + 1))
    with pytest.raises(ButtonsOnly):
        flow.give_text(State(), "English please")


def test_time_zones_are_iana_names_in_their_canonical_spelling() -> None:
    assert flow.check_timezone("Europe/Lisbon") == "Europe/Lisbon"
    assert flow.check_timezone(" europe/lisbon ") == "Europe/Lisbon"
    assert flow.check_timezone("america/sao paulo") == "America/Sao_Paulo"
    assert flow.check_timezone("UTC") == "UTC"
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "Europe/" + "x" * 80, "Europe/\x00"):
        with pytest.raises(UnknownTimezone):
            flow.check_timezone(bad)


def test_photos_keep_the_reference_and_store_bytes_only_without_one() -> None:
    assert flow.check_photo("telegram", "AgAD-42", "image/jpeg", None) == flow.Photo(
        "telegram", "AgAD-42", "image/jpeg"
    )
    # A reference and bytes: the reference is kept, the bytes are not stored.
    assert flow.check_photo("matrix", "mxc://x/y", None, PNG).data is None
    stored = flow.check_photo("discord", "", "image/png", PNG)
    assert (stored.ref, stored.data, stored.mime) == (None, PNG, "image/png")
    assert flow.check_photo("discord", "", None, JPEG).mime == "image/jpeg"
    assert flow.check_photo("x", "f", "image/JPG; q=1", None).mime == "image/jpeg"
    for file_id, mime, data in [
        ("f", "application/pdf", None),
        ("f", "image/svg+xml", None),  # an image type that can carry script
        ("", "image/png", b"%PDF-1.7 not a picture"),
        ("", "image/jpeg", PNG),  # declared and actual types disagree
        ("f", None, None),  # nothing says it is an image
        ("", "image/png", None),  # nothing to keep
    ]:
        with pytest.raises(NotAnImage):
            flow.check_photo("x", file_id, mime, data)
    with pytest.raises(PhotoTooLarge):
        flow.check_photo("x", "", "image/png", PNG + b"\0" * flow.MAX_PHOTO_BYTES)


def test_the_summary_needs_every_required_answer() -> None:
    state = to_summary()
    for broken in (
        replace(state.answers, consented=False),
        replace(state.answers, name=None),
        replace(state.answers, chapter_id=None),
        replace(state.answers, timezone=None),
    ):
        with pytest.raises(Incomplete):
            flow.submit(State(Step.SUMMARY, broken))


def test_a_stored_step_off_its_path_restarts_it() -> None:
    odd = State(Step.PROPOSE_REGION, Answers(language="en"))  # not proposing
    assert flow.normalise(odd).step is Step.LANGUAGE
    assert flow.normalise(to_summary()) == to_summary()


# --------------------------------------------------------------------- properties

MOVES = st.lists(
    st.sampled_from(
        [
            "back",
            "skip",
            "keep",
            "language",
            "agree",
            "country",
            "other-country",
            "unlisted",
            "chapter",
            "gone-chapter",
            "propose",
            "region",
            "text",
            "long-text",
            "photo",
            "zone",
            "bad-zone",
            "consent",
            "announce",
            "submit",
        ]
    ),
    max_size=60,
)


def _apply(state: State, move: str) -> State:
    actions = {
        "back": flow.back,
        "skip": flow.skip,
        "keep": flow.keep,
        "language": lambda s: flow.choose_language(s, "ar", LANGUAGES),
        "agree": flow.agree,
        "country": lambda s: flow.choose_country(s, "GB", COUNTRIES),
        "other-country": lambda s: flow.choose_country(s, "TN", COUNTRIES),
        "unlisted": flow.country_unlisted,
        "chapter": lambda s: flow.choose_chapter(s, 4, CHAPTERS),
        "gone-chapter": lambda s: flow.choose_chapter(s, 99, CHAPTERS),
        "propose": flow.propose_chapter,
        "region": lambda s: flow.choose_region(s, 1, {1}),
        "text": lambda s: flow.give_text(s, "Europe/Athens" if s.step is Step.TIMEZONE else "ok"),
        "long-text": lambda s: flow.give_text(s, "x" * 600),
        "photo": lambda s: flow.give_photo(s, flow.Photo("fake", "f", "image/png")),
        "zone": lambda s: flow.confirm_timezone(s, "Africa/Tunis"),
        "bad-zone": lambda s: flow.confirm_timezone(s, "Nowhere/Land"),
        "consent": flow.consent,
        "announce": lambda s: flow.choose_announce(s, False),
        "submit": flow.submit,
    }
    return actions[move](state)


@settings(max_examples=300, deadline=None)
@given(MOVES)
def test_any_sequence_of_presses_stays_on_a_valid_path(moves: list[str]) -> None:
    state = State()
    for move in moves:
        try:
            new = _apply(state, move)
        except FlowError:
            continue  # refused: the state is unchanged (the caller rolls back)
        assert new.step in flow.sequence(new.answers)
        if new.answers.unlisted:
            assert new.answers.proposing and new.answers.country is None
        if not new.answers.proposing:
            assert new.answers.proposed_name is None and new.answers.proposed_city is None
        else:
            assert new.answers.chapter_id is None
        if move == "submit":
            assert flow.missing(new.answers) == []
        state = new


@given(st.text(max_size=80))
def test_a_name_is_accepted_exactly_when_it_fits(text: str) -> None:
    at_name = through_place()
    value = text.strip()
    try:
        result = flow.give_text(at_name, text)
    except (EmptyAnswer, NotOneLine, TooLong):
        assert (
            not value
            or len(value) > MAX_NAME
            or any(unicodedata.category(ch) == "Cc" for ch in value)
        )
        return
    assert result.answers.name == value
    assert 0 < len(value) <= MAX_NAME
