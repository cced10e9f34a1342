"""Closed DMs, in the core: told where they acted, never private content in public."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.members.models import Role
from core.testing import Scenario
from core.testing.fake_messenger import FULL, FakeMessenger
from core.testing.scenario import Person


async def _decision(sc: Scenario) -> tuple[Person, str]:
    chat = await sc.group("hackney", "london-hackney")
    alice, erin = sc.person("alice"), sc.person("erin")
    await sc.enrol(alice, "london-hackney", Role.ORGANISER)
    await sc.enrol(erin, "london-hackney")
    await alice.says('/decide irv "Who coordinates?" "Ana" "Ben" --secret', chat)
    return erin, chat


async def test_with_ephemeral_messages_the_ballot_is_shown_to_them_alone(tmp_path: Path) -> None:
    async with Scenario.open(tmp_path / "bot.db") as sc:
        erin, chat = await _decision(sc)
        sc.messenger().dms_closed.add("erin")
        posted = await erin.presses("🗳 Vote privately", chat)
        assert [p.visible_to for p in posted] == ["erin", "erin"]
        note, ballot = posted
        assert note.chat_id == chat and ballot.chat_id == chat
        assert note.text.startswith("I can't send you a private message")
        assert "Who coordinates?" in ballot.text and {"Ana", "Ben"} <= set(ballot.labels)
        # No "I have sent you a private ballot" toast: it would not be true.
        assert sc.messenger().acknowledged[-1][1] is None


async def test_without_ephemeral_messages_only_a_note_is_posted(tmp_path: Path) -> None:
    fake = FakeMessenger(capabilities=replace(FULL, ephemeral=False))
    async with Scenario.open(tmp_path / "bot.db", messengers=[fake]) as sc:
        erin, chat = await _decision(sc)
        fake.dms_closed.add("erin")
        [note] = await erin.presses("🗳 Vote privately", chat)
        assert note.visible_to is None and note.chat_id == chat
        assert note.text == (
            "Erin, I can't send you a private message: your direct messages to me are "
            "closed. Please open them (or start a private chat with me) and try again."
        )
        assert "Ana" not in note.text and not note.labels


async def test_when_no_ephemeral_can_be_shown_now_the_note_is_public(tmp_path: Path) -> None:
    async with Scenario.open(tmp_path / "bot.db") as sc:
        erin, chat = await _decision(sc)
        sc.messenger().dms_closed.add("erin")
        sc.messenger().ephemeral_reach = set()  # e.g. a typed command: nothing to answer
        [note] = await erin.presses("🗳 Vote privately", chat)
        assert note.visible_to is None and note.text.startswith("Erin, I can't")


async def test_a_private_message_to_someone_else_is_not_redirected(tmp_path: Path) -> None:
    async with Scenario.open(tmp_path / "bot.db") as sc:
        erin, chat = await _decision(sc)
        sc.messenger().dms_closed.add("alice")
        posted = await erin.presses("🗳 Vote privately", chat)
        assert [p.chat_id for p in posted] == ["dm:erin"]


async def test_join_in_a_group_with_closed_dms_claims_no_private_message(tmp_path: Path) -> None:
    async with Scenario.open(tmp_path / "bot.db") as sc:
        chat = await sc.group("hackney", "london-hackney")
        frank = sc.person("frank")
        sc.messenger().dms_closed.add("frank")
        posted = await frank.says("/join", chat)
        public = [p.text for p in posted if p.visible_to is None]
        assert not any("I have sent you" in text for text in public)
        mine = [p for p in posted if p.visible_to == "frank"]
        assert mine and mine[0].text.startswith("I can't send you a private message")
        assert all(p.chat_id == chat for p in mine)  # the steps, shown to frank alone


async def test_join_in_a_group_without_ephemerals_posts_only_the_note(tmp_path: Path) -> None:
    fake = FakeMessenger(capabilities=replace(FULL, ephemeral=False))
    async with Scenario.open(tmp_path / "bot.db", messengers=[fake]) as sc:
        chat = await sc.group("hackney", "london-hackney")
        frank = sc.person("frank")
        fake.dms_closed.add("frank")
        [note] = await frank.says("/join", chat)
        assert note.chat_id == chat and note.text.startswith("Frank, I can't send you")


async def test_join_in_a_group_with_open_dms_says_so_after_the_private_message(
    tmp_path: Path,
) -> None:
    async with Scenario.open(tmp_path / "bot.db") as sc:
        chat = await sc.group("hackney", "london-hackney")
        frank = sc.person("frank")
        posted = await frank.says("/join", chat)
        assert posted[0].chat_id == "dm:frank"  # the first step of joining, privately
        assert (posted[-1].chat_id, posted[-1].text) == (
            chat,
            "I have sent you a private message to continue.",
        )
