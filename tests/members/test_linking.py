"""/link: one person's accounts on two platforms become one member, safely."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from core.decisions.models import Ballot, Voter, VoteRecord
from core.members.models import LinkCode, Member, PlatformAccount, Role, RoleGrant
from core.testing import Scenario

HACKNEY = "london-hackney"
CODE = re.compile(r"/link ([A-Z2-9]{4}-[A-Z2-9]{4})")


async def code_of(person) -> str:
    [reply] = await person.says("/link")
    match = CODE.search(reply.text)
    assert match, reply.text
    return match.group(1)


async def members(sc: Scenario) -> list[Member]:
    async with sc.app.db.sessions() as session:
        return list((await session.scalars(select(Member).order_by(Member.id))).all())


async def count(sc: Scenario, model) -> int:
    async with sc.app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_linking_two_platforms_makes_one_member_with_everything(sc: Scenario) -> None:
    zoe = sc.person("zoe", display_name="Zoe Tg")
    zoe_plain = sc.person("zoe-p", platform="plain", display_name="Zoe Plain")
    await sc.enrol(zoe, HACKNEY, Role.ORGANISER)
    # The same role on both sides must not clash (unique keys) but merge into one grant.
    await sc.enrol(zoe_plain, HACKNEY, Role.ORGANISER, Role.TRANSLATOR)
    bob = sc.person("bob")
    await sc.enrol(bob, HACKNEY)
    await zoe_plain.says("/language es")
    [reply] = await zoe_plain.says("/link")
    assert "/link" in reply.text
    # Zoe's fake account issues the code; the plain account enters it.
    [reply] = await zoe.says("/link")
    code = CODE.search(reply.text).group(1)
    assert reply.text.startswith(f"Your link code: {code}")
    assert "within 15 minutes" in reply.text
    assert "Linked now: Fake." in reply.text

    [linked] = await zoe_plain.says(f"/link {code.lower().replace('-', ' ')}")
    assert linked.chat_id == zoe_plain.dm
    # Zoe chose Spanish on the plain account; the merged member keeps that choice (the
    # sentence's translation comes with the catalogs; the list is already Spanish).
    assert "Zoe Tg" in linked.text and "Fake y Plain" in linked.text
    # The issuing account hears of it, so a code shown to someone else does not go unnoticed.
    [notice] = [p for p in sc.messenger("fake").in_chat(zoe.dm)][-1:]
    assert notice.text.startswith("Tu cuenta de Plain «Zoe Plain» ahora está vinculada a ti.")

    everyone = await members(sc)
    assert [m.display_name for m in everyone] == ["Zoe Tg", "Bob"]
    zoe_member = everyone[0]
    assert zoe_member.chapter_id is not None
    assert zoe_member.language == "es"  # the issuer had none: filled from the other account
    async with sc.app.db.sessions() as session:
        owners = (await session.scalars(select(PlatformAccount.member_id))).all()
        assert set(owners) == {zoe_member.id, everyone[1].id}
        roles = (
            await session.execute(
                select(RoleGrant.role).where(RoleGrant.member_id == zoe_member.id)
            )
        ).scalars()
        assert sorted(roles) == ["organiser", "translator"]

    # The merged member acts from either platform as one person.
    [again] = await zoe.says("/link")
    assert "Fake y Plain" in again.text


async def test_open_ballots_of_both_accounts_count_once(sc: Scenario) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    room = await sc.group("hackney-room", HACKNEY, platform="plain")
    alice = sc.person("alice")
    zoe = sc.person("zoe")
    zoe_plain = sc.person("zoe-p", platform="plain")
    await sc.enrol(alice, HACKNEY, Role.ORGANISER)
    await sc.enrol(zoe, HACKNEY)
    await sc.enrol(zoe_plain, HACKNEY)
    await alice.says('/decide majority "Paint the office?" --closes 48h', chat=tg)
    await zoe.presses("Yes", chat=tg)
    await zoe_plain.says("2", chat=room)  # "No" from the other account
    assert await count(sc, Ballot) == 2
    assert await count(sc, VoteRecord) == 2
    assert await count(sc, Voter) == 3

    code = await code_of(zoe)
    await zoe_plain.says(f"/link {code}")
    # The issuer's ballot stands; the electorate and the register hold Zoe once.
    async with sc.app.db.sessions() as session:
        contents = (await session.scalars(select(Ballot.content))).all()
    assert contents == [{"answer": "yes"}]
    assert await count(sc, VoteRecord) == 1
    assert await count(sc, Voter) == 2
    await sc.advance(hours=48)
    outcome = sc.messenger("fake").in_chat(tg)[-1]
    assert "Turnout: 1 of 2" in outcome.text


async def test_codes_work_once_expire_and_belong_to_the_issuer(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    zoe_plain = sc.person("zoe-p", platform="plain")
    eve = sc.person("eve", platform="plain")
    await zoe.says("/start")

    code = await code_of(zoe)
    [own] = await zoe.says(f"/link {code}")
    assert own.text == "This code is yours. Send it from your account on the other platform."

    await zoe_plain.says(f"/link {code}")
    [used] = await eve.says(f"/link {code}")
    assert used.text.startswith("That code does not work: it may be mistyped, expired or already")
    assert used.text.endswith("You have 4 more tries this hour.")
    [mine_again] = await zoe_plain.says(f"/link {code}")
    assert mine_again.text == "This code was already used to link your accounts."

    late = await code_of(zoe)
    sc.clock.advance(minutes=16)
    [expired] = await eve.says(f"/link {late}")
    assert "does not work" in expired.text
    assert len(await members(sc)) == 2  # Zoe (both accounts) and Eve, who linked nothing

    # A new code replaces the unused one: only one code of a member is ever live.
    first = await code_of(zoe)
    await code_of(zoe)
    [replaced] = await eve.says(f"/link {first}")
    assert "does not work" in replaced.text


async def test_accounts_on_the_same_platform_are_not_linked(lite: Scenario) -> None:
    zoe, other = lite.person("zoe"), lite.person("zoe2")
    code = await code_of(zoe)
    [reply] = await other.says(f"/link {code}")
    assert reply.text == "Both accounts are on Fake. You can link one account per platform."
    assert len(await members(lite)) == 2
    async with lite.app.db.sessions() as session:
        assert (await session.scalar(select(LinkCode.used_at))) is None  # still usable


async def test_five_wrong_codes_lock_out_for_an_hour(lite: Scenario) -> None:
    sc = lite
    zoe = sc.person("zoe")
    mallory = sc.person("mallory", platform="plain")
    code = await code_of(zoe)
    answers = []
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "not a code", "CCCC-CCC", "DDDD-DDDD"):
        [reply] = await mallory.says(f"/link {guess}")
        answers.append(reply.text)
    assert answers[0].endswith("You have 4 more tries this hour.")
    assert answers[3].endswith("You have 1 more try this hour.")
    assert answers[4] == "Too many wrong codes. For your safety, try again in 60 minutes."
    # Locked: even the right code is refused, and refused tries do not prolong the lock.
    sc.clock.advance(minutes=30)
    [locked] = await mallory.says(f"/link {code}")
    assert locked.text == "Too many wrong codes. For your safety, try again in 30 minutes."
    assert len(await members(sc)) == 2
    sc.clock.advance(minutes=31)
    code = await code_of(zoe)  # the first one expired meanwhile
    [linked] = await mallory.says(f"/link {code}")
    assert linked.text.startswith("Your accounts are linked")


async def test_link_is_private_and_codes_never_reach_the_log(
    lite: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    sc = lite
    caplog.set_level(logging.DEBUG)
    tg = await sc.group("hackney-tg", HACKNEY)
    zoe = sc.person("zoe")
    [refused] = await zoe.says("/link", chat=tg)
    assert refused.text == "You can't use /link here."
    code = await code_of(zoe)
    await sc.person("zoe-p", platform="plain").says(f"/link {code}")
    async with sc.app.db.sessions() as session:
        stored = (await session.scalars(select(LinkCode.code_hash))).all()
    assert all(len(h) == 64 and code.replace("-", "") not in h for h in stored)
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    assert "accounts linked" in caplog.text
