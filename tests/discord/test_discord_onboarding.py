"""Joining on Discord: the server join, the DM steps (menus, forms), roles on approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from bots.discord.views import ANSWER_ID
from core.members.models import Role
from tests.discord.harness import World, world
from tests.discord.test_discord_decisions import choose, labels


def last(user: Any) -> discord.Message:
    message = user.dm_channel.last_message
    assert message is not None
    return message


async def answer_by_form(user: Any, text: str) -> None:
    """Opens the form of the latest DM and submits ``text``."""
    message = last(user)
    form = next(label for label in labels(message) if label.startswith("✏️ "))
    shown = await user.click(message, label=form)
    assert shown.modal is not None and shown.modal["title"] == form.removeprefix("✏️ ")
    submitted = await user.submit_modal(shown, {ANSWER_ID: text})
    assert submitted.acknowledged


def role_names(w: World, actor: Any) -> set[str]:
    guild = w.bot.get_guild(w.guild.id)
    assert guild is not None
    member = guild.get_member(actor.id)
    assert member is not None
    return {role.name for role in member.roles}


async def test_join_the_server_onboard_in_dms_and_get_the_chapter_roles(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        olga = await w.member("olga", Role.ORGANISER)

        sam = await w.newcomer("sam")  # joins the server: greeted in #lobby, onboarded in DMs
        greeting = w.lobby.last_message
        assert greeting is not None
        assert (
            greeting.content == "Welcome, Sam! I have sent you a private message to help you join."
        )
        me = sam.user
        assert "Choose your language:" in last(me).content
        await choose(me, last(me), "✓ English")
        await me.click(last(me), label="I have read this and want to join")
        assert last(me).content == "Where do you live? Choose your country.", labels(last(me))
        await choose(me, last(me), "✓ United Kingdom")
        assert "Which chapter is nearest to you in United Kingdom?" in last(me).content
        await choose(me, last(me), "London – Hackney")
        assert last(me).content.startswith("What name should other members see?")
        await answer_by_form(me, "Sam Okafor")
        assert last(me).content.startswith("Tell us a little about yourself")
        await answer_by_form(me, "I cook for big groups.")
        await me.click(last(me), label="Skip")  # the photo
        await me.click(last(me), label="Yes, Europe/London")
        await me.click(last(me), label="Skip")  # what to help with
        await me.click(last(me), label="I agree")
        await me.click(last(me), label="Yes")
        summary = last(me).content
        assert "Sam Okafor" in summary and "I cook for big groups." in summary
        await me.click(last(me), label="Send my application")
        assert "Your application is now with the organisers of London – Hackney" in last(me).content

        card = last(olga.user)
        assert "Sam Okafor would like to join London – Hackney" in card.content
        assert role_names(w, sam) == {"@everyone"}, labels(card)
        await olga.user.click(card, label="Approve")

        assert last(me).content.startswith("Welcome to London – Hackney!")
        # Approval invites into the chapter's channel: on Discord, the branch's roles.
        assert role_names(w, sam) == {"@everyone", "Hackney", "Member"}
        assert last(olga.user).content == "Done: Sam Okafor is now a member of London – Hackney."
        assert w.problems() == [], "\n".join(map(str, w.problems()))


async def test_a_declined_applicant_gets_no_role(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        olga = await w.member("olga", Role.ORGANISER)
        tom = await w.newcomer("tom")
        me = tom.user
        await choose(me, last(me), "✓ English")
        await me.click(last(me), label="I have read this and want to join")
        await choose(me, last(me), "✓ United Kingdom")
        await choose(me, last(me), "London – Hackney")
        await me.click(last(me), label="Use “Tom”")
        for label in ("Skip", "Skip", "Yes, Europe/London", "Skip", "I agree", "No"):
            await me.click(last(me), label=label)
        await me.click(last(me), label="Send my application")
        await olga.user.click(last(olga.user), label="Decline")
        # The reason is typed into the form the prompt offers.
        await answer_by_form(olga.user, "We meet only in person, far from you.")
        assert "We meet only in person, far from you." in last(me).content
        assert role_names(w, tom) == {"@everyone"}


CANNOT_DM = {"status": 403, "code": 50007, "message": "Cannot send messages to this user"}


def shown(result: Any) -> discord.Message:
    """The latest message an interaction showed its user alone (ephemeral), in the channel."""
    assert result.followups, "nothing was shown"
    latest = result.followups[-1]
    assert latest.ephemeral, latest.content
    return latest.message  # type: ignore[no-any-return]


async def test_dms_closed_onboarding_happens_ephemerally_in_the_channel(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        olga = await w.member("olga", Role.ORGANISER)
        user = w.env.create_user("sam", global_name="Sam")
        dms = f"/channels/{user.dm_channel.id}/messages"
        w.env.inject_error("POST", dms, times=None, **CANNOT_DM)
        sam = w.guild.add_member(user)
        await w.env.settle()
        note = w.lobby.last_message
        assert note is not None
        assert note.content.startswith("Sam, I can't send you a private message")

        # /join in the channel: the steps are shown to Sam alone, there.
        started = await sam.slash(w.lobby, "join")
        step = shown(started)
        assert "Choose your language:" in step.content
        step = shown(await choose(sam, step, "✓ English"))
        step = shown(await sam.click(step, label="I have read this and want to join"))
        assert step.content == "Where do you live? Choose your country.", labels(step)
        step = shown(await choose(sam, step, "✓ United Kingdom"))
        step = shown(await choose(sam, step, "London – Hackney"))
        assert step.content.startswith("What name should other members see?")

        # The name and the bio through forms opened on those ephemeral steps.
        for text, following in (
            ("Sam Okafor", "Tell us a little about yourself"),
            ("I cook for big groups.", "Would you like to add a photo"),
        ):
            form = next(label for label in labels(step) if label.startswith("✏️ "))
            opened = await sam.click(step, label=form)
            assert opened.modal is not None
            submitted = await sam.submit_modal(opened, {ANSWER_ID: text})
            step = shown(submitted)
            assert step.content.startswith(following), step.content

        step = shown(await sam.click(step, label="Skip"))  # the photo
        for label in ("Yes, Europe/London", "Skip", "I agree", "Yes"):
            step = shown(await sam.click(step, label=label))
        assert "Sam Okafor" in step.content and "I cook for big groups." in step.content
        step = shown(await sam.click(step, label="Send my application"))
        assert "Your application is now with the organisers of London – Hackney" in step.content

        # Nothing of it was posted for everyone; the organisers have the application.
        public = "\n".join(m.content for m in w.lobby.history())
        assert "Sam Okafor" not in public and "I cook for big groups." not in public
        card = last(olga.user)
        assert "Sam Okafor would like to join London – Hackney" in card.content
        assert "I cook for big groups." in card.content
        assert w.problems() == [], "\n".join(map(str, w.problems()))
