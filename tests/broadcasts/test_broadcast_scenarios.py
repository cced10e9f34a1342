"""/broadcast end to end: a national branch, five languages, two platforms, translators and
the machine; opt-out, closed DMs, one linked member reached once; a failing provider."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.broadcasts.models import Broadcast, BroadcastDelivery
from core.members.models import Role
from core.testing import FULL, TEXT_ONLY, FakeMessenger, Posted, Scenario
from core.testing.scenario import Person
from core.translation.providers import ProviderSettings
from tests.translation.fake_providers import FakeProviders
from tests.translation.helpers import actions, dms, make_translator

TEXT = "Hello everyone: the chapter meeting is on Saturday."


@pytest.fixture
async def sc(tmp_path: Path, providers: FakeProviders) -> AsyncIterator[Scenario]:
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    async with Scenario.open(tmp_path / "bot.db", messengers=fakes, translation=settings) as s:
        yield s


def announcements(sc: Scenario, person: Person) -> list[Posted]:
    return [
        p
        for platform in ("fake", "plain")
        for p in sc.messenger(platform).in_chat(person.dm)
        if p.text.startswith("📣 ") and " · Olga\n" in p.text
    ]


async def link(sc: Scenario, first: Person, second: Person) -> None:
    [code] = await first.says("/link")
    found = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code.text)
    assert found is not None
    await second.says(f"/link {found.group(0)}")


async def compose(sc: Scenario, olga: Person, when: str, hours: str | None) -> Posted:
    [ask] = await olga.says("/broadcast uk")
    assert ask.message.asks_for_text == "Announcement"
    assert ask.text.startswith("Write the announcement to United Kingdom and every branch below it")
    [asked] = await olga.says(TEXT)
    assert asked.labels == ["Now", "At a time", "When the translations are ready", "Cancel"]
    await olga.presses(when)
    if hours:
        await olga.presses(hours)
    [preview] = await olga.presses("Both")
    return preview


async def test_a_national_broadcast_in_five_languages(sc: Scenario) -> None:
    uk_chat = await sc.group("uk-chat", "uk", platform="fake")
    room = await sc.group("hackney-room", "london-hackney", platform="plain")
    olga = sc.person("olga")
    await sc.enrol(olga, "uk", Role.ORGANISER)
    readers = {
        "ed": sc.person("ed"),
        "eve": sc.person("eve", platform="plain"),
        "sofia": sc.person("sofia", language_hint="es"),
        "santi": sc.person("santi", platform="plain", language_hint="es"),
        "fanny": sc.person("fanny", language_hint="fr"),
        "amir": sc.person("amir", platform="plain", language_hint="ar"),
        "eleni": sc.person("eleni", language_hint="el-GR"),
    }
    chapters = ["london-hackney", "london-brixton", "glasgow-southside"]
    for i, person in enumerate(readers.values()):
        await sc.enrol(person, chapters[i % 3])
    tess = sc.person("tess")  # writes the Spanish
    fred = sc.person("fred", platform="plain", language_hint="fr")  # checks the French draft
    await make_translator(sc, tess, "london-hackney", "es", where="uk")
    await make_translator(sc, fred, "glasgow-southside", "fr", where="international")
    otto, dora = sc.person("otto"), sc.person("dora")
    lena, lena_too = sc.person("lena"), sc.person("lena", platform="plain")
    for person in (otto, dora, lena):
        await sc.enrol(person, "london-brixton")
    await link(sc, lena, lena_too)  # one member, two accounts: plain was used last
    sc.messenger("fake").dms_closed.add("dora")
    [settings] = await otto.says("/settings")
    assert "Announcements by private message: on" in settings.text
    [off] = await otto.presses("Turn them off")
    assert "Announcements by private message: off" in off.text

    preview = await compose(sc, olga, "When the translations are ready", "In 6 hours")
    assert preview.text.startswith(
        "Preview of broadcast #1:\n\n📣 United Kingdom · Olga\n\n" + TEXT + "\n\n"
        "To United Kingdom and every branch below it, in the branch chats and members' "
        "private messages, when the translations are ready, at the latest "
    )
    # 13 members: 12 by DM (Otto opted out), Lena once; and the two chats.
    assert "Recipients: 12 members by private message and 2 chats." in preview.text
    assert "• English: Fake 5 · Plain 3" in preview.text
    assert "• Spanish: Fake 1 · Plain 1" in preview.text
    assert "• French: Fake 1 · Plain 1" in preview.text
    assert "Not by private message: 1 turned announcements off, 0 use no platform" in preview.text
    assert "No translator for Arabic, Greek: a machine translation goes out." in preview.text
    assert preview.labels == ["Send", "Cancel"]
    [confirmed] = await olga.presses("Send")
    assert confirmed.text.startswith("📣 Broadcast #1 will go out when the translations are ready")

    await sc.app.run_due()  # machine drafts for es, fr, ar, el; the translators are asked
    [ask_es] = dms(sc, tess)
    assert "Machine draft, to check and correct:" in ask_es.text
    await tess.presses("Translate")
    [thanks] = await tess.says("¡Hola a todos! La reunión del capítulo es el sábado.")
    assert thanks.text.startswith("Thank you!")
    [ask_fr] = [p for p in dms(sc, fred) if p.text.startswith("🌐 Peux-tu traduire")]
    assert "(fr) bonjour tout le monde: the section locale meeting is on Saturday." in ask_fr.text
    await fred.says("2")  # Accept draft, by number on the platform without buttons
    await sc.app.run_due()
    # Arabic and Greek have no translator: the broadcast waits for its deadline.
    assert not announcements(sc, readers["ed"])
    sc.clock.advance(hours=6)
    await sc.app.run_due()

    def only(name: str) -> Posted:
        [got] = announcements(sc, readers[name])
        return got

    assert only("ed").text == f"📣 United Kingdom · Olga\n\n{TEXT}"
    assert only("ed").labels == []  # the original: nothing to show
    assert "¡Hola a todos! La reunión del capítulo es el sábado." in only("sofia").text
    assert [a.kind for a in actions(sc, only("sofia"))] == ["tro"]
    assert "¡Hola a todos!" in only("santi").text and only("santi").labels == []
    assert "(fr) bonjour tout le monde: the section locale meeting" in only("fanny").text
    assert "(ar) مرحبا everyone: the مجموعة محلية meeting" in only("amir").text
    assert "(el) γεια everyone: the τοπική ομάδα meeting" in only("eleni").text
    assert only("amir").message.rtl
    assert not announcements(sc, otto)
    assert not announcements(sc, dora)
    # Lena: once, on the platform she used last.
    [to_lena] = announcements(sc, lena)
    assert to_lena.chat_id == lena.dm and to_lena in sc.messenger("plain").posted
    [in_chat] = [p for p in sc.messenger("fake").in_chat(uk_chat) if p.text.startswith("📣")]
    assert in_chat.text == f"📣 United Kingdom · Olga\n\n{TEXT}"
    assert len([p for p in sc.messenger("plain").in_chat(room) if p.text.startswith("📣")]) == 1

    # The confirmation became the count, and the report came.
    assert confirmed.text == "📣 Broadcast #1 to United Kingdom: 13 / 14 delivered. 1 failed."
    report = dms(sc, olga)[-1].text
    assert report.startswith(
        "📣 Broadcast #1 to United Kingdom is finished.\nDelivered: 13 of 14.\n"
        "Posted in 2 chats.\nFailed: 1.\n"
        "• blocked the bot or closed their private messages: 1\nBy language:\n"
        "• English: 7 delivered, 1 failed\n"
    )
    assert "• Arabic: 1 delivered, 0 failed" in report
    async with sc.app.db.sessions() as session:
        rows = (await session.scalars(select(BroadcastDelivery))).all()
        [broadcast] = (await session.scalars(select(Broadcast))).all()
    assert broadcast.status == "done"
    assert sorted({r.status for r in rows}) == ["failed", "sent"]
    assert all(r.message_id for r in rows if r.status == "sent")
    assert len({(r.member_id, r.target) for r in rows}) == len(rows) == 14


async def test_a_failing_provider_sends_the_original_now(
    sc: Scenario, providers: FakeProviders
) -> None:
    providers.mode = "500"
    olga, sofia, tess = sc.person("olga"), sc.person("sofia", language_hint="es"), sc.person("tess")
    await sc.enrol(olga, "uk", Role.ORGANISER)
    await sc.enrol(sofia, "london-hackney")
    await make_translator(sc, tess, "london-hackney", "es", where="uk")
    await compose(sc, olga, "Now", None)
    [confirmed] = await olga.presses("Send")
    assert confirmed.text == "📣 Broadcast #1 is on its way."
    await sc.app.run_due()
    [got] = announcements(sc, sofia)
    assert got.text == f"📣 Reino Unido · Olga\n\n{TEXT}"  # the original, not held back
    [ask] = [p for p in dms(sc, tess) if "Please translate" in p.text]  # and Tess is asked
    assert "Machine draft" not in ask.text


async def test_settings_choose_the_platform_and_dms_only(sc: Scenario) -> None:
    olga = sc.person("olga")
    await sc.enrol(olga, "uk", Role.ORGANISER)
    await sc.group("uk-chat", "uk", platform="fake")
    lena, lena_too = sc.person("lena"), sc.person("lena", platform="plain")
    await sc.enrol(lena, "london-brixton")
    await link(sc, lena, lena_too)
    [shown] = await lena.says("/settings")
    assert "They reach you on the platform you used last." in shown.text
    [chosen] = await lena.presses("On Fake")
    assert "They reach you on Fake." in chosen.text
    await olga.says("/broadcast uk")
    await olga.says(TEXT)
    await olga.presses("Now")
    [preview] = await olga.presses("Members' private messages")
    assert "Recipients: 2 members by private message and 0 chats." in preview.text
    await olga.presses("Send")
    await sc.app.run_due()
    [got] = announcements(sc, lena)
    assert got in sc.messenger("fake").posted
    assert not [p for p in sc.messenger("fake").in_chat("uk-chat") if p.text.startswith("📣")]


async def test_bad_input_in_the_conversation(sc: Scenario) -> None:
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, "london-hackney", Role.ORGANISER)
    await sc.enrol(bob, "london-hackney")
    [refused] = await bob.says("/broadcast")
    assert refused.text == "You can't use /broadcast here."
    [refused] = await olga.says("/broadcast uk")  # she organises Hackney, not the UK
    assert refused.text.startswith("Only organisers of United Kingdom")
    [ask] = await olga.says("/broadcast")  # her one branch is chosen for her
    assert "London – Hackney" in ask.text
    [long] = await olga.says("x" * 3001)
    assert long.text.startswith("That is 3,001 characters long; the most is 3,000.")
    await olga.says(TEXT)
    await olga.presses("At a time")
    [past] = await olga.says("2020-01-01T10:00")
    assert past.text == "That time is in the past. Please choose a later one."
    [nonsense] = await olga.says("soonish")
    assert nonsense.text.startswith("“soonish” is not a time I understand")
    [where] = await olga.says("2h")
    assert where.text == "Where should it go?"
    [cancelled] = await olga.presses("Cancel")
    assert cancelled.text == "Cancelled: nothing was sent."
    [stale] = await olga.presses("Both")
    assert stale.text == "That broadcast is no longer a draft."
    await sc.app.run_due()
    async with sc.app.db.sessions() as session:
        assert not (await session.scalars(select(BroadcastDelivery))).all()
    del ask
