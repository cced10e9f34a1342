"""/link_chat: organisers make a group chat a view of a branch they organise."""

from __future__ import annotations

from sqlalchemy import select

from core.federation.models import Branch, Chat
from core.members.models import Role
from core.testing import Scenario


async def branch_of_chat(sc: Scenario, chat: str) -> str | None:
    async with sc.app.db.sessions() as session:
        row = await session.execute(
            select(Branch.slug)
            .join(Chat, Chat.branch_id == Branch.id)
            .where(Chat.external_id == chat)
        )
        return row.scalar()


async def test_an_organiser_links_an_unlinked_group(sc: Scenario) -> None:
    olga = sc.person("olga")  # organises London: Hackney is below it
    await sc.enrol(olga, "london", Role.ORGANISER)
    [before] = await olga.says("/start", chat="kitchen")
    assert "This chat is not linked to a branch of the organisation yet." in before.text
    [linked] = await olga.says("/link_chat london-hackney", chat="kitchen")
    assert linked.text == (
        "This chat is now linked to London – Hackney. Its decisions and announcements will "
        "appear here."
    )
    assert await branch_of_chat(sc, "kitchen") == "london-hackney"
    [after] = await olga.says("/start", chat="kitchen")
    assert "This chat belongs to London – Hackney." in after.text
    # The chat now carries the branch's decisions.
    await olga.says('/decide majority "Meet on Mondays?"', chat="kitchen")
    assert "🗳 Decision #1" in sc.messenger().in_chat("kitchen")[-1].text


async def test_refusals_are_clear_and_change_nothing(lite: Scenario) -> None:
    sc = lite
    bob = sc.person("bob")  # a member (an admin of the group on its platform counts for nothing)
    rosa = sc.person("rosa")  # organises Madrid – Lavapiés
    hugo = sc.person("hugo")  # organises Hackney
    await sc.enrol(bob, "london-hackney")
    await sc.enrol(rosa, "madrid-lavapies", Role.ORGANISER)
    await sc.enrol(hugo, "london-hackney", Role.ORGANISER)

    [member] = await bob.says("/link_chat london-hackney", chat="kitchen")
    assert member.text == (
        "You are not an organiser of London – Hackney, so you can't link this chat to it."
    )
    [other] = await rosa.says("/link_chat london-hackney", chat="kitchen")
    assert other.text == member.text
    [above] = await hugo.says("/link_chat london", chat="kitchen")
    assert above.text == "You are not an organiser of London, so you can't link this chat to it."
    [alone] = await hugo.says("/link_chat", chat="kitchen")
    assert alone.text == (
        "Which branch? Send /link_chat with the branch's code, for example "
        "/link_chat london-hackney."
    )
    [unknown] = await hugo.says("/link_chat atlantis", chat="kitchen")
    assert unknown.text == "There is no branch “atlantis”."
    [private] = await hugo.says("/link_chat london-hackney")
    assert private.text == "You can't use /link_chat here."
    assert await branch_of_chat(sc, "kitchen") is None

    # Commands that need the chat's branch keep answering clearly in an unlinked group.
    [decide] = await hugo.says('/decide majority "Meet on Mondays?"', chat="kitchen")
    assert decide.text.startswith("Which branch decides? Open the decision in a chat linked")
    [roles] = await hugo.says("/roles", chat="kitchen")
    assert roles.text == "You can't use /roles here."

    await hugo.says("/link_chat london-hackney", chat="kitchen")
    [again] = await hugo.says("/link_chat london-hackney", chat="kitchen")
    assert again.text == "This chat is already linked to London – Hackney."
    # Taking a linked chat to another branch needs the organisers of the branch it is in.
    [steal] = await rosa.says("/link_chat madrid-lavapies", chat="kitchen")
    assert steal.text == (
        "This chat belongs to London – Hackney; only its organisers can link it elsewhere."
    )
    assert await branch_of_chat(sc, "kitchen") == "london-hackney"


async def test_the_branch_name_is_in_the_speakers_language(lite: Scenario) -> None:
    sc = lite
    pilar = sc.person("pilar", language_hint="es")
    await sc.enrol(pilar, "spain", Role.ORGANISER)
    [linked] = await pilar.says("/link_chat spain", chat="asamblea")
    assert "España" in linked.text and "Spain" not in linked.text
