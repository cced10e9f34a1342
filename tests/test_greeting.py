"""/start, /help and /language as people see them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.members.models import Member, PlatformAccount
from core.testing import Scenario

pytestmark = pytest.mark.asyncio

ORG_EN = "International Organization for a Participatory Society"
HELP_EN = (
    "/start — Welcome, and what I can do for you\n"
    "/help — The commands you can use here\n"
    "/language — Choose the language I speak to you in\n"
)
HELP_ES = (
    "Comandos que puedes usar aquí:\n"
    "/start — Bienvenida y qué puedo hacer por ti\n"
    "/help — Los comandos que puedes usar aquí\n"
    "/language — Elige el idioma en el que te hablo\n"
)
HELP_AR = (
    "الأوامر التي يمكنك استخدامها هنا:\n"
    "/start — الترحيب، وما يمكنني فعله من أجلك\n"
    "/help — الأوامر التي يمكنك استخدامها هنا\n"
    "/language — اختر اللغة التي أتحدث بها معك\n"
)
LANGUAGE_ROWS = [
    ["✓ English", "Español"],
    ["Français", "Deutsch"],
    ["Português", "Italiano"],
    ["Nederlands", "Svenska"],
    ["Ελληνικά", "العربية"],
]


def rows(posted) -> list[list[str]]:
    return [[b.label for b in row] for row in posted.message.buttons]


async def test_start_greets_in_english_with_what_the_bot_can_do(scenario: Scenario) -> None:
    alice = scenario.person("alice", language_hint="en-GB", display_name="Alice")
    await scenario.enrol(alice, "london-hackney")  # newcomers are onboarded instead
    [reply] = await alice.says("/start")
    assert reply.chat_id == "dm:alice"
    assert reply.text.startswith(
        f"Hello, Alice! I am the assistant of {ORG_EN}. We have 15 local chapters so far.\n\n"
        "Here is what you can do with me:\n" + HELP_EN
    )
    assert "\n/decide — Open a decision (send it alone to see how)\n" in reply.text
    assert reply.message.buttons == ()
    assert not reply.message.rtl


async def test_start_in_arabic_from_the_platform_hint(scenario: Scenario) -> None:
    omar = scenario.person("omar", language_hint="ar-EG", display_name="Omar")
    await scenario.enrol(omar, "tunis-medina")
    [reply] = await omar.says("/start")
    assert reply.text.startswith(
        "مرحبًا يا Omar! أنا مساعد المنظمة الدولية من أجل مجتمع تشاركي. "
        "لدينا 15 مجموعة محلية حتى الآن.\n\n"
        "إليك ما يمكنك فعله معي:\n" + HELP_AR.split("\n", 1)[1]
    )
    assert reply.message.rtl


async def test_language_buttons_choice_is_remembered_across_restarts(scenario: Scenario) -> None:
    alice = scenario.person("alice", language_hint="en")
    [menu] = await alice.says("/language")
    assert menu.text == "Choose your language:"
    assert rows(menu) == LANGUAGE_ROWS
    [confirmation] = await alice.presses("Español")
    assert confirmation.text == "A partir de ahora te hablaré en Español."
    press, toast = scenario.messenger().acknowledged[-1]
    assert toast == "Español" and press.sender.external_id == "alice"
    [help_reply] = await alice.says("/help")
    assert help_reply.text.startswith(HELP_ES)

    await scenario.restart()
    [again] = await alice.says("/help")
    assert again.text.startswith(HELP_ES)
    [menu] = await alice.says("/language")
    assert menu.text == "Elige tu idioma:"
    assert rows(menu)[0] == ["English", "✓ Español"]


async def test_language_by_argument_and_chosen_language_beats_the_hint(scenario: Scenario) -> None:
    nikos = scenario.person("nikos", language_hint="en-US")
    [reply] = await nikos.says("/language el")
    assert reply.text == "Από εδώ και πέρα θα σου μιλάω στα Ελληνικά."
    [reply] = await nikos.says("/language pt-BR")
    assert reply.text == "A partir de agora, vou falar com você em Português."
    async with scenario.app.db.sessions() as session:
        member = (await session.scalars(select(Member))).one()
    assert member.language == "pt"


async def test_malformed_language_is_answered_in_the_users_language_and_changes_nothing(
    scenario: Scenario,
) -> None:
    omar = scenario.person("omar", language_hint="ar")
    [reply] = await omar.says("/language xx")
    assert reply.text == "لا أتحدث «xx». اختر واحدة من: en, es, fr, de, pt, it, nl, sv, el, ar."
    [reply] = await omar.says("/language " + "💥" * 500)
    assert reply.text.startswith("لا أتحدث «" + "💥" * 20 + "»")
    async with scenario.app.db.sessions() as session:
        assert (await session.scalars(select(Member.language))).one() is None


async def test_unknown_command(scenario: Scenario) -> None:
    alice = scenario.person("alice")
    [reply] = await alice.says("/frobnicate now")
    assert (
        reply.text
        == "I don't know the command /frobnicate. Send /help to see what you can do here."
    )
    juan = scenario.person("juan", language_hint="es")
    [reply] = await juan.says("/" + "x" * 300)
    assert reply.text.startswith("No conozco el comando /" + "x" * 32 + ".")


async def test_forged_or_foreign_button_data_is_rejected(scenario: Scenario) -> None:
    from core.messaging.actions import Action, ActionSigner

    alice = scenario.person("alice", language_hint="es")
    invalid = "Ese botón no es válido (puede que esté desactualizado). Vuelve a empezar, por favor."
    [menu] = await alice.says("/language")
    genuine = menu.message.buttons[1][1].action  # Français
    tampered = genuine[:-2] + "ar"
    foreign = ActionSigner(b"someone-elses-key!").encode(Action("lang", ("ar",)))
    unknown_kind = scenario.app.services.signer.encode(Action("nope", ("x",)))
    for data in (tampered, foreign, unknown_kind, "", "x" * 5000, "lang:ar"):
        [reply] = await alice.presses_data(data)
        assert reply.text == invalid
    async with scenario.app.db.sessions() as session:
        assert (await session.scalars(select(Member.language))).one() is None


async def test_the_same_update_delivered_twice_is_handled_once(scenario: Scenario) -> None:
    alice = scenario.person("alice")
    first = await alice.says("/help", update_id="tg-1001")
    second = await alice.says("/help", update_id="tg-1001")
    assert len(first) == 1 and second == []
    # Even when both copies arrive at the same moment.
    before = len(scenario.messenger().in_chat(alice.dm))
    await asyncio.gather(*(alice.says("/start", update_id="tg-1002") for _ in range(4)))
    new = scenario.messenger().in_chat(alice.dm)[before:]
    assert [p.text.split("!")[0] for p in new] == ["Hello, Alice"]
    async with scenario.app.db.sessions() as session:
        assert len((await session.scalars(select(PlatformAccount))).all()) == 1


async def test_group_chat_tells_its_branch(scenario: Scenario) -> None:
    hackney = await scenario.group("hackney-chat", branch="london-hackney")
    lonely = await scenario.group("random-group")
    alice = scenario.person("alice")
    [reply] = await alice.says("/start", chat=hackney)
    assert reply.chat_id == "hackney-chat"
    assert "\n\nThis chat belongs to London – Hackney.\n\n" in reply.text
    [reply] = await alice.says("/start", chat=lonely)
    assert "\n\nThis chat is not linked to a branch of the organisation yet.\n\n" in reply.text


async def test_unknown_hint_falls_back_to_the_chats_language(scenario: Scenario) -> None:
    madrid = await scenario.group("madrid-chat", branch="madrid-lavapies")
    kenji = scenario.person("kenji", language_hint="ja")
    [reply] = await kenji.says("/help", chat=madrid)
    assert reply.text.startswith(HELP_ES)
    [reply] = await kenji.says("/help")  # privately there is no chat language: the default
    assert reply.text.startswith("Commands you can use here:")


async def test_free_text_privately_gets_a_hint_and_in_groups_silence(scenario: Scenario) -> None:
    group = await scenario.group("g", branch="london")
    alice = scenario.person("alice")
    [reply] = await alice.says("hello?")
    assert reply.text == "I answer to commands. Send /help to see what you can do here."
    assert await alice.says("hello everyone", chat=group) == []
