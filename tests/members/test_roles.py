"""/role and /roles: roles scoped to a branch, granted by its organisers, all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import UserError
from core.members.audit import RoleAction
from core.members.models import Member, Role, RoleChange, RoleGrant
from core.members.roles import parse_role, take_branch
from core.testing import Scenario

HACKNEY = "london-hackney"
LANGUAGES = ("en", "es", "ar")


async def grants(sc: Scenario, name: str) -> list[tuple[str, str | None]]:
    async with sc.app.db.sessions() as session:
        rows = await session.execute(
            select(RoleGrant.role, RoleGrant.language)
            .join(Member, Member.id == RoleGrant.member_id)
            .where(Member.display_name == name)
            .order_by(RoleGrant.role)
        )
        return [(role, language) for role, language in rows.all()]


async def audit(sc: Scenario) -> list[tuple[str, str, str | None]]:
    """The audit entries made by people (the test set-up's own grants are automatic)."""
    async with sc.app.db.sessions() as session:
        rows = await session.scalars(
            select(RoleChange).where(RoleChange.automatic.is_(False)).order_by(RoleChange.id)
        )
        return [(r.action, r.role, r.language) for r in rows.all()]


async def test_bootstrap_grants_are_audited_as_made_by_the_bot(sqlite_scenario: Scenario) -> None:
    sc = sqlite_scenario
    olga = sc.person("olga")
    await sc.enrol(olga, "london-hackney", Role.ORGANISER)
    async with sc.app.db.sessions() as session:
        [entry] = (await session.scalars(select(RoleChange))).all()
    assert (entry.action, entry.role, entry.automatic, entry.actor_id) == (
        "grant",
        "organiser",
        True,
        None,
    )
    chat = await sc.group("hackney", "london-hackney")
    [log] = await olga.says("/roles", chat=chat)
    assert "the bot granted organiser to Olga in London – Hackney" in log.text


def test_parsing_the_role_command() -> None:
    request = parse_role("grant translator ES Ana  López --branch London-Hackney", LANGUAGES)
    assert (request.action, request.role, request.language) == (
        RoleAction.GRANT,
        Role.TRANSLATOR,
        "es",
    )
    assert (request.name, request.branch) == ("Ana López", "london-hackney")
    assert parse_role("revoke organizer O'Brien", LANGUAGES).role is Role.ORGANISER
    assert take_branch("--branch=spain Bob") == ("Bob", "spain")
    for bad in ("", "grant", "promote organiser Bob", "grant mayor Bob", "grant organiser"):
        with pytest.raises(UserError):
            parse_role(bad, LANGUAGES)
    with pytest.raises(UserError) as error:
        parse_role("grant translator xx Bob", LANGUAGES)
    assert error.value.message.params["choices"] == "en, es, ar"
    with pytest.raises(UserError):
        parse_role("grant organiser Bob --branch", LANGUAGES)


async def test_organisers_grant_and_revoke_in_their_branch_and_below(sc: Scenario) -> None:
    chat = await sc.group("hackney", HACKNEY)
    olga = sc.person("olga")  # organises London, the region above Hackney
    bob = sc.person("bob")
    await sc.enrol(olga, "london", Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)

    [usage] = await olga.says("/role", chat=chat)
    assert usage.text.startswith("Use: /role grant ROLE NAME or /role revoke ROLE NAME")
    posted = await olga.says("/role grant organiser bob", chat=chat)
    [done] = [p for p in posted if p.chat_id == chat]
    assert done.text == "Bob now holds the role organiser in London – Hackney."
    [told] = [p for p in posted if p.chat_id == bob.dm]
    assert told.text == "Olga gave you the role organiser in London – Hackney."
    assert await grants(sc, "Bob") == [("organiser", None)]
    [twice] = await olga.says("/role grant organiser Bob", chat=chat)
    assert twice.text == "Bob already holds the role organiser in London – Hackney."

    posted = await olga.says("/role grant translator es Bob", chat=chat)
    assert posted[0].text == "Bob now holds the role translator (Español) in London – Hackney."
    posted = await olga.says("/role revoke organiser Bob", chat=chat)
    assert posted[0].text == "Bob no longer holds the role organiser in London – Hackney."
    assert sc.messenger().in_chat(bob.dm)[-1].text == (
        "Olga revoked your role organiser in London – Hackney."
    )
    [not_held] = await olga.says("/role revoke organiser Bob", chat=chat)
    assert not_held.text == "Bob does not hold the role organiser in London – Hackney."
    assert await grants(sc, "Bob") == [("translator", "es")]
    assert await audit(sc) == [
        ("grant", "organiser", None),
        ("grant", "translator", "es"),
        ("revoke", "organiser", None),
    ]


async def test_who_may_change_roles(lite: Scenario) -> None:
    sc = lite
    chat = await sc.group("hackney", HACKNEY)
    hugo = sc.person("hugo")  # organises Hackney only
    bob = sc.person("bob")  # a member: however much he runs the group on its platform
    rosa = sc.person("rosa")  # organises Madrid – Lavapiés
    root = sc.person("root")  # an admin of the whole organisation
    await sc.enrol(hugo, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(rosa, "madrid-lavapies", Role.ORGANISER)
    await sc.enrol(root, "international", Role.ADMIN)

    # /help offers the organiser commands to organisers only.
    [help_bob] = await bob.says("/help", chat=chat)
    [help_hugo] = await hugo.says("/help", chat=chat)
    assert "/role —" not in help_bob.text and "/roles —" not in help_bob.text
    assert "/role —" in help_hugo.text and "/roles —" in help_hugo.text
    [member] = await bob.says("/role grant organiser Bob", chat=chat)
    assert member.text == "You can't use /role here."
    [member] = await bob.says("/roles", chat=chat)
    assert member.text == "You can't use /roles here."
    [member] = await bob.says("/role grant organiser Bob --branch london-hackney")
    assert member.text == "You can't use /role here."
    [above] = await hugo.says("/role grant organiser Bob --branch london", chat=chat)
    assert above.text == "Only organisers of London (or of a branch above it) can do that."
    [elsewhere] = await rosa.says("/role grant organiser Bob --branch london-hackney")
    assert elsewhere.text == (
        "Only organisers of London – Hackney (or of a branch above it) can do that."
    )
    [admin] = await hugo.says("/role grant admin Bob", chat=chat)
    assert admin.text == "Only admins of London – Hackney can grant or revoke the admin role there."
    [outside] = await hugo.says("/role grant organiser Rosa", chat=chat)
    assert outside.text == "No member of London – Hackney is called “Rosa”."
    [nowhere] = await hugo.says("/role grant organiser Bob --branch atlantis", chat=chat)
    assert nowhere.text == "There is no branch “atlantis”."
    assert await grants(sc, "Bob") == []
    assert await audit(sc) == []

    posted = await root.says("/role grant admin Bob --branch london-hackney")
    assert posted[0].text == "Bob now holds the role admin in London – Hackney."
    # In a private chat an organiser of one branch needs no --branch; of several, they do.
    private = (await hugo.says("/role grant member Bob"))[0]
    assert private.chat_id == hugo.dm
    assert private.text == "Bob now holds the role member in London – Hackney."
    await sc.enrol(hugo, "london-brixton", Role.ORGANISER)
    [which] = await hugo.says("/role grant member Bob")
    assert which.text == "Which branch? Add --branch SLUG, one of: london-brixton, london-hackney."


async def test_namesakes_are_listed_and_picked_by_number(lite: Scenario) -> None:
    sc = lite
    chat = await sc.group("hackney", HACKNEY)
    hugo = sc.person("hugo")
    sam1 = sc.person("sam1", display_name="Sam Lee")
    sam2 = sc.person("sam2", display_name="sam  lee")
    await sc.enrol(hugo, HACKNEY, Role.ORGANISER)
    first = await sc.enrol(sam1, HACKNEY)
    second = await sc.enrol(sam2, HACKNEY)
    [both] = await hugo.says("/role grant organiser Sam Lee", chat=chat)
    assert both.text == (
        "Several members of London – Hackney are called “Sam Lee”:\n"
        f"Sam Lee (#{first}, London – Hackney)\n"
        f"sam lee (#{second}, London – Hackney)\n"
        f"Use the number instead of the name, like #{first}."
    )
    [near] = await hugo.says("/role grant organiser Sam", chat=chat)
    assert near.text.startswith(
        "No member of London – Hackney is called exactly “Sam”. Did you mean:\nSam Lee (#"
    )
    posted = await hugo.says(f"/role grant organiser #{second}", chat=chat)
    assert posted[0].text == "sam lee now holds the role organiser in London – Hackney."
    [stranger] = await hugo.says("/role grant organiser #99999", chat=chat)
    assert stranger.text == "Member #99999 is not a member of London – Hackney."
    assert await grants(sc, "Sam Lee") == []


async def test_roles_lists_holders_and_the_audit_log(lite: Scenario) -> None:
    sc = lite
    chat = await sc.group("hackney", HACKNEY)
    olga = sc.person("olga")
    bob = sc.person("bob")
    await sc.enrol(olga, "london", Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    [empty] = await olga.says("/roles", chat=chat)
    assert empty.text == (
        "Roles in London – Hackney and below:\n"
        "Nobody holds a role here yet.\n\n"
        "Latest changes:\n"
        "No role has been granted or revoked here yet."
    )
    for _ in range(11):
        await olga.says("/role grant organiser Bob", chat=chat)
        await olga.says("/role revoke organiser Bob", chat=chat)
    await olga.says("/role grant translator es Bob", chat=chat)
    [listing] = await olga.says("/roles", chat=chat)
    lines = listing.text.split("\n")
    assert lines[:2] == [
        "Roles in London – Hackney and below:",
        "• London – Hackney · translator (Español): Bob",
    ]
    changes = lines[lines.index("Latest changes:") + 1 :]
    assert len(changes) == 20  # the last 20 of 23
    assert changes[0].endswith(": Olga granted translator (Español) to Bob in London – Hackney")
    assert changes[1].endswith(": Olga revoked organiser from Bob in London – Hackney")
    # Privately, with the branch named; the region's list includes its chapters.
    [region] = await olga.says("/roles london")
    assert region.text.startswith("Roles in London and below:\n• London · organiser: Olga\n")
