"""Deciding on Discord: slash command, buttons, a private ballot with menus, the outcome,
and buttons of old messages after a restart. Every request is checked against the spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from core.members.models import Role
from tests.discord.harness import world


def labels(message: discord.Message) -> list[str]:
    """Button labels, and each select menu's option labels, in reading order."""
    out: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", []):
            if isinstance(child, discord.SelectMenu):
                out += [option.label for option in child.options]
            else:
                out.append(child.label or "")
    return out


def selects(message: discord.Message) -> list[discord.SelectMenu]:
    return [
        child
        for row in message.components
        for child in getattr(row, "children", [])
        if isinstance(child, discord.SelectMenu)
    ]


async def choose(actor: Any, message: discord.Message, label: str) -> Any:
    """Picks ``label``: an option of the message's select menus, else its button."""
    for menu in selects(message):
        for option in menu.options:
            if option.label == label:
                return await actor.select(message, [option.value], custom_id=menu.custom_id)
    return await actor.click(message, label=label)


async def test_decide_vote_by_button_and_private_ballot_then_outcome(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        alice = await w.member("alice", Role.ORGANISER)
        bob, carol = await w.member("bob"), await w.member("carol")

        # A slash command is acknowledged at once, privately ("thinking…"), and the
        # decision is posted in the channel with its buttons.
        opened = await alice.slash(w.hackney, "decide", details='majority "Adopt the charter?"')
        assert opened.deferred and opened.ephemeral
        post = w.hackney.last_message
        assert post is not None
        assert "Adopt the charter?" in post.content
        assert labels(post) == ["Yes", "No", "Abstain"]

        # A vote by button: deferred, then confirmed to the voter alone.
        voted = await bob.click(post, label="Yes")
        assert voted.deferred
        [note] = voted.followups
        assert note.ephemeral and note.content == "Your vote is recorded: Yes"

        # A ranked secret ballot: the button opens a private ballot with a select menu.
        await alice.slash(
            w.hackney, "decide", details='irv "Who coordinates?" "Ana" "Ben" "Chloé" "Dev" --secret'
        )
        irv = w.hackney.last_message
        assert irv is not None and "Who coordinates?" in irv.content
        await carol.click(irv, label="🗳 Vote privately")
        ballot = carol.user.dm_channel.last_message
        assert ballot is not None and selects(ballot), labels(ballot)
        assert [o.label for m in selects(ballot) for o in m.options] == [
            "Ana",
            "Ben",
            "Chloé",
            "Dev",
        ]
        me = carol.user  # in the DM, carol acts as a user (not as a server member)
        await choose(me, ballot, "Ben")
        step = carol.user.dm_channel.last_message
        assert "Ben" not in [o.label for m in selects(step) for o in m.options]
        await choose(me, step, "Chloé")
        step = carol.user.dm_channel.last_message
        await me.click(step, label="Done")
        review = carol.user.dm_channel.last_message
        assert "Ben" in review.content and "Chloé" in review.content
        await me.click(review, label="Confirm")
        receipt = carol.user.dm_channel.last_message
        assert receipt.content.startswith("Your vote in decision #2 is recorded:\n1. Ben\n2. Chloé")

        # The deadline passes: the outcome is posted in the channel.
        w.clock.advance(days=4)
        await w.app.scheduler.run_due()
        await w.env.settle()
        texts = [m.content for m in w.hackney.history()]
        assert any("Ben" in t and ("elected" in t.lower() or "wins" in t.lower()) for t in texts), (
            texts
        )
        assert w.problems() == [], "\n".join(map(str, w.problems()))


async def test_buttons_on_old_messages_work_after_a_restart(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        alice, dave = await w.member("alice", Role.ORGANISER), await w.member("dave")
        await alice.slash(w.hackney, "decide", details='majority "Paint the door red?"')
        post = w.hackney.last_message
        assert post is not None

        await w.restart()  # a new process: new core, new client, the same database

        voted = await dave.click(post, label="No")
        [note] = voted.followups
        assert note.ephemeral and note.content == "Your vote is recorded: No"
        assert w.problems() == [], "\n".join(map(str, w.problems()))
