"""Shared set-up for translation and broadcast scenarios."""

from __future__ import annotations

from core.federation.service import branch_by_slug
from core.members.models import Role
from core.members.service import grant_role
from core.messaging.actions import Action
from core.testing import Posted, Scenario
from core.testing.scenario import Person


async def make_translator(
    sc: Scenario, person: Person, chapter: str, language: str, where: str = "international"
) -> int:
    """Enrols ``person`` in ``chapter`` and makes them a translator for ``language``."""
    member_id = await sc.enrol(person, chapter)
    async with sc.app.db.transaction() as session:
        branch = await branch_by_slug(session, where)
        assert branch is not None
        await grant_role(session, member_id, Role.TRANSLATOR, branch.id, sc.clock.now(), language)
    return member_id


def actions(sc: Scenario, posted: Posted) -> list[Action]:
    """The decoded actions behind a message's buttons."""
    signer = sc.app.services.signer
    return [signer.decode(b.action) for b in posted.message.all_buttons()]


def dms(sc: Scenario, person: Person) -> list[Posted]:
    """Everything the bot said to ``person`` privately."""
    return sc.messenger(person.platform).in_chat(person.dm)
