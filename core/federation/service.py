"""Use cases about the branch tree and the chats linked to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from core.config.organisation import OrganisationConfig
from core.federation.models import Branch, Chat
from core.messaging.inbound import ChatRef

ORIGIN_CONFIG = "config"
ORIGIN_RUNTIME = "runtime"


async def sync_branches(session: AsyncSession, config: OrganisationConfig) -> None:
    """Mirrors the configured tree into the database.

    Branches are matched by slug: new ones are added, changed ones updated, and ones gone
    from the configuration marked inactive (never deleted; members and decisions point at
    them). Branches created at runtime (``origin = "runtime"``, chapters started through
    onboarding) are left alone; one that the configuration later defines becomes a
    configured branch.
    """
    existing = {b.slug: b for b in (await session.scalars(select(Branch))).all()}
    ids: dict[str, int] = {}
    for cfg in config.branches:  # parents come first: the config is validated for it
        branch = existing.get(cfg.slug)
        if branch is None:
            branch = Branch(slug=cfg.slug)
            session.add(branch)
        branch.name = cfg.name
        branch.level = cfg.level.value
        branch.parent_id = ids[cfg.parent] if cfg.parent else None
        branch.country = cfg.country
        branch.language = cfg.language
        branch.timezone = cfg.timezone
        branch.active = True
        branch.origin = ORIGIN_CONFIG
        await session.flush()
        ids[cfg.slug] = branch.id
    for slug, branch in existing.items():
        if slug not in ids and branch.origin == ORIGIN_CONFIG:
            branch.active = False
    await session.flush()


async def branch_by_slug(session: AsyncSession, slug: str) -> Branch | None:
    """An active branch by its slug."""
    return await session.scalar(select(Branch).where(Branch.slug == slug, Branch.active))


def ancestors_query() -> Select[int]:
    """The ids of the branch bound to the parameter ``branch`` and of every branch above it.

    One statement, whatever the depth (a recursive WITH), with a ``depth`` to order by. For
    use as a subquery too (``RoleGrant.branch_id.in_(ancestors_query())``).
    """
    start = select(Branch.id, Branch.parent_id, literal(0).label("depth"))
    up = start.where(Branch.id == bindparam("branch")).cte("up", recursive=True)
    parent = select(Branch.id, Branch.parent_id, (up.c.depth + 1).label("depth"))
    # The depth bound ends the walk should a bad row ever make a cycle.
    up = up.union_all(parent.join(up, Branch.id == up.c.parent_id).where(up.c.depth < 64))
    return select(up.c.id).order_by(up.c.depth)


_ANCESTORS = ancestors_query()  # built once: statements are immutable


async def ancestor_ids(session: AsyncSession, branch_id: int) -> list[int]:
    """The branch and every branch above it, nearest first."""
    ids: list[int] = []
    for found in await session.scalars(_ANCESTORS, {"branch": branch_id}):
        if found in ids:  # a cycle: harmless, as the walk ends here
            break
        ids.append(found)
    return ids


async def resolve_chat(
    session: AsyncSession, platform: str, ref: ChatRef, now: datetime
) -> tuple[Chat, Branch | None]:
    """The stored chat for ``ref`` (created on first sight) and the branch it is linked to."""
    query = select(Chat).where(Chat.platform == platform, Chat.external_id == ref.external_id)
    chat = await session.scalar(query)
    if chat is None:
        try:
            async with session.begin_nested():
                chat = Chat(
                    platform=platform,
                    external_id=ref.external_id,
                    kind=ref.kind.value,
                    title=ref.title[:255] if ref.title else None,
                    created_at=now,
                )
                session.add(chat)
                await session.flush()
        except IntegrityError:
            chat = await session.scalar(query)
            if chat is None:
                raise
    elif ref.title and chat.title != ref.title[:255]:
        chat.title = ref.title[:255]
    branch = await session.get(Branch, chat.branch_id) if chat.branch_id else None
    return chat, branch


async def link_chat(session: AsyncSession, chat: Chat, branch: Branch) -> None:
    """Links a chat to a branch: the chat becomes a view of that branch on its platform."""
    chat.branch_id = branch.id
    await session.flush()


async def chat_branch_slug(session: AsyncSession, platform: str, external_id: str) -> str | None:
    """The slug of the active branch a platform chat is linked to, if any."""
    return await session.scalar(
        select(Branch.slug)
        .join(Chat, Chat.branch_id == Branch.id)
        .where(
            Chat.platform == platform,
            Chat.external_id == external_id[:255],
            Branch.active.is_(True),
        )
    )
