"""Erasing a member's personal data (``/forgetme``), keeping the organisation's counts right.

What happens to each kind of row, and why:

- The **member row** stays as an anonymous placeholder ("Former member", no profile, no
  chapter, no language or time zone). It has to stay: the rows below point at it.
- **Platform accounts**, **role grants**, link codes, pending questions and requests — every
  row that exists only for this person — are **deleted**, as are their private chats with
  the bot and what the bot remembered about those chats.
- **Open ballots** stay counted but become anonymous (``voter_id`` = NULL), like secret ones.
  **Secret ballots** are untouched: nothing links them to anyone.
- The **electorate** of each decision (``decision_voters``), the **register of who voted**
  (``vote_register``) and **petition signatures** keep their rows, pointing at the
  placeholder. Turnout is counted from them (electorate ⨝ register), so deleting them
  would change the published turnout and quorum of closed decisions and could push an
  open one below its quorum while its (unlinkable, secret) ballot still counts. Kept, they
  say only that *a former member* was eligible and voted, which identifies no one.
- Rows that merely *mention* the person (a decision they proposed, an audit entry of a
  role they granted, a request they decided) keep the row and lose the reference (NULL).

The same rule applies to tables this module does not know (added by later capabilities):
a row that needs the member (a NOT NULL reference) is deleted, a nullable reference is
cleared. Only the counting tables above are kept as they are.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, MetaData, Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.registry import all_metadata
from core.federation.models import Chat
from core.members.models import Erasure, Member, PlatformAccount
from core.members.references import member_references
from core.messaging.choices import OfferedChoices, person_key
from core.messaging.inbound import ChatKind
from core.messaging.outbox import PostedMessage

log = logging.getLogger(__name__)

# What an erased member is called where their row still shows (stored data, not UI text:
# our own views render erased members in the reader's language instead).
PLACEHOLDER_NAME = "Former member"

# References kept as they are, pointing at the placeholder: they are counts (see above).
KEPT = frozenset(
    {
        "decision_voters.member_id",
        "vote_register.member_id",
        "recall_signatures.member_id",
        "recall_petitions.delegate_id",
        "member_erasures.member_id",
    }
)

_CLEARED_FIELDS = (
    "language",
    "timezone",
    "chapter_id",
    "bio",
    "help_with",
    "photo_platform",
    "photo_ref",
    "photo_data",
    "photo_mime",
    "consented_at",
    "joined_at",
)
_MAX_DEPTH = 8


async def is_erased(session: AsyncSession, member_id: int) -> bool:
    """Whether the member is the placeholder of someone who erased their data."""
    return await session.get(Erasure, member_id) is not None


async def erase_member(
    session: AsyncSession, member: Member, now: datetime, dm: tuple[str, str] | None = None
) -> None:
    """Erases a member's personal data (see the module docstring for what stays).

    Every object loaded in the session is detached afterwards (several of them no longer
    exist); the caller must not write through them.

    Args:
        session: The unit of work.
        member: Who asked to be forgotten.
        now: The time of erasure.
        dm: The private chat the request came from (platform, chat id), erased as well.
    """
    accounts = [
        (platform, external_id)
        for platform, external_id in (
            await session.execute(
                select(PlatformAccount.platform, PlatformAccount.external_id).where(
                    PlatformAccount.member_id == member.id
                )
            )
        ).all()
    ]
    member.display_name = PLACEHOLDER_NAME
    for name in _CLEARED_FIELDS:
        setattr(member, name, None)
    await session.flush()
    metadata = all_metadata()
    for reference in member_references(metadata):
        if reference.name in KEPT:
            continue
        if reference.column.nullable:
            await session.execute(
                update(reference.table)
                .where(reference.column == member.id)
                .values({reference.column.name: None})
            )
        else:
            await _delete(session, metadata, reference.table, reference.column == member.id)
    await _private_traces(session, accounts, dm)
    session.add(Erasure(member_id=member.id, erased_at=now))
    await session.flush()
    session.expunge_all()
    log.info("member data erased", extra={"member": member.id, "accounts": len(accounts)})


async def _delete(
    session: AsyncSession,
    metadata: MetaData,
    table: Table,
    where: ColumnElement[bool],
    depth: int = 0,
) -> None:
    """Deletes rows, first dealing with rows of other tables that the database would not.

    Foreign keys declared ``ON DELETE CASCADE`` or ``SET NULL`` are left to the database;
    for the others, referring rows are cleared (nullable) or deleted first.
    """
    if depth > _MAX_DEPTH:
        raise RuntimeError(f"foreign keys nest too deep below {table.name}")
    for child in metadata.sorted_tables:
        for key in child.foreign_keys:
            handled = (key.ondelete or "").upper() in ("CASCADE", "SET NULL")
            if key.column.table is not table or handled:
                continue
            doomed = select(key.column).where(where)
            if key.parent.nullable:
                await session.execute(
                    update(child).where(key.parent.in_(doomed)).values({key.parent.name: None})
                )
            else:
                await _delete(session, metadata, child, key.parent.in_(doomed), depth + 1)
    await session.execute(delete(table).where(where))


async def _private_traces(
    session: AsyncSession, accounts: list[tuple[str, str]], dm: tuple[str, str] | None
) -> None:
    """Deletes the member's private chats with the bot and what was kept about them.

    A private chat's id names its person on most platforms (on Telegram it *is* the user
    id; the console's is ``dm:<user>``); those chats, the messages recorded in them and the
    numbered choices offered there or to the person go.
    """
    chats = cast(Table, Chat.__table__)
    for platform, external_id in accounts:
        named = await session.scalars(
            select(Chat.external_id).where(
                Chat.platform == platform,
                Chat.kind == ChatKind.PRIVATE.value,
                or_(
                    Chat.external_id == external_id,
                    Chat.external_id.endswith(f":{external_id}", autoescape=True),
                ),
            )
        )
        chat_ids = set(named.all())
        if dm is not None and dm[0] == platform:
            chat_ids.add(dm[1])
        await session.execute(
            delete(PostedMessage).where(
                PostedMessage.platform == platform, PostedMessage.chat_id.in_(chat_ids)
            )
        )
        await session.execute(
            delete(OfferedChoices).where(
                OfferedChoices.platform == platform,
                OfferedChoices.chat_key.in_({*chat_ids, person_key(external_id)}),
            )
        )
        await session.execute(
            delete(chats).where(
                chats.c.platform == platform,
                chats.c.kind == ChatKind.PRIVATE.value,
                chats.c.external_id.in_(chat_ids),
            )
        )
