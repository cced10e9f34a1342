"""Bad input and failures: clear localized answers, nothing half-written, the bot keeps serving."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import UserError
from core.federation.service import branch_by_slug
from core.i18n import KNOWN_LANGUAGES, _
from core.members.models import Member, Role
from core.members.service import grant_role
from core.messaging.inbound import ChatKind, ChatRef, MemberJoined, Sender
from core.messaging.router import CommandSpec
from core.testing import TEXT_ONLY, FakeMessenger, Scenario

pytestmark = pytest.mark.asyncio
LOCALES = Path(__file__).resolve().parents[1] / "locales"


async def test_a_crashing_handler_rolls_back_apologises_and_the_bot_keeps_serving(
    sqlite_scenario: Scenario, caplog
) -> None:
    sc = sqlite_scenario

    async def broken(ctx, command) -> None:
        ctx.member.language = "de"  # a write that must not survive the crash
        ctx.reply("half-done work that must not be sent")
        raise RuntimeError("bug in a handler")

    sc.app.router.command(CommandSpec("broken", _("Welcome, and what I can do for you"), broken))
    juan = sc.person("juan", language_hint="es")
    [reply] = await juan.says("/broken")
    assert reply.text == "Lo siento, algo ha fallado por mi parte. Vuelve a intentarlo más tarde."
    assert "handling failed" in caplog.text and "bug in a handler" in caplog.text
    async with sc.app.db.sessions() as session:
        assert (await session.scalars(select(Member.language))).all() == []  # rolled back whole
    [reply] = await juan.says("/help")
    assert reply.text.startswith("Comandos que puedes usar aquí:")


async def test_a_user_error_undoes_the_handlers_writes(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario

    async def refuse(ctx, command) -> None:
        ctx.member.language = "de"
        await ctx.session.flush()
        raise UserError(_("You can't use /{command} here.", command="refuse"))

    sc.app.router.command(CommandSpec("refuse", _("Welcome, and what I can do for you"), refuse))
    alice = sc.person("alice")
    [reply] = await alice.says("/refuse")
    assert reply.text == "You can't use /refuse here."
    async with sc.app.db.sessions() as session:
        assert (await session.scalars(select(Member.language))).one() is None


async def test_help_lists_only_what_this_person_may_use_here(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario

    async def secret(ctx, command) -> None:
        ctx.reply("organisers only")

    sc.app.router.command(
        CommandSpec("organise", _("The commands you can use here"), secret, requires=Role.ORGANISER)
    )
    hackney = await sc.group("hackney", branch="london-hackney")
    madrid = await sc.group("madrid", branch="madrid-lavapies")
    alice, bob = sc.person("alice"), sc.person("bob")
    await alice.says("/start")
    await bob.says("/start")
    async with sc.app.db.transaction() as session:
        london = await branch_by_slug(session, "london")
        member = (await session.scalars(select(Member).where(Member.display_name == "Alice"))).one()
        await grant_role(session, member.id, Role.ORGANISER, london.id, sc.clock.now())

    [reply] = await alice.says("/help", chat=hackney)  # an organiser of the region above
    assert "/organise — " in reply.text
    [reply] = await alice.says("/organise", chat=hackney)
    assert reply.text == "organisers only"
    [reply] = await alice.says("/help", chat=madrid)
    assert "/organise" not in reply.text
    [reply] = await alice.says("/organise", chat=madrid)  # no hint: the chat's Spanish
    assert reply.text == "No puedes usar /organise aquí."
    [reply] = await bob.says("/help", chat=hackney)
    assert "/organise" not in reply.text
    [reply] = await bob.says("/organise", chat=hackney)
    assert reply.text == "You can't use /organise here."


async def test_numbered_choices_where_the_platform_has_no_buttons(tmp_path) -> None:
    plain = FakeMessenger("plain", TEXT_ONLY)
    async with Scenario.open(tmp_path / "bot.db", messengers=[plain]) as sc:
        alice = sc.person("alice", platform="plain")
        [menu] = await alice.says("/language")
        assert menu.message.buttons == ()
        assert menu.text == (
            "Choose your language:\n\n1. ✓ English\n2. Español\n3. Français\n4. Deutsch\n"
            "5. Português\n6. Italiano\n7. Nederlands\n8. Svenska\n9. Ελληνικά\n10. العربية\n"
            "Reply with the number of your choice."
        )
        [reply] = await alice.says("12")
        assert reply.text == "Please answer with a number from 1 to 10."
        await sc.restart()  # the offered choices are durable
        [reply] = await alice.says("2")
        assert reply.text == "A partir de ahora te hablaré en Español."
        [menu] = await alice.says("/language")
        assert menu.text.startswith("Elige tu idioma:\n\n1. English\n2. ✓ Español\n")
        assert menu.text.endswith("Responde con el número de tu elección.")


@pytest.mark.parametrize("lang", KNOWN_LANGUAGES)
async def test_help_in_every_language(sqlite_scenario: Scenario, lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    person = sqlite_scenario.person("p", language_hint="en")
    await person.says(f"/language {lang}")
    [reply] = await person.says("/help")
    heading, *lines = reply.text.split("\n")
    assert heading == catalog.gettext("Commands you can use here:")
    assert [line.split(" — ")[0] for line in lines][:3] == ["/start", "/help", "/language"]
    descriptions = {
        f"/{spec.name}": spec.description.msgid for spec in sqlite_scenario.app.router.commands
    }
    for line in lines:  # every command listed, each described in the reader's language
        name, description = line.split(" — ", 1)
        assert description == catalog.gettext(descriptions[name])
    assert lines[2].split(" — ")[1] == catalog.gettext("Choose the language I speak to you in")
    if lang != "en":
        assert heading != "Commands you can use here:"
    assert reply.message.rtl == (lang == "ar")


async def test_events_nobody_handles_and_unknown_platforms_are_skipped(
    sqlite_scenario: Scenario, caplog
) -> None:
    sc = sqlite_scenario
    joined = MemberJoined(
        platform="fake",
        sender=Sender("zoe", "Zoe"),
        chat=ChatRef("hackney", ChatKind.GROUP),
        update_id="j1",
    )
    assert await sc.deliver(joined) == []
    stray = MemberJoined(
        platform="icq",
        sender=Sender("zoe", "Zoe"),
        chat=ChatRef("x", ChatKind.GROUP),
        update_id="j2",
    )
    await sc.app.handle(stray)
    assert "event from a platform with no messenger" in caplog.text
    [reply] = await sc.person("zoe").says("/help")
    assert reply.text.startswith("Commands you can use here:")


async def test_a_failing_platform_send_is_logged_and_others_still_served(tmp_path, caplog) -> None:
    down, up = FakeMessenger("down", fail_sends=True), FakeMessenger("up")
    async with Scenario.open(tmp_path / "bot.db", messengers=[down, up]) as sc:
        await sc.person("a", platform="down").says("/help")
        assert "send failed" in caplog.text
        [reply] = await sc.person("b", platform="up").says("/help")
        assert reply.text.startswith("Commands you can use here:")


async def test_housekeeping_due_while_the_bot_was_down_runs_once_on_start(
    sqlite_scenario: Scenario,
) -> None:
    from core.scheduling.models import Job, JobStatus

    sc = sqlite_scenario
    await sc.person("alice").says("/help")
    sc.clock.advance(days=45)  # the bot is "down" past the first housekeeping run and the month
    await sc.restart()  # start() runs what fell due
    async with sc.app.db.sessions() as session:
        jobs = (await session.scalars(select(Job).order_by(Job.id))).all()
        from core.messaging.models import HandledUpdate

        remaining = (await session.scalars(select(HandledUpdate))).all()
    assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.PENDING]
    assert jobs[1].due_at == sc.clock.now() + __import__("datetime").timedelta(days=1)
    assert remaining == []  # the month-old update ids were pruned
    await sc.restart()
    async with sc.app.db.sessions() as session:
        assert len((await session.scalars(select(Job))).all()) == 2  # ran once, booked once
