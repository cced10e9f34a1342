"""Resuming days later on another platform, one application per person, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.members.models import Role
from core.messaging.actions import Action
from core.onboarding.models import ApplicationStatus
from core.testing import FULL, TEXT_ONLY, FakeMessenger, Scenario
from tests.onboarding.helpers import (
    HACKNEY,
    JPEG,
    applications,
    apply,
    link,
    photo,
)


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


async def to_bio(person) -> None:
    await person.says("/start")
    await person.presses("✓ English")
    await person.presses("I have read this and want to join")
    await person.presses("United Kingdom")
    await person.presses("London – Hackney")
    await person.says("Sam")


async def test_resume_after_a_restart_days_later_on_another_platform(sc: Scenario) -> None:
    sam = sc.person("sam", display_name="Sam")
    await to_bio(sam)
    [bio_step] = sc.messenger().in_chat(sam.dm)[-1:]
    sc.clock.advance(days=3)
    await sc.restart()

    [resumed] = await sam.says("/start")
    assert resumed.text.startswith("Welcome back! Let's carry on where you left off.\n\n")
    assert resumed.text.endswith(bio_step.text)
    assert resumed.labels == bio_step.labels

    # The same person on a linked account elsewhere continues the same application.
    sam_plain = await link(sc, sam, "plain")
    [there] = await sam_plain.says("/join")
    assert there.text.startswith("Welcome back! Let's carry on where you left off.\n\nTell us")
    assert "1. Back\n2. Skip\n3. Cancel" in there.text  # numbered: no buttons there
    [picture] = await sam_plain.says("Retired nurse.")
    assert picture.text.startswith("You can't send me a photo from this chat")

    # Back on the first platform, the old bio buttons are stale.
    [stale] = await sam.presses("Skip")
    assert stale.text.startswith("That step is over. Here is where you are now:\n\n")
    assert stale.text.endswith(
        "Would you like to add a photo of yourself? Send it to me here as a picture."
    )
    [application] = await applications(sc)
    assert application.bio == "Retired nurse." and application.step == "p"


async def test_two_starts_at_once_on_two_platforms_make_one_application(sc: Scenario) -> None:
    sam = sc.person("sam", display_name="Sam")
    await sam.says("/help")  # the member exists
    sam_plain = await link(sc, sam, "plain")
    await asyncio.gather(sam.says("/start"), sam_plain.says("/join"), sam.says("/join"))
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.DRAFT.value
    # Both platforms see the same application: answering on one moves the other along.
    await sam.presses("✓ English")
    [about_there] = await sam_plain.says("/start")
    assert about_there.text.startswith("Welcome back!")
    assert "1. I have read this and want to join" in about_there.text
    assert len(await applications(sc)) == 1


async def test_submitting_twice_or_after_a_restart_sends_one_application(sc: Scenario) -> None:
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    sam = sc.person("sam")
    await apply(sc, sam)
    [waiting] = await sam.presses("Send my application")  # the summary's button, again
    assert waiting.text.startswith("Your application is waiting for the organisers")
    await sc.restart()
    [waiting] = await sam.says("/start")
    assert waiting.text.startswith("Your application is waiting for the organisers")
    assert len([p for p in sc.messenger().in_chat(olga.dm)]) == 1
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.SUBMITTED.value
    [withdrawn] = await sam.presses("Withdraw my application")
    assert withdrawn.text == (
        "Your application is withdrawn. Send /join whenever you want to start again."
    )
    assert sc.messenger().in_chat(olga.dm)[0].text == (
        "Application #1: withdrawn by the applicant."
    )


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(sc: Scenario) -> None:
    sam = sc.person("sam", display_name="Sam")
    await sam.says("/start")
    [buttons_only] = await sam.says("English please")
    assert buttons_only.text.startswith(
        "Please answer this step with one of the buttons.\n\nHello, Sam!"
    )
    [wrong_photo] = await sam.send(photo(sam, file_id="f1", mime="image/jpeg"))
    assert wrong_photo.text.startswith("I wasn't expecting a photo now.\n\nHello, Sam!")
    [forged] = await sam.presses_data("AAAAAAAAAAAAoa:1:l:en")
    assert forged.text == "That button is not valid (it may be out of date). Please start again."
    # A signed button of someone else's application is refused too.
    eve = sc.person("eve")
    [refused] = await eve.presses_data(
        sc.app.services.signer.encode(Action("oa", ("1", "l", "en")))
    )
    assert refused.text == forged.text
    # A malformed but signed one (a language we don't speak, a chapter that is not there).
    [unknown] = await sam.presses_data(
        sc.app.services.signer.encode(Action("oa", ("1", "l", "tlh")))
    )
    assert unknown.text == "That choice is not available any more. Please choose again."

    await sam.presses("✓ English")
    await sam.presses("I have read this and want to join")
    [country] = await sam.presses_data(
        sc.app.services.signer.encode(Action("oa", ("1", "c", "ZZ")))
    )
    assert country.text == (
        "We have no branch in that country. Choose another one, or “My country is not listed”."
    )
    await sam.presses("United Kingdom")
    [gone] = await sam.presses_data(
        sc.app.services.signer.encode(Action("oa", ("1", "h", "2")))  # not a chapter of the country
    )
    assert gone.text == (
        "That chapter is no longer available. Please choose one of the chapters below."
    )
    await sam.presses("London – Hackney")
    [too_long] = await sam.says("S" * 65)
    assert too_long.text == "That is too long: at most 64 characters, please (yours has 65)."
    [two_lines] = await sam.says("Sam\nSmith")
    assert two_lines.text == "Please keep this to one line."
    [empty] = await sam.says("   ")
    assert empty.text == "That was empty. Please type your answer."
    [application] = await applications(sc)
    assert application.step == "n" and application.display_name is None  # nothing written
    await sam.says("<b>Sam</b> @everyone")  # stored as given: adapters escape it
    [too_long_bio] = await sam.says("b" * 501)
    assert too_long_bio.text == "That is too long: at most 500 characters, please (yours has 501)."
    await sam.presses("Skip")
    [not_image] = await sam.send(photo(sam, data=b"%PDF-1.4", mime="application/pdf"))
    assert not_image.text == "That is not a photo I can use. Please send a JPEG, PNG or WebP image."
    [renamed] = await sam.send(photo(sam, data=b"MZ\x90\x00", mime="image/jpeg"))
    assert renamed.text == not_image.text
    [zone] = await sam.send(photo(sam, data=JPEG, mime="image/jpeg"))
    assert zone.text.startswith("Is your time zone Europe/London?")
    [bad_zone] = await sam.says("Mars/Olympus")
    assert bad_zone.text == (
        "I don't know the time zone “Mars/Olympus”. Use a name like Europe/Lisbon or "
        "America/Sao_Paulo."
    )
    [no_skip] = await sam.presses_data(sc.app.services.signer.encode(Action("os", ("1", "t"))))
    assert no_skip.text == "This step can't be skipped."
    [application] = await applications(sc)
    assert application.display_name == "<b>Sam</b> @everyone"
    assert application.photo_data == JPEG and application.photo_ref is None
    assert application.step == "t" and application.timezone is None
