"""/mydata sends everything stored about a member; /forgetme erases what is personal."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db.registry import all_metadata
from core.decisions.models import Ballot, Decision, Voter, VoteRecord
from core.members.models import Erasure, Member, PlatformAccount, Role
from core.messaging.actions import Action
from core.onboarding.models import Application, PendingJoinRequest
from core.testing import Scenario

HACKNEY = "london-hackney"
NAME = "Zebulon Quartz"
TG_ID = "zq-tg-4471"
PLAIN_ID = "zq-plain-4471"
BIO = "I grow radishes on balconies"
HELP = "radish logistics"
PHOTO = b"\x89PNG-zebulon-photo-bytes"


async def count(sc: Scenario, model: Any) -> int:
    async with sc.app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def a_full_life(sc: Scenario) -> tuple[Any, Any, str]:
    """Zebulon on two platforms: profile, roles, votes open and secret, a proposal, a code…"""
    chat = await sc.group("hackney", HACKNEY)
    zeb = sc.person(TG_ID, display_name=NAME)
    zeb_plain = sc.person(PLAIN_ID, platform="plain", display_name=NAME)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, "london", Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(zeb, HACKNEY, Role.ORGANISER)
    [reply] = await zeb.says("/link")
    code = re.search(r"/link (\S+)", reply.text).group(1)
    await zeb_plain.says(f"/link {code}")
    await olga.says(f"/role grant translator es {NAME}", chat=chat)
    await zeb.says("/profile")
    await zeb.presses("Edit bio")
    await zeb.says(BIO)
    async with sc.app.db.transaction() as session:
        member = (await session.scalars(select(Member).where(Member.display_name == NAME))).one()
        member.help_with, member.photo_data, member.photo_mime = HELP, PHOTO, "image/png"
    # An open decision he proposed and voted in, and a secret one he voted in.
    await zeb.says('/decide majority "Paint the office green?" --closes 48h', chat=chat)
    await zeb.presses("Yes", chat=chat)
    await bob.presses("No", chat=chat)
    await olga.says(
        '/decide plurality "Secret pick?" "Tea" "Coffee" --secret --closes 48h', chat=chat
    )
    [secret] = await zeb.says("/vote #2 1")
    assert "is recorded" in secret.text
    await zeb.says("/link")  # a live code, and a question left open
    await zeb.presses("Edit bio")
    await zeb_plain.says("/profile")  # numbered choices remembered for his plain DM
    return zeb, zeb_plain, chat


async def test_mydata_sends_everything_as_a_json_file(lite: Scenario) -> None:
    sc = lite
    zeb, zeb_plain, chat = await a_full_life(sc)
    [reply] = await zeb.says("/mydata")
    assert reply.chat_id == zeb.dm
    assert reply.text.startswith("Here is everything I store about you, as a JSON file")
    assert reply.message.file is not None
    assert reply.message.file.mime_type == "application/json"
    data = json.loads(reply.message.file.content)
    assert data["member"]["display_name"] == NAME
    assert data["member"]["bio"] == BIO and data["member"]["help_with"] == HELP
    assert data["member"]["photo_data"]["base64"]
    records = data["records"]
    assert sorted(a["external_id"] for a in records["platform_accounts"]) == [PLAIN_ID, TG_ID]
    assert sorted((g["role"], g["language"]) for g in records["role_grants"]) == [
        ("organiser", None),
        ("translator", "es"),
    ]
    # The set-up's organiser grant (made by the bot) and the translator grant by a person.
    assert [(e["action"], e["role"], e["refers_by"]) for e in records["role_changes"]] == [
        ("grant", "organiser", "subject_id"),
        ("grant", "translator", "subject_id"),
    ]
    [ballot] = records["ballots"]  # his open ballot; the secret one is not his to export
    assert (ballot["decision_id"], ballot["content"]) == (1, {"answer": "yes"})
    [proposed] = [d for d in records["decisions"] if d["refers_by"] == "proposer_id"]
    assert proposed["question"] == "Paint the office green?"
    assert {r["decision_id"] for r in records["vote_register"]} == {1, 2}
    assert len(records["link_codes"]) == 2
    assert all("code_hash" not in c for c in records["link_codes"])
    assert records["awaited_texts"][0]["field"] == "bio"
    # The same from the other platform, which has no buttons but takes files.
    [other] = await zeb_plain.says("/mydata")
    assert json.loads(other.message.file.content)["member"]["id"] == data["member"]["id"]
    [in_group] = await zeb.says("/mydata", chat=chat)
    assert in_group.text == "You can't use /mydata here."


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def personal_traces(sc: Scenario) -> list[str]:
    """Every cell of every table that still mentions Zebulon."""
    needles = [NAME, NAME.split()[0], TG_ID, PLAIN_ID, BIO, HELP, PHOTO.decode("latin-1")]
    found = []
    async with sc.app.db.sessions() as session:
        for table in all_metadata().sorted_tables:
            for row in (await session.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    text = _text(value)
                    found += [f"{table.name}.{column.name}: {n}" for n in needles if n in text]
    return found


async def test_forgetme_erases_everything_personal_and_keeps_the_counts(
    sc: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    zeb, zeb_plain, chat = await a_full_life(sc)
    # What onboarding keeps of him: his application and a platform join request.
    async with sc.app.db.transaction() as session:
        member = (await session.scalars(select(Member).where(Member.display_name == NAME))).one()
        now = sc.clock.now()
        session.add_all(
            [
                Application(
                    member_id=member.id,
                    status="approved",
                    step="done",
                    agreed=True,
                    unlisted=False,
                    invited=False,
                    proposing=False,
                    display_name=NAME,
                    bio=BIO,
                    help_with=HELP,
                    photo_data=PHOTO,
                    created_at=now,
                    updated_at=now,
                ),
                PendingJoinRequest(
                    member_id=member.id,
                    platform="fake",
                    chat_id="hackney",
                    user_id=TG_ID,
                    requested_at=now,
                ),
            ]
        )
    assert len(await personal_traces(sc)) > 10  # the scan sees him before
    voters, register, ballots = (
        await count(sc, Voter),
        await count(sc, VoteRecord),
        await count(sc, Ballot),
    )

    [ask] = await zeb.says("/forgetme")
    assert ask.text.startswith("Erase your personal data?")
    assert ask.labels == ["Erase my data", "Cancel"]
    [gone] = await zeb.presses("Erase my data")
    assert gone.chat_id == zeb.dm
    assert gone.text.startswith("Your personal data is erased.")

    assert await personal_traces(sc) == []
    # The counts stand: electorates, the register, every ballot (his open one anonymous).
    assert (await count(sc, Voter), await count(sc, VoteRecord), await count(sc, Ballot)) == (
        voters,
        register,
        ballots,
    )
    async with sc.app.db.sessions() as session:
        placeholder = (await session.scalars(select(Erasure))).one().member_id
        bob_id = (
            await session.scalars(select(Member.id).where(Member.display_name == "Bob"))
        ).one()
        member = await session.get(Member, placeholder)
        assert member.display_name == "Former member"
        assert (member.chapter_id, member.language, member.bio, member.photo_data) == (
            None,
            None,
            None,
            None,
        )
        assert (
            await session.scalar(
                select(func.count())
                .select_from(PlatformAccount)
                .where(PlatformAccount.member_id == placeholder)
            )
            == 0
        )
        # His open ballot is anonymous now, like the secret one; Bob's is still Bob's.
        voter_ids = (await session.scalars(select(Ballot.voter_id))).all()
        assert sorted(voter_ids, key=str) == sorted([None, None, bob_id], key=str)
        assert (await session.get(Decision, 1)).proposer_id is None
    # The log says it happened, and nothing about whom.
    assert "member data erased" in caplog.text
    for needle in (NAME, TG_ID, PLAIN_ID, BIO):
        assert needle not in caplog.text

    # Both decisions close with the turnout they had.
    await sc.advance(hours=48)
    outcomes = sorted(p.text for p in sc.messenger().in_chat(chat) if "Outcome" in p.text)
    assert len(outcomes) == 2
    assert "Yes: 1 · No: 1" in outcomes[0] and "Turnout: 2 of 2" in outcomes[0]
    assert "Votes: Tea 1 · Coffee 0" in outcomes[1] and "Turnout: 1 of 2" in outcomes[1]
    # Writing again starts afresh: a new member, with nothing of the old one.
    [hello] = await zeb_plain.says("/profile")
    assert "Chapter: none yet" in hello.text and "Bio: not set" in hello.text


async def test_forgetme_needs_a_fresh_confirmation_of_ones_own(lite: Scenario) -> None:
    sc = lite
    zeb = sc.person(TG_ID, display_name=NAME)
    bob = sc.person("bob")
    await sc.enrol(zeb, HACKNEY)
    await bob.says("/start")
    await zeb.says("/forgetme")
    [kept] = await zeb.presses("Cancel")
    assert kept.text == "Nothing was erased."
    await zeb.says("/forgetme")
    sc.clock.advance(minutes=16)
    [late] = await zeb.presses("Erase my data")
    assert late.text == (
        "This confirmation is out of date. Send /forgetme again if you still want it."
    )
    async with sc.app.db.sessions() as session:
        bob_id = (
            await session.scalars(select(Member.id).where(Member.display_name == "Bob"))
        ).one()
    issued = str(int(sc.clock.now().timestamp()))
    forged = sc.app.services.signer.encode(Action("fgt", (str(bob_id), issued)))
    [not_bobs] = await zeb.presses_data(forged)  # Bob's button cannot erase Zebulon, nor Bob
    assert not_bobs.text == late.text
    [bad] = await zeb.presses_data(sc.app.services.signer.encode(Action("fgt", ("x",))))
    assert bad.text == "That button is not valid (it may be out of date). Please start again."
    [in_group] = await zeb.says("/forgetme", chat=await sc.group("hackney", HACKNEY))
    assert in_group.text == "You can't use /forgetme here."
    assert await count(sc, Erasure) == 0
    assert await personal_traces(sc) != []
