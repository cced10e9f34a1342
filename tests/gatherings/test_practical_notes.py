"""Childcare, accessibility and the meeting's language: asked when guided, changed later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import InvalidButton, UserError
from core.gatherings.conversation import Step, give_choice, give_text, request_of
from core.gatherings.spec import Defaults
from core.members.models import Role
from core.testing import Scenario
from core.testing.fake_messenger import FULL, TEXT_ONLY, FakeMessenger
from tests.gatherings.helpers import HACKNEY, WELCOME, announcements, gatherings

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DEFAULTS = Defaults(
    zone="Europe/London",
    duration=timedelta(hours=2),
    reminders=(1440,),
    horizon=timedelta(days=90),
    languages=("en", "es", "ar"),
)


@pytest.fixture
async def sc(tmp_path: Path) -> AsyncIterator[Scenario]:
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(tmp_path / "bot.sqlite3", messengers=fakes) as scenario:
        yield scenario


def test_the_steps_take_a_note_and_a_language_and_can_skip_both() -> None:
    answers = give_text(Step.ACCESSIBILITY, "  Step-free entrance ", {}, NOW, DEFAULTS)
    answers = give_choice(Step.LANGUAGE, "ar", answers, NOW, DEFAULTS)
    request = request_of(answers)
    assert (request.accessibility, request.language) == ("Step-free entrance", "ar")
    skipped = give_choice(Step.ACCESSIBILITY, "skip", answers, NOW, DEFAULTS)
    skipped = give_choice(Step.LANGUAGE, "skip", skipped, NOW, DEFAULTS)
    assert (request_of(skipped).accessibility, request_of(skipped).language) == (None, None)
    with pytest.raises(UserError) as too_long:
        give_text(Step.ACCESSIBILITY, "x" * 301, {}, NOW, DEFAULTS)
    assert too_long.value.message.msgid.startswith("The accessibility note is too long")
    # Not one of the organisation's languages: a forged or stale button.
    with pytest.raises(InvalidButton):
        give_choice(Step.LANGUAGE, "ja", {}, NOW, DEFAULTS)
    # The language is pressed, not typed.
    with pytest.raises(UserError):
        give_text(Step.LANGUAGE, "es", {}, NOW, DEFAULTS)


async def guided_to_access(sc: Scenario, chat: str) -> None:
    olga = sc.person("olga")
    await olga.says("/gathering", chat=chat)
    await olga.says("Reading group")
    await olga.presses("Skip")
    await olga.says("2026-12-03 18:30")
    await olga.presses("2 hours")
    await olga.presses("Skip")
    await olga.presses("Skip")
    await olga.presses("No limit")
    await olga.presses("No")


async def test_guided_with_a_too_long_note_then_skipping_both(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await guided_to_access(sc, tg)
    [refused] = await olga.says("x" * 400)
    assert refused.text == "The accessibility note is too long: at most 300 characters."
    [language] = await olga.presses("Skip")
    # Every language of the organisation, by its own name, two to a row; Skip; Cancel.
    rows = [[b.label for b in row] for row in language.message.buttons]
    assert rows[:2] == [["English", "Español"], ["Français", "Deutsch"]]
    assert rows[-2:] == [["Skip"], ["Cancel"]]
    assert sum(len(row) for row in rows) == 12
    [repeat] = await olga.presses("Skip")
    assert repeat.text.startswith("Does it repeat?")
    [confirm] = await olga.presses("Does not repeat")
    assert "♿" not in confirm.text and "🗣" not in confirm.text
    await olga.presses("Announce it")
    [gathering] = await gatherings(sc)
    assert (gathering.childcare, gathering.accessibility, gathering.meeting_language) == (
        False,
        None,
        None,
    )


async def test_guided_on_a_platform_without_buttons_answers_the_language_by_number(
    sc: Scenario,
) -> None:
    room = await sc.group("hackney-room", HACKNEY, platform="plain")
    olga = sc.person("olga", platform="plain")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await olga.says("/gathering", chat=room)
    for answer in ("Reading group", "1", "2026-12-03 18:30", "2", "1", "1", "1", "2"):
        await olga.says(answer)  # title, Skip, start, 2 hours, Skip, Skip, No limit, No
    [language] = await olga.says("Ramps at both doors")
    assert "2. Español" in language.text and "11. Skip" in language.text
    [repeat] = await olga.says("2")
    assert repeat.text.startswith("Does it repeat?")
    [confirm] = await olga.says("1")
    assert "♿ Accessibility: Ramps at both doors\n🗣 Held in Español." in confirm.text


async def test_changing_childcare_accessibility_and_language(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await olga.says(WELCOME, chat=tg)
    [post] = announcements(sc, tg)
    await bob.presses("✅ Going", chat=tg)

    said = await olga.says("/gathering_edit 1 childcare yes", chat=tg)
    [told] = [p for p in said if p.chat_id == bob.dm]
    assert told.text.splitlines()[0] == "📣 Welcome event: childcare is offered."
    assert "🧸 Childcare is offered." in told.text
    assert said[-1].text == "Gathering #1 is changed."
    assert "🧸 Childcare is offered." in post.text  # the announcement is edited

    said = await olga.says(
        '/gathering_edit 1 accessibility "Step-free entrance, quiet room"', chat=tg
    )
    [told] = [p for p in said if p.chat_id == bob.dm]
    assert told.text.splitlines()[0] == "📣 Welcome event: the accessibility note has changed."
    assert "♿ Accessibility: Step-free entrance, quiet room" in told.text
    assert "♿ Accessibility: Step-free entrance, quiet room" in post.text

    said = await olga.says("/gathering_edit 1 language es", chat=tg)
    [told] = [p for p in said if p.chat_id == bob.dm]
    assert told.text.splitlines()[0] == "📣 Welcome event: the language of the meeting has changed."
    assert "🗣 Held in Español." in post.text

    said = await olga.says("/gathering_edit 1 childcare no", chat=tg)
    [told] = [p for p in said if p.chat_id == bob.dm]
    assert told.text.splitlines()[0] == "📣 Welcome event: childcare is no longer offered."
    await olga.says("/gathering_edit 1 accessibility none", chat=tg)
    await olga.says("/gathering_edit 1 language none", chat=tg)
    assert not any(sign in post.text for sign in ("🧸", "♿", "🗣"))
    [gathering] = await gatherings(sc)
    assert (gathering.childcare, gathering.accessibility, gathering.meeting_language) == (
        False,
        None,
        None,
    )
    assert gathering.sequence == 6  # each change is a new version for calendar programs


async def test_bad_changes_are_refused_and_change_nothing(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await olga.says(WELCOME + " --language en --childcare", chat=tg)
    [unknown] = await olga.says("/gathering_edit 1 language ja", chat=tg)
    assert unknown.text == (
        "“ja” is not one of our languages. Use one of: en, es, fr, de, pt, it, nl, sv, el, ar."
    )
    [usage] = await olga.says("/gathering_edit 1 childcare maybe", chat=tg)
    assert usage.text.startswith("Change a gathering with one line:")
    assert "/gathering_edit 12 childcare yes   (or: childcare no)" in usage.text
    assert "/gathering_edit 12 language es   (or: language none)" in usage.text
    [too_long] = await olga.says("/gathering_edit 1 accessibility " + "x" * 301, chat=tg)
    assert too_long.text == "That is too long: at most 300 characters."
    [gathering] = await gatherings(sc)
    assert (gathering.childcare, gathering.meeting_language, gathering.sequence) == (True, "en", 0)
