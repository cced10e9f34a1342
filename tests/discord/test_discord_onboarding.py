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
