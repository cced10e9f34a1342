"""The onboarding conversation as a pure state machine: steps, moves and validation.

Values in, values out: nothing here touches a database or a platform, so every transition
is tested on its own (``tests/onboarding/test_flow.py``). The capability
(:mod:`core.onboarding.handlers`) loads a :class:`State` from the application row, applies
one move, stores the result and shows the new step.

The steps, in order (some only on some paths)::

    language → about (read, then "I want to join") → country → chapter
      [→ proposed chapter's name → its city → its region]   (when starting a chapter)
    → name → bio? → photo? → time zone → help with? → consent → announce → summary

``?`` marks the optional steps (they have Skip). Back goes to the previous step of the same
path; Cancel is the handler's business (it closes the application). Every move checks that
it is made at its own step, so a stale button can never write an answer into another step.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from core.errors import UserError
from core.i18n.message import _

MAX_NAME = 64
MAX_BIO = 500
MAX_HELP = 500
MAX_CHAPTER_NAME = 64
MAX_CITY = 64
MAX_TIMEZONE = 64
MAX_MESSAGE = 1000  # an organiser's question or reason, an applicant's answer
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_REF = 255


class Step(StrEnum):
    """The steps; the values are short codes carried by buttons and stored on the row."""

    LANGUAGE = "l"
    ABOUT = "a"
    COUNTRY = "c"
    CHAPTER = "h"
    PROPOSE_NAME = "pn"
    PROPOSE_CITY = "pc"
    PROPOSE_REGION = "pr"
    NAME = "n"
    BIO = "b"
    PHOTO = "p"
    TIMEZONE = "t"
    HELP = "w"
    CONSENT = "k"
    ANNOUNCE = "m"
    SUMMARY = "s"


OPTIONAL_STEPS = frozenset({Step.BIO, Step.PHOTO, Step.HELP})
"""Steps with a Skip button."""

TEXT_STEPS = frozenset(
    {Step.PROPOSE_NAME, Step.PROPOSE_CITY, Step.NAME, Step.BIO, Step.TIMEZONE, Step.HELP}
)
"""Steps answered by typing (the time zone also by a button)."""

# Only these are accepted as photos: formats every platform shows, none of them scriptable
# (SVG is an image type that can carry script, so it is refused).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_MIME_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


@dataclass(frozen=True)
class Photo:
    """A photo as kept: the platform's reference, or the bytes where there is none.

    Attributes:
        platform: The platform it was sent on (a reference is only valid there).
        ref: The platform's stable file reference, if any.
        mime: The image type.
        data: The bytes, only when the platform offered no stable reference.
    """

    platform: str
    ref: str | None
    mime: str
    data: bytes | None = None


@dataclass(frozen=True)
class Answers:
    """What the newcomer has answered so far.

    Attributes:
        language: The language chosen at the first step.
        agreed: They read what the organisation is and want to join.
        country: ISO 3166 code of their country (None when not listed or not answered).
        unlisted: Their country has no branch yet ("my country is not listed").
        chapter_id: The chapter chosen (a local branch id).
        invited: The chapter came from an invite link or the chat they joined.
        proposing: They start a new chapter instead of joining one.
        proposed_name: The new chapter's name.
        proposed_city: The city it meets in.
        proposed_parent_id: The branch it will belong to (a region, or the country).
        name: The name to show other members.
        bio: A few words about themselves.
        photo: Their photo.
        timezone: Their IANA time zone.
        help_with: What they would like to help with.
        consented: They agreed to how their data is used.
        announce: They may be welcomed by name in the chapter's chat.
    """

    language: str | None = None
    agreed: bool = False
    country: str | None = None
    unlisted: bool = False
    chapter_id: int | None = None
    invited: bool = False
    proposing: bool = False
    proposed_name: str | None = None
    proposed_city: str | None = None
    proposed_parent_id: int | None = None
    name: str | None = None
    bio: str | None = None
    photo: Photo | None = None
    timezone: str | None = None
    help_with: str | None = None
    consented: bool = False
    announce: bool | None = None


@dataclass(frozen=True)
class State:
    """Where an application stands: the step shown and the answers given."""

    step: Step = Step.LANGUAGE
    answers: Answers = Answers()


# ----------------------------------------------------------------- errors


class FlowError(UserError):
    """An answer the current step cannot take; nothing is changed."""


class StepOver(FlowError):
    """A move made at a step the application is no longer at (a stale button)."""

    def __init__(self) -> None:
        super().__init__(_("That step is over."))


class NotOptional(FlowError):
    """Skip pressed at a required step."""

    def __init__(self) -> None:
        super().__init__(_("This step can't be skipped."))


class NoWayBack(FlowError):
    """Back pressed at the first step."""

    def __init__(self) -> None:
        super().__init__(_("This is the first step: there is nothing before it."))


class UnknownChoice(FlowError):
    """A choice that is not (or no longer) on offer."""

    def __init__(self) -> None:
        super().__init__(_("That choice is not available any more. Please choose again."))


class UnknownCountry(FlowError):
    """A country where the organisation has no branch."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "We have no branch in that country. Choose another one, or “My country is "
                "not listed”."
            )
        )


class ChapterGone(FlowError):
    """A chapter that was removed (or moved) since the list was shown."""

    def __init__(self) -> None:
        super().__init__(
            _("That chapter is no longer available. Please choose one of the chapters below.")
        )


class EmptyAnswer(FlowError):
    """Nothing (or only spaces) was typed."""

    def __init__(self) -> None:
        super().__init__(_("That was empty. Please type your answer."))


class TooLong(FlowError):
    """An answer over its length limit."""

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(
            _(
                "That is too long: at most {limit} characters, please (yours has {length}).",
                limit=limit,
                length=length,
            )
        )


class NotOneLine(FlowError):
    """A line break or control character in a one-line answer."""

    def __init__(self) -> None:
        super().__init__(_("Please keep this to one line."))


class BadCharacters(FlowError):
    """Control characters in a text (they can only be there by accident, or to harm)."""

    def __init__(self) -> None:
        super().__init__(_("That text contains characters I can't store. Please type it again."))


class UnknownTimezone(FlowError):
    """A time zone name the IANA database does not know."""

    def __init__(self, given: str) -> None:
        super().__init__(
            _(
                "I don't know the time zone “{zone}”. Use a name like Europe/Lisbon or "
                "America/Sao_Paulo.",
                zone=given[:MAX_TIMEZONE],
            )
        )


class NotAnImage(FlowError):
    """A file that is not a JPEG, PNG, GIF or WebP image."""

    def __init__(self) -> None:
        super().__init__(_("That is not a photo I can use. Please send a JPEG, PNG or WebP image."))


class PhotoTooLarge(FlowError):
    """An image over the size kept in the database."""

    def __init__(self) -> None:
        super().__init__(
            _("That photo is too large (at most {size} MB).", size=MAX_PHOTO_BYTES // 2**20)
        )


class ButtonsOnly(FlowError):
    """Text typed at a step answered with buttons."""

    def __init__(self) -> None:
        super().__init__(_("Please answer this step with one of the buttons."))


class Incomplete(FlowError):
    """A summary sent while a required answer is missing."""

    def __init__(self) -> None:
        super().__init__(_("Some required answers are missing. Please go back and fill them in."))


# ----------------------------------------------------------------- paths


def sequence(answers: Answers) -> tuple[Step, ...]:
    """The steps of the path these answers are on, in order."""
    steps = [Step.LANGUAGE, Step.ABOUT, Step.COUNTRY]
    if not answers.unlisted:
        steps.append(Step.CHAPTER)
    if answers.proposing:
        steps += [Step.PROPOSE_NAME, Step.PROPOSE_CITY]
        if not answers.unlisted:  # a country without a branch has no regions to choose from
            steps.append(Step.PROPOSE_REGION)
    steps += [Step.NAME, Step.BIO, Step.PHOTO, Step.TIMEZONE, Step.HELP, Step.CONSENT]
    if not answers.proposing:  # a chapter that does not exist yet has no chat to be welcomed in
        steps.append(Step.ANNOUNCE)
    steps.append(Step.SUMMARY)
    return tuple(steps)


def normalise(state: State) -> State:
    """A stored state whose step is off its path (an older version's row) restarts the path."""
    if state.step in sequence(state.answers):
        return state
    return replace(state, step=Step.LANGUAGE)


def _expect(state: State, *steps: Step) -> None:
    if state.step not in steps:
        raise StepOver()


def forward(state: State) -> State:
    """The next step of the path.

    After "about", a chapter already known (from an invite link, or the chapter chat the
    newcomer joined) skips the country and chapter questions; Back still reaches them.
    """
    steps = sequence(state.answers)
    index = steps.index(state.step)
    if index + 1 >= len(steps):
        return state
    following = steps[index + 1]
    if state.step is Step.ABOUT and state.answers.invited and state.answers.chapter_id:
        following = Step.NAME
    return replace(state, step=following)


def back(state: State) -> State:
    """The previous step of the path.

    Raises:
        NoWayBack: At the first step.
    """
    steps = sequence(state.answers)
    index = steps.index(state.step) if state.step in steps else 0
    if index == 0:
        raise NoWayBack()
    return replace(state, step=steps[index - 1])


def skip(state: State) -> State:
    """Leaves an optional step unanswered (clearing an earlier answer) and moves on.

    Raises:
        NotOptional: The step is required.
    """
    if state.step not in OPTIONAL_STEPS:
        raise NotOptional()
    cleared = {Step.BIO: "bio", Step.PHOTO: "photo", Step.HELP: "help_with"}[state.step]
    return _answer(state, **{cleared: None})


def _answer(state: State, **changes: object) -> State:
    return forward(replace(state, answers=replace(state.answers, **changes)))  # type: ignore[arg-type]


# ----------------------------------------------------------------- moves


def choose_language(state: State, code: str, languages: Collection[str]) -> State:
    """The language step: one of the organisation's languages."""
    _expect(state, Step.LANGUAGE)
    if code not in languages:
        raise UnknownChoice()
    return _answer(state, language=code)


def agree(state: State) -> State:
    """The "I have read this and want to join" button."""
    _expect(state, Step.ABOUT)
    return _answer(state, agreed=True)


def _place_cleared() -> dict[str, object]:
    # A new place makes the chapter, any proposal and the time zone proposed from it moot.
    return {
        "chapter_id": None,
        "invited": False,
        "proposing": False,
        "proposed_name": None,
        "proposed_city": None,
        "proposed_parent_id": None,
        "timezone": None,
        "announce": None,
    }


def choose_country(state: State, code: str, countries: Collection[str]) -> State:
    """A country where the organisation has branches.

    Raises:
        UnknownCountry: No branch there (a forged or outdated choice).
    """
    _expect(state, Step.COUNTRY)
    if code not in countries:
        raise UnknownCountry()
    answers = state.answers
    if code == answers.country and not answers.unlisted:
        return forward(state)  # the same country again keeps the answers that depend on it
    return _answer(state, country=code, unlisted=False, **_place_cleared())


def country_unlisted(state: State) -> State:
    """The "my country is not listed" button: they can start the first chapter there."""
    _expect(state, Step.COUNTRY)
    changes = _place_cleared() | {"proposing": True}
    return _answer(state, country=None, unlisted=True, **changes)


def choose_chapter(state: State, chapter_id: int, chapters: Collection[int]) -> State:
    """One of the chapters of their country.

    Raises:
        ChapterGone: Not (any more) a chapter of that country.
    """
    _expect(state, Step.CHAPTER)
    if chapter_id not in chapters:
        raise ChapterGone()
    answers = state.answers
    if chapter_id == answers.chapter_id and not answers.proposing:
        return forward(state)
    changes = _place_cleared() | {"chapter_id": chapter_id}
    return _answer(state, **changes)


def propose_chapter(state: State) -> State:
    """The "no chapter near me — start one" button."""
    _expect(state, Step.CHAPTER)
    if state.answers.proposing:
        return forward(state)
    return _answer(state, **(_place_cleared() | {"proposing": True}))


def choose_region(state: State, parent_id: int, parents: Collection[int]) -> State:
    """The branch a proposed chapter will belong to: a region, or the country itself."""
    _expect(state, Step.PROPOSE_REGION)
    if parent_id not in parents:
        raise UnknownChoice()
    return _answer(state, proposed_parent_id=parent_id)


def give_text(state: State, text: str) -> State:
    """A typed answer, validated for the step it answers.

    Raises:
        ButtonsOnly: The step is answered with buttons.
        FlowError: The text is empty, too long, or not a valid time zone.
    """
    step = state.step
    if step is Step.PROPOSE_NAME:
        return _answer(state, proposed_name=clean_line(text, MAX_CHAPTER_NAME))
    if step is Step.PROPOSE_CITY:
        return _answer(state, proposed_city=clean_line(text, MAX_CITY))
    if step is Step.NAME:
        return _answer(state, name=clean_line(text, MAX_NAME))
    if step is Step.BIO:
        return _answer(state, bio=clean_block(text, MAX_BIO))
    if step is Step.HELP:
        return _answer(state, help_with=clean_block(text, MAX_HELP))
    if step is Step.TIMEZONE:
        return _answer(state, timezone=check_timezone(text))
    raise ButtonsOnly()


def use_name(state: State, name: str) -> State:
    """The name the platform knows them by, offered as a button at the name step."""
    _expect(state, Step.NAME)
    return give_text(state, name)


def give_photo(state: State, photo: Photo) -> State:
    """A photo (already checked with :func:`check_photo`) at the photo step."""
    _expect(state, Step.PHOTO)
    return _answer(state, photo=photo)


def confirm_timezone(state: State, zone: str) -> State:
    """The proposed time zone, confirmed with its button."""
    _expect(state, Step.TIMEZONE)
    return _answer(state, timezone=check_timezone(zone))


def consent(state: State) -> State:
    """Agreement to how their data is used (required: the step has no Skip)."""
    _expect(state, Step.CONSENT)
    return _answer(state, consented=True)


def choose_announce(state: State, welcome: bool) -> State:
    """Whether they may be welcomed by name in their chapter's chat."""
    _expect(state, Step.ANNOUNCE)
    return _answer(state, announce=welcome)


def keep(state: State) -> State:
    """Keeps the answer a step already has (shown again after Back) and moves on.

    Raises:
        UnknownChoice: The step has no answer to keep.
    """
    a = state.answers
    current = {
        Step.PROPOSE_NAME: a.proposed_name,
        Step.PROPOSE_CITY: a.proposed_city,
        Step.NAME: a.name,
        Step.BIO: a.bio,
        Step.HELP: a.help_with,
        Step.PHOTO: a.photo,
        Step.TIMEZONE: a.timezone,
    }
    if state.step not in current or current[state.step] is None:
        raise UnknownChoice()
    return forward(state)


_BEFORE_PROFILE = frozenset(
    {Step.COUNTRY, Step.CHAPTER, Step.PROPOSE_NAME, Step.PROPOSE_CITY, Step.PROPOSE_REGION}
)


def preset_chapter(state: State, chapter_id: int, country: str | None) -> State:
    """A chapter chosen by the way in: its invite link, or the chapter chat they joined.

    The chapter (and its country) are answered for them; a newcomer already past the
    "about" step and still at the place questions moves on to their name. Back reaches the
    chapter list, so they can still choose another.
    """
    a = state.answers
    if a.chapter_id == chapter_id and not a.proposing:
        return state
    answers = replace(
        a,
        country=country,
        unlisted=False,
        chapter_id=chapter_id,
        invited=True,
        proposing=False,
        proposed_name=None,
        proposed_city=None,
        proposed_parent_id=None,
        timezone=None,
        announce=None,
    )
    step = Step.NAME if state.step in _BEFORE_PROFILE else state.step
    return State(step, answers)


def preset_country(state: State, country: str) -> State:
    """A country suggested by the way in (a national or regional chat), if none is chosen."""
    a = state.answers
    if a.country is not None or a.unlisted or a.chapter_id is not None:
        return state
    return replace(state, answers=replace(a, country=country))


def missing(answers: Answers) -> list[Step]:
    """The required steps of the path that have no answer yet."""
    gaps: list[Step] = []
    if answers.language is None:
        gaps.append(Step.LANGUAGE)
    if not answers.agreed:
        gaps.append(Step.ABOUT)
    if answers.country is None and not answers.unlisted:
        gaps.append(Step.COUNTRY)
    if answers.proposing:
        if not answers.proposed_name:
            gaps.append(Step.PROPOSE_NAME)
        if not answers.proposed_city:
            gaps.append(Step.PROPOSE_CITY)
        if not answers.unlisted and answers.proposed_parent_id is None:
            gaps.append(Step.PROPOSE_REGION)
    elif answers.chapter_id is None:
        gaps.append(Step.CHAPTER)
    if not answers.name:
        gaps.append(Step.NAME)
    if not answers.timezone:
        gaps.append(Step.TIMEZONE)
    if not answers.consented:
        gaps.append(Step.CONSENT)
    return gaps


def submit(state: State) -> State:
    """Checks that the summary may be sent.

    Raises:
        StepOver: Not at the summary.
        Incomplete: A required answer is missing (which the path itself never allows).
    """
    _expect(state, Step.SUMMARY)
    if missing(state.answers):
        raise Incomplete()
    return state


# ----------------------------------------------------------------- validation


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def clean_line(text: str, limit: int) -> str:
    """A one-line answer: trimmed, not empty, no line breaks, at most ``limit`` characters.

    Stored as given otherwise: escaping markup is each adapter's job when it is shown.
    """
    value = text.strip()
    if not value:
        raise EmptyAnswer()
    if _has_control(value):
        raise NotOneLine()
    if len(value) > limit:
        raise TooLong(limit, len(value))
    return value


def clean_block(text: str, limit: int) -> str:
    """A free text of a few lines: trimmed, not empty, at most ``limit`` characters."""
    value = text.strip()
    if not value:
        raise EmptyAnswer()
    if _has_control(value, "\n\t\r"):
        raise BadCharacters()
    if len(value) > limit:
        raise TooLong(limit, len(value))
    return value


def clean_message(text: str) -> str:
    """A question, reason or answer passed between organisers and an applicant."""
    return clean_block(text, MAX_MESSAGE)


def check_timezone(text: str) -> str:
    """An IANA time zone name, in its canonical spelling (``europe/lisbon`` is accepted).

    Raises:
        UnknownTimezone: Not a zone of the IANA database (nor a path, nor a file name).
    """
    given = text.strip()
    if not given or len(given) > MAX_TIMEZONE or _has_control(given):
        raise UnknownTimezone(given)
    known = zoneinfo.available_timezones()
    if given in known:
        return given
    folded = given.casefold().replace(" ", "_")
    for zone in known:
        if zone.casefold() == folded:
            return zone
    raise UnknownTimezone(given)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(platform: str, file_id: str, mime_type: str | None, data: bytes | None) -> Photo:
    """A received picture as it will be kept, or a clear refusal.

    The platform's reference is kept where there is one (it stays valid on that platform);
    the bytes only where the platform offers no stable reference. Whatever the declared type,
    bytes are checked by their first bytes: a renamed file is not an image.

    Raises:
        NotAnImage: Not a JPEG, PNG, GIF or WebP image (or nothing usable was sent).
        PhotoTooLarge: Bytes over :data:`MAX_PHOTO_BYTES`.
    """
    declared = (mime_type or "").split(";", 1)[0].strip().lower() or None
    if declared is not None:
        declared = _MIME_ALIASES.get(declared, declared)
        if declared not in IMAGE_TYPES:
            raise NotAnImage()
    sniffed = _sniff(data) if data else None
    if data and sniffed is None:
        raise NotAnImage()
    if declared and sniffed and declared != sniffed:
        raise NotAnImage()
    mime = sniffed or declared
    if mime is None:
        raise NotAnImage()
    ref = file_id.strip()
    if ref and len(ref) <= MAX_PHOTO_REF and not _has_control(ref):
        return Photo(platform, ref, mime)
    if not data:
        raise NotAnImage()
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    return Photo(platform, None, mime, data)
