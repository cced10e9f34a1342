"""Decisions on Telegram: two linked groups, button votes, a ranked ballot in DM, one tally."""

from pathlib import Path

from bots.telegram.text import utf16_len
from core.i18n.message import _
from core.members.models import Role
from core.messaging.outbound import OutgoingMessage
from tests.services.telegram_api.server import Posted
from tests.telegram.harness import Harness, press, say, telegram_bot

HACKNEY = "london-hackney"


def decision_posts(bot: Harness, chat_id: int) -> list[Posted]:
    return [p for p in bot.tg.in_chat(chat_id) if (p.text or "").startswith("🗳 Decision #")]


async def test_one_tally_from_two_groups_and_a_private_ranked_ballot(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        main, second = tg.group("Hackney"), tg.group("Hackney – Dalston")
        await bot.link(main, HACKNEY)
        await bot.link(second, HACKNEY)
        olga, bob, carol = tg.user("Olga"), tg.user("Bob"), tg.user("Carol")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        await bot.enrol(bob, HACKNEY)
        await bot.enrol(carol, HACKNEY)

        await say(bot, olga, '/decide majority "Adopt the new charter?" --closes 48h', main)
        [in_main] = decision_posts(bot, main.id)
        [in_second] = decision_posts(bot, second.id)
        for post in (in_main, in_second):
            assert "Adopt the new charter?" in (post.text or "")
            assert post.labels == ["Yes", "No", "Abstain"]
            assert "Voted: 0 of 3 members (0%)." in (post.text or "")

        yes = await press(bot, bob, "Yes", main)
        no = await press(bot, carol, "No", second)
        # Each press is answered once, with the core's note as the toast.
        assert tg.answers[yes] == "Your vote is recorded: Yes"
        assert tg.answers[no] == "Your vote is recorded: No"
        assert tg.answered_after[yes] < 1.0

        await bot.advance(seconds=10)  # the live message is edited with the turnout
        for post in (in_main, in_second):
            assert "Voted: 2 of 3 members (67%)." in (post.text or "")
            assert post.labels == ["Yes", "No", "Abstain"]

        # A ranked, secret ballot is private: the group button opens it in the DM.
        await say(bot, olga, '/decide irv "Who coordinates?" "Ana" "Ben" "Chloé" --secret', main)
        ranked = decision_posts(bot, main.id)[-1]
        assert ranked.labels == ["🗳 Vote privately"]
        await press(bot, bob, "🗳 Vote privately", main)
        for name in ("Ben", "Chloé"):
            await press(bot, bob, name)
        await press(bot, bob, "Done")
        assert "Cast it?" in tg.texts(bob)[-1]
        await press(bot, bob, "Confirm")
        assert "is recorded" in tg.texts(bob)[-1]
        assert "Receipt: " in tg.texts(bob)[-1]

        await bot.advance(hours=48)
        for chat in (main, second):
            outcome = [t for t in tg.texts(chat) if t.startswith("🗳 Outcome of decision #1")]
            assert len(outcome) == 1
            assert "Turnout: 2 of 3" in outcome[0]
        # The result chart follows each outcome as a photo.
        charts = [p for p in tg.in_chat(main) if p.kind == "photo"]
        assert charts and charts[0].content is not None
        assert charts[0].content.startswith(b"\x89PNG")
        assert in_main.labels == [] and "Closed." in (in_main.text or "")


async def test_long_outcome_is_split_on_paragraphs(tmp_path: Path) -> None:
    # The core keeps an outcome under 4,096 characters, but Telegram counts UTF-16 units:
    # block reasons written in emoji count twice, and the outcome no longer fits one message.
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, HACKNEY)
        olga = tg.user("Olga")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        voters = [tg.user(f"Voter{n}") for n in range(9)]
        for voter in voters:
            await bot.enrol(voter, HACKNEY)
        messenger = bot.core.services.messengers["telegram"]
        said: list[OutgoingMessage] = []
        send = messenger.send

        async def spy(chat_id: str, message: OutgoingMessage):  # type: ignore[no-untyped-def]
            said.append(message)
            return await send(chat_id, message)

        messenger.send = spy  # type: ignore[method-assign]
        await say(bot, olga, '/decide consensus "Adopt the charter?" --closes 1h', chat)
        for n, voter in enumerate(voters):
            await say(bot, voter, f"/vote 4 Reason {n}: " + "🚫🏠 " * 160)
        await bot.advance(hours=1)
        [outcome] = [m for m in said if m.text.startswith("🗳 Outcome of decision #1")]
        assert utf16_len(outcome.text) > 4096
        posted = tg.in_chat(chat)
        first = next(i for i, p in enumerate(posted) if (p.text or "").startswith("🗳 Outcome"))
        pieces = [p.text or "" for p in posted[first:] if p.kind == "text"]
        assert len(pieces) >= 2
        assert all(utf16_len(piece) <= 4096 for piece in pieces)
        # Cut only at line breaks, paragraphs first: put back together, it is the outcome.
        position = 0
        for piece in pieces:
            assert outcome.text.startswith(piece, position)
            position += len(piece)
            for separator in ("\n\n", "\n"):
                if outcome.text.startswith(separator, position):
                    position += len(separator)
                    break
        assert position == len(outcome.text)
        assert outcome.text[len(pieces[0])] == "\n"
        # The chart comes after the text.
        assert posted[-1].kind == "photo"


async def test_forged_button_is_refused_in_the_pressers_language(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, HACKNEY)
        olga, ana = tg.user("Olga"), tg.user("Ana", language_code="es")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        await bot.enrol(ana, HACKNEY)
        await say(bot, olga, '/decide majority "Adopt the charter?"', chat)
        [post] = decision_posts(bot, chat.id)
        genuine = post.data("Yes")
        forged = genuine[:12] + genuine[12:].replace(genuine[-1], "9")
        if forged == genuine:
            forged = "A" * 12 + genuine[12:]
        query = tg.press(ana, post, "Yes", data=forged)
        await bot.settle()
        refusal = bot.core.services.catalogs.get("es").render(
            _("That button is not valid (it may be out of date). Please start again.")
        )
        assert refusal != "That button is not valid (it may be out of date). Please start again."
        assert tg.texts(chat)[-1] == refusal
        assert tg.answers[query] is None  # the spinner stopped; nothing was recorded
        await bot.advance(seconds=10)
        assert "Voted: 0 of 2 members (0%)." in (post.text or "")


async def test_hostile_text_is_shown_literally(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, HACKNEY)
        olga = tg.user("<b>Olga</b>")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        question = "<b>Bold?</b> *stars* _under_ [link](http://evil.example) `code`"
        await say(bot, olga, f'/decide plurality "{question}" "<i>A</i>" "**B**"', chat)
        [post] = decision_posts(bot, chat.id)
        assert question in (post.text or "")
        assert post.labels == ["1. <i>A</i>", "2. **B**"]
        for call in tg.calls_of("sendMessage") + tg.calls_of("editMessageText"):
            assert "parse_mode" not in call.params and "entities" not in call.params


async def test_commands_for_other_bots_are_ignored(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        chat = tg.group("Hackney")
        await bot.link(chat, HACKNEY)
        bob = tg.user("Bob")
        await say(bot, bob, "/help@OtherBot", chat)
        assert tg.texts(chat) == []
        await say(bot, bob, "/help@IOPS_test_bot", chat)
        [reply] = tg.texts(chat)
        assert reply.startswith("Commands you can use here:")


async def test_unlinked_group_is_told_how_to_link_it(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path) as bot:
        tg = bot.tg
        chat, olga = tg.group("New group"), tg.user("Olga")
        await bot.enrol(olga, HACKNEY, Role.ORGANISER)
        tg.add_bot(chat, by=olga)
        await bot.settle()
        [hello] = tg.texts(chat)
        assert "not linked to a branch" in hello and "/link_chat" in hello
        await say(bot, olga, "/link_chat london-hackney", chat)
        assert tg.texts(chat)[-1].startswith("This chat is now linked to London – Hackney.")
        linked = tg.group("Hackney, second group")
        await bot.link(linked, HACKNEY)
        tg.add_bot(linked, by=olga)
        await bot.settle()
        assert tg.texts(linked) == [
            "Hello! This chat belongs to London – Hackney. Send /help to see what I can do here."
        ]
