"""The newcomer's journey through CoreApp, message by message, in English, Spanish and Arabic."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from babel import Locale

from core.i18n import KNOWN_LANGUAGES, autonym
from core.members.models import Role
from core.messaging.actions import Action
from core.onboarding.models import ApplicationStatus
from core.testing import FULL, TEXT_ONLY, FakeMessenger, Scenario
from tests.onboarding.helpers import (
    HACKNEY,
    ORG_EN,
    applications,
    choose_language,
    dm,
    last_dm,
    member,
    photo,
    roles,
    tr,
)

LANGUAGE_LABELS = [autonym(code) for code in KNOWN_LANGUAGES]


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    """A platform with buttons and pictures ("fake") and a text-only one ("plain")."""
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(database_url, messengers=fakes) as scenario:
        yield scenario


async def test_the_whole_journey_in_english_then_approved(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    room = await sc.group("hackney-room", HACKNEY, platform="plain")
    olga = sc.person("olga", display_name="Olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    sam = sc.person("sam", language_hint="en-GB", display_name="Sam")
    organisation = sc.config.organisation

    [hello] = await sam.says("/start")
    assert hello.chat_id == sam.dm
    assert hello.text == (
        f"Hello, Sam! I am the assistant of {ORG_EN}.\n\n"
        "I will help you join us. It takes a few minutes, and you can stop at any time and "
        "carry on later where you left off.\n\n"
        "Choose your language:"
    )
    assert hello.labels == ["✓ English", *LANGUAGE_LABELS[1:], "Cancel"]
    assert not hello.message.rtl

    [about] = await sam.presses("✓ English")
    assert about.text == (
        f"{ORG_EN}\n\n"
        f"{organisation.text('mission', 'en').strip()}\n\n"
        f"What we value:\n{organisation.text('values', 'en').strip()}\n\n"
        f"How we decide:\n{organisation.text('decisions', 'en').strip()}\n\n"
        "Have you read this, and would you like to join?"
    )
    assert about.labels == ["I have read this and want to join", "Back", "Cancel"]

    [countries] = await sam.presses("I have read this and want to join")
    assert countries.text == "Where do you live? Choose your country."
    assert countries.labels == [
        "Brazil",
        "France",
        "Germany",
        "Greece",
        "Italy",
        "Netherlands",
        "Spain",
        "Sweden",
        "Tunisia",
        "United Kingdom",
        "My country is not listed",
        "Back",
        "Cancel",
    ]
    [chapters] = await sam.presses("United Kingdom")
    assert chapters.text == "Which chapter is nearest to you in United Kingdom?"
    assert chapters.labels == [
        "Glasgow – Southside",
        "London – Brixton",
        "London – Hackney",
        "No chapter near me — start one",
        "Back",
        "Cancel",
    ]
    [name] = await sam.presses("London – Hackney")
    assert name.text == (
        "What name should other members see? Type it (at most 64 characters), or use the "
        "name below."
    )
    assert name.labels == ["Use “Sam”", "Back", "Cancel"]
    [bio] = await sam.says("Sam Okafor")
    assert bio.text == (
        "Tell us a little about yourself: who you are and what brings you here (at most 500 "
        "characters). You can skip this."
    )
    assert bio.labels == ["Back", "Skip", "Cancel"]
    [picture] = await sam.says("I cook for big groups.\nAnd I *cycle*.")
    assert picture.text == (
        "Would you like to add a photo of yourself? Send it to me here as a picture."
    )
    assert picture.labels == ["Back", "Skip", "Cancel"]
    [zone] = await sam.send(photo(sam, file_id="AgAD-sam", mime="image/jpeg"))
    assert zone.text == (
        "Is your time zone Europe/London? There it is now 11/22/26, 9:00\u202fAM.\n"
        "If not, type the name of yours, like Europe/Lisbon."
    )
    assert zone.labels == ["Yes, Europe/London", "Back", "Cancel"]
    [helping] = await sam.presses("Yes, Europe/London")
    assert helping.text.startswith("What would you like to help with? For example:")
    [consent] = await sam.says("Cooking for meetings")
    assert consent.text.startswith("How we use your data:\n\nWe keep what you tell me here")
    assert "/mydata" in consent.text and "/forgetme" in consent.text
    assert consent.labels == ["I agree", "Back", "Cancel"]  # required: no Skip
    [announce] = await sam.presses("I agree")
    assert announce.text == (
        "Once you are accepted, may I welcome you by name in the chat of London – Hackney?"
    )
    assert announce.labels == ["Yes", "No", "Back", "Cancel"]
    [summary] = await sam.presses("Yes")
    assert summary.text == (
        "Please check your application:\n\n"
        "Name: Sam Okafor\n"
        "Country: United Kingdom\n"
        "Chapter: London – Hackney\n"
        "Bio: I cook for big groups.\nAnd I *cycle*.\n"
        "Photo: added\n"
        "Time zone: Europe/London\n"
        "Language: English\n"
        "Would like to help with: Cooking for meetings\n"
        "Welcome in the chapter chat: Yes\n\n"
        "Send it?"
    )
    assert summary.labels == ["Send my application", "Back", "Cancel"]

    sent = await sam.presses("Send my application")
    [card] = [p for p in sent if p.chat_id == olga.dm]
    [thanks] = [p for p in sent if p.chat_id == sam.dm]
    assert card.text.startswith(
        "📝 Sam Okafor would like to join London – Hackney.\n\n"
        "Application #1\nName: Sam Okafor\nCountry: United Kingdom\nChapter: London – Hackney\n"
    )
    assert card.labels == ["Approve", "Ask a question", "Decline"]
    assert thanks.text == (
        "Thank you! Your application is now with the organisers of London – Hackney. I will "
        "write to you here as soon as they have looked at it."
    )
    assert thanks.labels == ["Withdraw my application"]
    [waiting] = await sam.says("Hello?")
    assert waiting.text.startswith("Your application is waiting for the organisers of London")

    await olga.presses("Approve")
    welcome = last_dm(sc, sam)
    assert welcome.text == (
        f"Welcome to London – Hackney! Your application is approved: you are now an interim "
        f"member of {ORG_EN}.\n\n"
        "The gatherings of London – Hackney will be announced in its chats."
    )
    greeting = "Please welcome Sam Okafor, who has just joined London – Hackney! 👋"
    assert sc.messenger("fake").in_chat(tg)[-1].text == greeting
    assert sc.messenger("plain").in_chat(room)[-1].text == greeting
    # Invited to the chapter's chat on the platform they use (they have no "plain" account).
    assert sc.messenger("fake").actions == [("invite", tg, "sam")]
    assert sc.messenger("plain").actions == []
    assert card.text == "Application #1 from Sam Okafor: approved by Olga."
    assert card.labels == []
    assert last_dm(sc, olga).text == "Done: Sam Okafor is now a member of London – Hackney."

    sam_now = await member(sc, sam)
    assert sam_now.display_name == "Sam Okafor"
    assert sam_now.bio == "I cook for big groups.\nAnd I *cycle*."  # as given
    assert (sam_now.photo_platform, sam_now.photo_ref, sam_now.photo_data) == (
        "fake",
        "AgAD-sam",
        None,
    )
    assert sam_now.timezone == "Europe/London" and sam_now.language == "en"
    assert sam_now.help_with == "Cooking for meetings"
    assert sam_now.joined_at == sc.clock.now() and sam_now.consented_at == sc.clock.now()
    assert await roles(sc, sam) == {(Role.MEMBER.value, HACKNEY)}
    [application] = await applications(sc)
    assert application.status == ApplicationStatus.APPROVED.value
    assert application.open_member_id is None and application.decided_by_id is not None

    # A member is greeted as before.
    [hello_again] = await sam.says("/start")
    assert hello_again.text.startswith(f"Hello, Sam Okafor! I am the assistant of {ORG_EN}.")
    assert "Here is what you can do with me:" in hello_again.text
    [already] = await sam.says("/join")
    assert already.text == "You are already a member of London – Hackney."


async def test_in_spanish_every_step_speaks_spanish_where_it_can(sc: Scenario) -> None:
    marta = sc.person("marta", language_hint="es", display_name="Marta")
    await sc.enrol(marta, "madrid-lavapies", Role.ORGANISER)
    ana = sc.person("ana", language_hint="es-ES", display_name="Ana")
    es = sc.app.services.catalogs.get("es")
    names = Locale("es").territories
    organisation = sc.config.organisation

    [hello] = await ana.says("/start")
    org_es = organisation.organisation.display_name("es")
    assert hello.text.startswith(
        tr(
            sc,
            "es",
            "Hello, {name}! I am the assistant of {organisation}.",
            name="Ana",
            organisation=org_es,
        )
    )
    assert hello.text.startswith("¡Hola, Ana!")  # already translated
    assert hello.text.endswith("\n\nElige tu idioma:")
    assert hello.labels[:2] == ["English", "✓ Español"]
    [about] = await choose_language(ana, "es")
    assert about.text.startswith(f"{org_es}\n\n{organisation.text('mission', 'es').strip()}")
    assert organisation.text("values", "es").strip() in about.text
    [countries] = await ana.presses(tr(sc, "es", "I have read this and want to join"))
    expected = sorted(
        ["BR", "FR", "DE", "GR", "IT", "NL", "ES", "SE", "TN", "GB"],
        key=lambda code: names[code].casefold(),
    )
    assert countries.labels[:10] == [names[code] for code in expected]
    assert "España" in countries.labels and "Reino Unido" in countries.labels
    [chapters] = await ana.presses("España")
    assert chapters.labels[:2] == ["Barcelona – Gràcia", "Madrid – Lavapiés"]
    await ana.presses("Madrid – Lavapiés")
    await ana.says("Ana García")
    await ana.says("Soy maestra y vivo en Lavapiés.")
    await ana.presses(tr(sc, "es", "Skip"))
    [zone] = await ana.presses(tr(sc, "es", "Skip"))  # nothing to help with
    assert zone.labels[0] == tr(sc, "es", "Yes, {zone}", zone="Europe/Madrid")
    # The time is shown in Spanish style, in Madrid's time.
    assert es.format_datetime(sc.clock.now(), "Europe/Madrid", "short") in zone.text
    await ana.presses(tr(sc, "es", "Yes, {zone}", zone="Europe/Madrid"))
    await ana.presses(tr(sc, "es", "Skip"))
    [announce] = await ana.presses(tr(sc, "es", "I agree"))
    assert announce.labels[:2] == ["Sí", "No"]
    [summary] = await ana.presses("No")
    for shown in ("Ana García", "España", "Madrid – Lavapiés", "Europe/Madrid", "Español"):
        assert shown in summary.text
    sent = await ana.presses(tr(sc, "es", "Send my application"))
    [card] = [p for p in sent if p.chat_id == marta.dm]
    assert "Ana García" in card.text and "Madrid – Lavapiés" in card.text
    assert "España" in card.text  # the organiser's language: Spanish country names
    assert card.labels == [
        tr(sc, "es", "Approve"),
        tr(sc, "es", "Ask a question"),
        tr(sc, "es", "Decline"),
    ]
    await marta.presses(tr(sc, "es", "Approve"))
    assert last_dm(sc, ana).text.startswith(
        tr(
            sc,
            "es",
            "Welcome to {chapter}! Your application is approved: you are now an interim "
            "member of {organisation}.",
            chapter="Madrid – Lavapiés",
            organisation=org_es,
        )
    )
    assert (await member(sc, ana)).language == "es"
    assert all(not p.message.rtl for p in dm(sc, ana))


async def test_in_arabic_right_to_left_from_start_to_welcome(sc: Scenario) -> None:
    tunis = await sc.group("tunis-chat", "tunis-medina")
    leila = sc.person("leila", language_hint="ar", display_name="Leila")
    await sc.enrol(leila, "tunis-medina", Role.ORGANISER)
    omar = sc.person("omar", language_hint="ar-TN", display_name="Omar")
    organisation = sc.config.organisation
    org_ar = organisation.organisation.display_name("ar")

    [hello] = await omar.says("/start")
    assert hello.text.startswith(f"مرحبًا يا Omar! أنا مساعد {org_ar}.")
    assert hello.text.endswith(tr(sc, "ar", "Choose your language:"))
    assert hello.labels[-2] == "✓ العربية"
    [about] = await choose_language(omar, "ar")
    assert about.text.startswith(f"{org_ar}\n\n{organisation.text('mission', 'ar').strip()}")
    assert organisation.text("decisions", "ar").strip() in about.text
    [countries] = await omar.presses(tr(sc, "ar", "I have read this and want to join"))
    tunisia = Locale("ar").territories["TN"]
    assert tunisia == "تونس" and tunisia in countries.labels
    [chapters] = await omar.presses(tunisia)
    assert chapters.labels[0] == "Tunis – Médina (تونس – المدينة العتيقة)"
    await omar.presses(chapters.labels[0])
    await omar.says("عمر")
    await omar.says("أحب الزراعة الحضرية.")
    await omar.send(photo(omar, data=b"\x89PNG\r\n\x1a\n" + b"\0" * 40, mime="image/png"))
    await omar.presses(tr(sc, "ar", "Yes, {zone}", zone="Africa/Tunis"))
    await omar.says("الترجمة")
    await omar.presses(tr(sc, "ar", "I agree"))
    [summary] = await omar.presses("نعم")  # "Yes", already translated
    assert "عمر" in summary.text and tunisia in summary.text and "العربية" in summary.text
    await omar.presses(tr(sc, "ar", "Send my application"))
    card = last_dm(sc, leila)
    assert card.message.rtl and "عمر" in card.text
    # Stored bytes travel with the card, as an image.
    assert card.message.image is not None and card.message.image.mime_type == "image/png"
    await leila.presses(tr(sc, "ar", "Approve"))
    assert all(p.message.rtl for p in dm(sc, omar))  # every message to Omar, right to left
    welcome = sc.messenger().in_chat(tunis)[-1]
    assert welcome.message.rtl and "عمر" in welcome.text  # in the chat's language (ar)
    stored = await member(sc, omar)
    assert stored.photo_ref is None and stored.photo_mime == "image/png"
    assert stored.photo_data is not None and stored.photo_data.startswith(b"\x89PNG")


async def test_going_back_keeps_answers_and_a_new_country_resets_the_chapter(
    sc: Scenario,
) -> None:
    sam = sc.person("sam", display_name="Sam")
    await sam.says("/start")
    await sam.presses("✓ English")
    await sam.presses("I have read this and want to join")
    await sam.presses("United Kingdom")
    await sam.presses("London – Brixton")
    await sam.says("Sam")
    await sam.says("Teacher.")
    [back] = await sam.presses("Back")
    assert back.labels == ["Keep “Teacher.”", "Back", "Skip", "Cancel"]
    [name] = await sam.presses("Back")
    assert name.labels == ["Keep “Sam”", "Back", "Cancel"]
    [chapters] = await sam.presses("Back")
    assert "✓ London – Brixton" in chapters.labels
    [countries] = await sam.presses("Back")
    assert "✓ United Kingdom" in countries.labels
    [chapters] = await sam.presses("Spain")
    assert not any(label.startswith("✓") for label in chapters.labels)
    await sam.presses("Madrid – Lavapiés")
    await sam.presses("Keep “Sam”")
    await sam.presses("Keep “Teacher.”")
    await sam.presses("Skip")  # photo
    assert last_dm(sc, sam).labels[0] == "Yes, Europe/Madrid"  # from the new chapter
    [application] = await applications(sc)
    assert application.display_name == "Sam" and application.bio == "Teacher."


async def test_a_chapter_invite_link_skips_the_place_questions(sc: Scenario) -> None:
    olga = sc.person("olga")
    await sc.enrol(olga, "london-brixton", Role.ORGANISER)
    kim = sc.person("kim", display_name="Kim")
    [hello] = await kim.says("/start join-london-brixton")
    assert hello.text.startswith("Hello, Kim!")
    await kim.presses("✓ English")
    [name] = await kim.presses("I have read this and want to join")
    assert name.text.startswith("What name should other members see?")
    [chapters] = await kim.presses("Back")  # they may still choose another chapter
    assert "✓ London – Brixton" in chapters.labels
    await kim.presses("✓ London – Brixton")
    await kim.presses("Use “Kim”")
    await kim.presses("Skip")
    await kim.presses("Skip")
    await kim.presses("Yes, Europe/London")
    await kim.presses("Skip")
    await kim.presses("I agree")
    [summary] = await kim.presses("No")
    assert "Chapter: London – Brixton" in summary.text
    assert "Welcome in the chapter chat: No" in summary.text

    # A link to a chapter that does not exist says so, and onboarding goes on.
    lee = sc.person("lee")
    [hello] = await lee.says("/start join-atlantis")
    assert hello.text.startswith(
        "That invite link is not valid any more (its chapter may have been removed). You "
        "can choose your chapter on the way.\n\nHello, Lee!"
    )
    # Other /start payloads are not invite links: plain onboarding.
    [hello] = await sc.person("max").says("/start ref-newsletter")
    assert hello.text.startswith("Hello, Max!")
    # /join takes a chapter's short name too.
    [hello] = await sc.person("ada").says("/join atlantis")
    assert hello.text.startswith("There is no branch “atlantis”.\n\nHello, Ada!")
    noor = sc.person("noor")
    await noor.says("/join london-brixton")
    await noor.presses("✓ English")
    [name] = await noor.presses("I have read this and want to join")
    assert name.text.startswith("What name should other members see?")


async def test_cancel_closes_the_draft_and_join_starts_afresh(sc: Scenario) -> None:
    sam = sc.person("sam")
    await sam.says("/join")
    await sam.presses("✓ English")
    [cancelled] = await sam.presses("Cancel")
    assert cancelled.text == (
        "Your application is cancelled. Send /join whenever you want to start again."
    )
    [again] = await sam.says("/join")
    assert again.text.startswith("Hello, Sam!")  # a fresh start, not "welcome back"
    first, second = await applications(sc)
    assert first.status == ApplicationStatus.CANCELLED.value and first.open_member_id is None
    assert second.status == ApplicationStatus.DRAFT.value
    # A stale button of the cancelled application says it is closed.
    [closed] = await sam.presses_data(
        sc.app.services.signer.encode(Action("oa", (str(first.id), "a", "y")))
    )
    assert closed.text == "That application is closed. Send /join to start a new one."


async def test_on_a_platform_without_buttons_or_pictures(sc: Scenario) -> None:
    rob = sc.person("rob", platform="plain", display_name="Rob")
    [hello] = await rob.says("/start")
    assert "1. ✓ English\n2. Español" in hello.text
    assert hello.text.endswith("11. Cancel\nReply with the number of your choice.")
    await rob.says("1")
    await rob.says("1")  # I have read this and want to join
    [chapters] = await rob.says("10")  # United Kingdom
    assert "3. London – Hackney" in chapters.text
    await rob.says("3")
    await rob.says("Rob Roy")
    [picture] = await rob.says("Piper.")
    assert picture.text.startswith(
        "You can't send me a photo from this chat, so let's skip this step."
    )
    assert "1. Back\n2. Skip\n3. Cancel" in picture.text
    [zone] = await rob.says("2")
    assert zone.text.startswith("Is your time zone Europe/London?")
    [helping] = await rob.says("europe/dublin")  # typed, any case
    assert helping.text.startswith("What would you like to help with?")
    [application] = await applications(sc)
    assert application.timezone == "Europe/Dublin"
