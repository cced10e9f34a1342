"""What the newcomer and the organisers see: each step, the summary, the application card.

Values in, text out (rendered in one reader's language).

Button actions (each fits Telegram's 64 bytes; ``A`` is the application id, ``S`` a step
code from :class:`~core.onboarding.flow.Step`):

====  ==============  ====================================================================
oa    A, S, value     an answer at step S (a language, a country, a chapter id, ``y``…)
ob    A, S            Back
os    A, S            Skip (optional steps)
ox    A, S            Cancel the application (a draft)
ow    A               withdraw a submitted application
oy    A               organiser: approve
oq    A               organiser: ask the applicant a question (their next message is it)
od    A               organiser: decline (their next message is the reason)
oc    A               organiser: never mind the question / the reason
====  ==============  ====================================================================

Every applicant button carries its step: a press from an older step is answered with
"that step is over" and the current step is shown again, never applied to another step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel import Locale

from core.config.organisation import OrganisationConfig
from core.federation.models import Branch
from core.i18n.languages import autonym
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec
from core.onboarding.flow import (
    MAX_BIO,
    MAX_CHAPTER_NAME,
    MAX_CITY,
    MAX_HELP,
    MAX_NAME,
    OPTIONAL_STEPS,
    Answers,
    FlowError,
    State,
    Step,
    clean_line,
)
from core.onboarding.models import Application
from core.onboarding.service import Tree

ANSWER = "oa"
BACK = "ob"
SKIP = "os"
CANCEL = "ox"
WITHDRAW = "ow"
APPROVE = "oy"
ASK = "oq"
DECLINE = "od"
NEVER_MIND = "oc"

YES = "y"
NO = "n"
KEEP = "k"
USE_PLATFORM_NAME = "u"
UNLISTED = "x"
NEW_CHAPTER = "new"

PER_ROW = 2
NONE = "—"
_KEEP_LABEL = 40


@dataclass(frozen=True)
class Facts:
    """What the step texts need to know besides the state.

    Attributes:
        application_id: Carried by every button.
        organisation: The organisation's name and newcomer texts.
        tree: The active branches (countries, chapters, regions).
        translator: The newcomer's language.
        platform_name: The name the platform knows them by (offered at the name step).
        photos: Whether they can send a picture from where they are.
        now: For showing the time in a proposed time zone.
    """

    application_id: int
    organisation: OrganisationConfig
    tree: Tree
    translator: Translator
    platform_name: str
    photos: bool
    now: datetime


def branch_label(branch: Branch, organisation: OrganisationConfig, language: str) -> str:
    """A branch's name in ``language`` (configured names; runtime chapters have one name)."""
    configured = organisation.branch(branch.slug)
    return configured.display_name(language) if configured else branch.name


def country_label(code: str | None, language: str) -> str:
    """A country's name in ``language`` (CLDR), or the code when CLDR has none."""
    if code is None:
        return NONE
    return str(Locale.parse(language).territories.get(code, code))


def _short(text: str) -> str:
    return text if len(text) <= _KEEP_LABEL else text[: _KEEP_LABEL - 1] + "…"


def _answer(facts: Facts, step: Step, value: str) -> Action:
    return Action(ANSWER, (str(facts.application_id), step.value, value))


def _nav(facts: Facts, step: Step, *, back: bool = True) -> list[ButtonSpec]:
    aid = str(facts.application_id)
    row: list[ButtonSpec] = []
    if back:
        row.append(ButtonSpec(_("Back"), Action(BACK, (aid, step.value))))
    if step in OPTIONAL_STEPS:
        row.append(ButtonSpec(_("Skip"), Action(SKIP, (aid, step.value))))
    row.append(ButtonSpec(_("Cancel"), Action(CANCEL, (aid, step.value))))
    return row


def _rows(buttons: Sequence[ButtonSpec], per_row: int) -> list[list[ButtonSpec]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _keep(facts: Facts, step: Step, current: str | None) -> list[list[ButtonSpec]]:
    # Back at a text step shows what was typed, so a newcomer need not type it again.
    if not current:
        return []
    return [[ButtonSpec(_("Keep “{answer}”", answer=_short(current)), _answer(facts, step, KEEP))]]


def proposed_timezone(state: State, tree: Tree, organisation: OrganisationConfig) -> str:
    """The time zone offered at the time zone step.

    The one given, else the chapter's (or the proposed chapter's parent's, or the
    country's), else the organisation's default.
    """
    a = state.answers
    if a.timezone:
        return a.timezone
    for branch_id in (a.chapter_id, a.proposed_parent_id):
        branch = tree.branches.get(branch_id) if branch_id else None
        if branch is not None:
            return branch.timezone
    national = tree.national(a.country) if a.country else None
    return national.timezone if national else organisation.organisation.default_timezone


def chapter_line(answers: Answers, facts: Facts) -> str:
    """The chapter an application is for, in the reader's words."""
    t = facts.translator
    if answers.proposing:
        return t.render(
            _(
                "a new chapter, “{name}” in {city}",
                name=answers.proposed_name or NONE,
                city=answers.proposed_city or NONE,
            )
        )
    chapter = facts.tree.branches.get(answers.chapter_id) if answers.chapter_id else None
    if chapter is None:
        return NONE
    return branch_label(chapter, facts.organisation, t.language)


def _chapter_name(answers: Answers, facts: Facts) -> str:
    chapter = facts.tree.branches.get(answers.chapter_id) if answers.chapter_id else None
    if chapter is None:
        return NONE
    return branch_label(chapter, facts.organisation, facts.translator.language)


def render_step(facts: Facts, state: State) -> tuple[str, list[list[ButtonSpec]]]:
    """The text and buttons of the step ``state`` is at, in the newcomer's language."""
    t = facts.translator
    a = state.answers
    step = state.step
    language = t.language
    rows: list[list[ButtonSpec]] = []
    if step is Step.LANGUAGE:
        org = facts.organisation.organisation.display_name(language)
        text = "\n\n".join(
            [
                t.render(
                    _(
                        "Hello, {name}! I am the assistant of {organisation}.",
                        name=facts.platform_name,
                        organisation=org,
                    )
                ),
                t.render(
                    _(
                        "I will help you join us. It takes a few minutes, and you can stop at "
                        "any time and carry on later where you left off."
                    )
                ),
                t.render(_("Choose your language:")),
            ]
        )
        languages = facts.organisation.organisation.languages
        buttons = [
            ButtonSpec(
                ("✓ " if code == language else "") + autonym(code), _answer(facts, step, code)
            )
            for code in languages
        ]
        rows = _rows(buttons, PER_ROW)
        rows.append(_nav(facts, step, back=False))
        return text, rows
    if step is Step.ABOUT:
        cfg = facts.organisation
        text = "\n\n".join(
            [
                cfg.organisation.display_name(language),
                cfg.text("mission", language).strip(),
                t.render(_("What we value:")) + "\n" + cfg.text("values", language).strip(),
                t.render(_("How we decide:")) + "\n" + cfg.text("decisions", language).strip(),
                t.render(_("Have you read this, and would you like to join?")),
            ]
        )
        rows = [[ButtonSpec(_("I have read this and want to join"), _answer(facts, step, YES))]]
    elif step is Step.COUNTRY:
        text = t.render(_("Where do you live? Choose your country."))
        codes = sorted(
            facts.tree.country_codes(), key=lambda c: country_label(c, language).casefold()
        )
        buttons = [
            ButtonSpec(
                ("✓ " if code == a.country else "") + country_label(code, language),
                _answer(facts, step, code),
            )
            for code in codes
        ]
        rows = _rows(buttons, PER_ROW)
        rows.append([ButtonSpec(_("My country is not listed"), _answer(facts, step, UNLISTED))])
    elif step is Step.CHAPTER:
        country = country_label(a.country, language)
        chapters = facts.tree.chapters_in(a.country) if a.country else []
        if chapters:
            text = t.render(_("Which chapter is nearest to you in {country}?", country=country))
        else:
            text = t.render(
                _("There is no chapter in {country} yet, but you can start one!", country=country)
            )
        rows = [
            [
                ButtonSpec(
                    ("✓ " if b.id == a.chapter_id and not a.proposing else "")
                    + branch_label(b, facts.organisation, language),
                    _answer(facts, step, str(b.id)),
                )
            ]
            for b in chapters
        ]
        rows.append(
            [ButtonSpec(_("No chapter near me — start one"), _answer(facts, step, NEW_CHAPTER))]
        )
    elif step is Step.PROPOSE_NAME:
        text = t.render(
            _(
                "Let's start a new chapter! What should it be called? Usually the name of the "
                "town or neighbourhood, like “Leipzig – Connewitz” (at most {limit} "
                "characters).",
                limit=MAX_CHAPTER_NAME,
            )
        )
        rows = _keep(facts, step, a.proposed_name)
    elif step is Step.PROPOSE_CITY:
        text = t.render(
            _(
                "Which city or town will the chapter meet in? (at most {limit} characters)",
                limit=MAX_CITY,
            )
        )
        rows = _keep(facts, step, a.proposed_city)
    elif step is Step.PROPOSE_REGION:
        country = country_label(a.country, language)
        text = t.render(_("Which part of {country} is the new chapter in?", country=country))
        regions = facts.tree.regions_in(a.country) if a.country else []
        rows = [
            [
                ButtonSpec(
                    ("✓ " if b.id == a.proposed_parent_id else "")
                    + branch_label(b, facts.organisation, language),
                    _answer(facts, step, str(b.id)),
                )
            ]
            for b in regions
        ]
        national = facts.tree.national(a.country) if a.country else None
        if national is not None:
            label = _("Somewhere else in {country}", country=country)
            rows.append([ButtonSpec(label, _answer(facts, step, str(national.id)))])
    elif step is Step.NAME:
        text = t.render(
            _(
                "What name should other members see? Type it (at most {limit} characters), "
                "or use the name below.",
                limit=MAX_NAME,
            )
        )
        rows = _keep(facts, step, a.name)
        try:
            suggested = clean_line(facts.platform_name, MAX_NAME)
        except FlowError:
            suggested = None
        if suggested and suggested != a.name:
            rows.append(
                [
                    ButtonSpec(
                        _("Use “{name}”", name=_short(suggested)),
                        _answer(facts, step, USE_PLATFORM_NAME),
                    )
                ]
            )
    elif step is Step.BIO:
        text = t.render(
            _(
                "Tell us a little about yourself: who you are and what brings you here "
                "(at most {limit} characters). You can skip this.",
                limit=MAX_BIO,
            )
        )
        rows = _keep(facts, step, a.bio)
    elif step is Step.PHOTO:
        if facts.photos:
            text = t.render(
                _("Would you like to add a photo of yourself? Send it to me here as a picture.")
            )
        else:
            text = t.render(
                _(
                    "You can't send me a photo from this chat, so let's skip this step. "
                    "You can add one later from another app."
                )
            )
        if a.photo is not None:
            rows = [[ButtonSpec(_("Keep my photo"), _answer(facts, step, KEEP))]]
    elif step is Step.TIMEZONE:
        zone = proposed_timezone(state, facts.tree, facts.organisation)
        text = "\n".join(
            [
                t.render(
                    _(
                        "Is your time zone {zone}? There it is now {time}.",
                        zone=zone,
                        time=t.format_datetime(facts.now, zone, "short"),
                    )
                ),
                t.render(_("If not, type the name of yours, like Europe/Lisbon.")),
            ]
        )
        rows = [[ButtonSpec(_("Yes, {zone}", zone=zone), _answer(facts, step, YES))]]
    elif step is Step.HELP:
        text = t.render(
            _(
                "What would you like to help with? For example: organising meetings, "
                "welcoming newcomers, translating, design, outreach (at most {limit} "
                "characters). You can skip this.",
                limit=MAX_HELP,
            )
        )
        rows = _keep(facts, step, a.help_with)
    elif step is Step.CONSENT:
        text = "\n\n".join([t.render(_("How we use your data:")), t.render(consent_statement())])
        rows = [[ButtonSpec(_("I agree"), _answer(facts, step, YES))]]
    elif step is Step.ANNOUNCE:
        text = t.render(
            _(
                "Once you are accepted, may I welcome you by name in the chat of {chapter}?",
                chapter=_chapter_name(a, facts),
            )
        )
        rows = [
            [
                ButtonSpec(_("Yes"), _answer(facts, step, YES)),
                ButtonSpec(_("No"), _answer(facts, step, NO)),
            ]
        ]
    else:  # the summary
        text = "\n\n".join(
            [
                t.render(_("Please check your application:")),
                summary(a, facts),
                t.render(_("Send it?")),
            ]
        )
        rows = [[ButtonSpec(_("Send my application"), _answer(facts, step, YES))]]
    rows.append(_nav(facts, step))
    return text, rows


def consent_statement() -> Msg:
    """The plain statement of how a member's data is used."""
    return _(
        "We keep what you tell me here (your name, bio, photo, time zone, language, chapter "
        "and what you would like to help with) and which chat accounts are yours. The "
        "organisers of your chapter and of the branches above it see it, to welcome you and "
        "to organise together; other members see your name. We use it for nothing else and "
        "give it to nobody outside the organisation. You can get a copy of everything with "
        "/mydata and have it erased with /forgetme at any time."
    )


def summary(answers: Answers, facts: Facts) -> str:
    """The answers, one per line: the newcomer checks them, the organisers read them."""
    t = facts.translator
    language = t.language
    place = (
        t.render(_("not listed")) if answers.unlisted else country_label(answers.country, language)
    )
    lines = [
        _("Name: {name}", name=answers.name or NONE),
        _("Country: {country}", country=place),
        _("Chapter: {chapter}", chapter=chapter_line(answers, facts)),
        _("Bio: {bio}", bio=answers.bio or NONE),
        _("Photo: {photo}", photo=_("added") if answers.photo else NONE),
        _("Time zone: {zone}", zone=answers.timezone or NONE),
        _("Language: {language}", language=autonym(answers.language or language)),
        _("Would like to help with: {help}", help=answers.help_with or NONE),
    ]
    if not answers.proposing:
        welcome = _("Yes") if answers.announce else _("No")
        lines.append(_("Welcome in the chapter chat: {answer}", answer=welcome))
    return "\n".join(t.render(line) for line in lines)


# ----------------------------------------------------------------- organisers' side


def decision_buttons(application_id: int) -> list[list[ButtonSpec]]:
    """Approve / Ask a question / Decline."""
    aid = (str(application_id),)
    return [
        [ButtonSpec(_("Approve"), Action(APPROVE, aid))],
        [ButtonSpec(_("Ask a question"), Action(ASK, aid))],
        [ButtonSpec(_("Decline"), Action(DECLINE, aid))],
    ]


def withdraw_button(application_id: int) -> list[list[ButtonSpec]]:
    """Withdraw a submitted application."""
    action = Action(WITHDRAW, (str(application_id),))
    return [[ButtonSpec(_("Withdraw my application"), action)]]


def never_mind_button(application_id: int) -> list[list[ButtonSpec]]:
    """Cancel, while the bot waits for an organiser's question or reason."""
    return [[ButtonSpec(_("Cancel"), Action(NEVER_MIND, (str(application_id),)))]]


def card(
    application: Application, answers: Answers, facts: Facts, parent: Branch | None = None
) -> str:
    """An application as organisers read it: who, where, their answers."""
    t = facts.translator
    name = answers.name or NONE
    if answers.proposing:
        where = branch_label(parent, facts.organisation, t.language) if parent else NONE
        head = t.render(
            _(
                "📝 {name} proposes a new chapter: “{chapter}” in {city}, part of {branch}.",
                name=name,
                chapter=answers.proposed_name or NONE,
                city=answers.proposed_city or NONE,
                branch=where,
            )
        )
        tail = t.render(
            _(
                "If you approve, the chapter is created, and {name} becomes its first member "
                "and organiser.",
                name=name,
            )
        )
    else:
        head = t.render(
            _(
                "📝 {name} would like to join {chapter}.",
                name=name,
                chapter=_chapter_name(answers, facts),
            )
        )
        tail = ""
    number = t.render(_("Application #{id}", id=application.id))
    parts = [head, number + "\n" + summary(answers, facts)]
    if tail:
        parts.append(tail)
    return "\n\n".join(parts)
