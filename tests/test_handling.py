"""The guarantees of CoreApp.handle, on both backends: once per update, people and chats
created once on first contact, profile details kept current, nothing kept from a refusal.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from core.db.database import Database
from core.errors import UserError
from core.federation.models import Chat
from core.federation.service import ancestor_ids, branch_by_slug
from core.i18n import _
from core.members.models import Member, PlatformAccount, Role
from core.members.service import grant_role, has_role
from core.messaging.arrival import LAST_SEEN_PRECISION
from core.messaging.inbound import ButtonPressed, ChatKind, ChatRef, CommandReceived, Sender
from core.messaging.models import HandledUpdate
from core.messaging.router import CommandSpec
from core.testing import Scenario

pytestmark = pytest.mark.asyncio


def _help(user: str, update: str, chat: ChatRef | None = None, **sender: str) -> CommandReceived:
    return CommandReceived(
        platform="fake",
        sender=Sender(user, sender.get("name", user.title()), sender.get("hint")),
        chat=chat or ChatRef(f"dm:{user}", ChatKind.PRIVATE),
        update_id=update,
        command="help",
    )


async def _count(sc: Scenario, column: object) -> int:
    async with sc.app.db.sessions() as session:
        return int(await session.scalar(select(func.count(column))) or 0)


async def test_a_redelivered_update_is_handled_once(scenario: Scenario) -> None:
    alice = scenario.person("alice")
    [reply] = await alice.says("/help", update_id="u-42")
    assert reply.text.startswith("Commands you can use here:")
    assert await alice.says("/help", update_id="u-42") == []
    assert len(await alice.says("/help", update_id="u-43")) == 1


async def test_copies_of_an_update_arriving_together_are_handled_once(scenario: Scenario) -> None:
    sc = scenario
    alice = sc.person("alice")
    [menu] = await alice.says("/language")
    deutsch = next(b.action for b in menu.message.all_buttons() if b.label == "Deutsch")
    press = ButtonPressed(
        platform="fake",
        sender=Sender("alice", "Alice"),
        chat=ChatRef(alice.dm, ChatKind.PRIVATE),
        update_id="press-1",
        data=deutsch,
    )
    before = len(sc.messenger().posted)
    await asyncio.gather(*(sc.app.handle(press) for _ in range(6)))
    replies = sc.messenger().posted[before:]
    assert [r.text for r in replies] == ["Ab jetzt spreche ich Deutsch mit dir."]
    assert len(sc.messenger().acknowledged) == 1


async def test_a_new_persons_first_messages_racing_make_one_member_and_one_chat(
    scenario: Scenario,
) -> None:
    sc = scenario
    group = ChatRef("new-group", ChatKind.GROUP, "New group")
    before = len(sc.messenger().posted)
    await asyncio.gather(*(sc.app.handle(_help("newcomer", f"n{i}", group)) for i in range(6)))
    assert len(sc.messenger().posted) - before == 6  # every one answered
    assert await _count(sc, Member.id) == 1
    assert await _count(sc, PlatformAccount.id) == 1
    assert await _count(sc, Chat.id) == 1
    assert await _count(sc, HandledUpdate.update_key) == 6


async def test_a_known_person_in_a_new_chat(scenario: Scenario) -> None:
    sc = scenario
    await sc.app.handle(_help("bob", "b1"))
    group = ChatRef("elsewhere", ChatKind.GROUP, "Elsewhere")
    before = len(sc.messenger().posted)
    await asyncio.gather(*(sc.app.handle(_help("bob", f"b{i}", group)) for i in range(2, 6)))
    assert len(sc.messenger().posted) - before == 4
    assert await _count(sc, Member.id) == 1
    assert await _count(sc, Chat.id) == 2  # the private chat and the group


async def test_name_hint_and_title_are_kept_current_last_seen_every_few_minutes(
    scenario: Scenario,
) -> None:
    sc = scenario
    group = ChatRef("club", ChatKind.GROUP, "Club")
    await sc.app.handle(_help("carla", "c1", group, name="Carla", hint="es"))

    async def stored() -> tuple[str, str | None, object, str | None]:
        async with sc.app.db.sessions() as session:
            account = (await session.scalars(select(PlatformAccount))).one()
            chat = (await session.scalars(select(Chat))).one()
            return account.display_name, account.language_hint, account.last_seen_at, chat.title

    first_seen = (await stored())[2]
    sc.clock.advance(seconds=30)
    renamed = ChatRef("club", ChatKind.GROUP, "Book club")
    await sc.app.handle(_help("carla", "c2", renamed, name="Carla M.", hint="pt-BR"))
    name, hint, seen, title = await stored()
    assert (name, hint, title) == ("Carla M.", "pt-BR", "Book club")
    assert seen == first_seen  # a moment later: not worth a write
    sc.clock.advance(LAST_SEEN_PRECISION)
    await sc.app.handle(_help("carla", "c3", renamed, name="Carla M.", hint="pt-BR"))
    assert (await stored())[2] == sc.clock.now()


async def test_a_refusal_undoes_the_handlers_writes_but_the_update_stays_handled(
    scenario: Scenario,
) -> None:
    sc = scenario

    async def refuse(ctx, command) -> None:
        ctx.member.language = "de"
        await ctx.session.flush()
        raise UserError(_("You can't use /{command} here.", command="refuse"))

    sc.app.router.command(CommandSpec("refuse", _("Welcome, and what I can do for you"), refuse))
    dora = sc.person("dora")
    [reply] = await dora.says("/refuse", update_id="r1")
    assert reply.text == "You can't use /refuse here."
    assert await dora.says("/refuse", update_id="r1") == []  # recorded, although refused
    async with sc.app.db.sessions() as session:
        assert (await session.scalars(select(Member.language))).one() is None
        assert (await session.scalars(select(PlatformAccount.external_id))).one() == "dora"


async def test_a_crash_records_nothing_so_a_redelivery_is_handled(scenario: Scenario) -> None:
    sc = scenario
    calls = 0

    async def flaky(ctx, command) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("bug")
        ctx.reply("done")

    sc.app.router.command(CommandSpec("flaky", _("Welcome, and what I can do for you"), flaky))
    erin = sc.person("erin")
    [apology] = await erin.says("/flaky", update_id="f1")
    assert apology.text.startswith("Sorry, something went wrong")
    assert [r.text for r in await erin.says("/flaky", update_id="f1")] == ["done"]


@pytest.mark.postgres
async def test_stale_pooled_connections_are_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What pool_pre_ping did on every checkout, now done for connections left idle.
    monkeypatch.setattr("core.db.database.PING_AFTER_IDLE", 0.0)
    async with Scenario.open(postgres_url) as sc:
        fred = sc.person("fred")
        assert len(await fred.says("/help")) == 1
        admin = Database(postgres_url)  # not the app's pool
        try:
            async with admin.engine.connect() as conn:
                killed = await conn.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        finally:
            await admin.dispose()
        assert killed  # the app's idle pooled connection
        [reply] = await fred.says("/help")
        assert reply.text.startswith("Commands you can use here:")


@pytest.mark.postgres
async def test_connections_in_use_are_not_pinged(postgres_url: str) -> None:
    async with Scenario.open(postgres_url) as sc:
        pings = 0
        dialect = sc.app.db.engine.sync_engine.dialect
        real_ping = dialect.do_ping

        def counting(dbapi_connection: object) -> bool:
            nonlocal pings
            pings += 1
            return bool(real_ping(dbapi_connection))

        dialect.do_ping = counting  # type: ignore[method-assign]
        gina = sc.person("gina")
        for _ in range(5):
            await gina.says("/help")
        assert pings == 0


async def test_roles_cover_the_branch_and_everything_below_it(scenario: Scenario) -> None:
    async with scenario.app.db.transaction() as session:
        branches = {}
        for slug in ("international", "uk", "london", "london-hackney", "scotland"):
            branch = await branch_by_slug(session, slug)
            assert branch is not None
            branches[slug] = branch.id
        assert await ancestor_ids(session, branches["london-hackney"]) == [
            branches[s] for s in ("london-hackney", "london", "uk", "international")
        ]
        member = Member(display_name="Org", created_at=scenario.clock.now())
        session.add(member)
        await session.flush()
        await grant_role(session, member.id, Role.ORGANISER, branches["london"], member.created_at)
        held = {
            slug: await has_role(session, member.id, Role.ORGANISER, branch_id)
            for slug, branch_id in branches.items()
        }
        assert held == {
            "international": False,
            "uk": False,
            "london": True,
            "london-hackney": True,
            "scotland": False,
        }
        assert await has_role(session, member.id, Role.ORGANISER, None)  # somewhere
        assert not await has_role(session, member.id, Role.TRANSLATOR, None)
        await grant_role(session, member.id, Role.ADMIN, branches["uk"], member.created_at)
        assert await has_role(session, member.id, Role.TRANSLATOR, branches["scotland"])
        assert not await has_role(session, member.id, Role.TRANSLATOR, branches["international"])
