"""Who sent an inbound event, and where: one query for the people and chats already known.

Every event needs the sender's member and platform account, and the chat with its branch.
For everyone but first-time senders in first-time chats they all exist, so one joined
SELECT fetches the four rows; only a miss falls back to the race-safe creating paths
(:func:`~core.members.service.resolve_account`, :func:`~core.federation.service.resolve_chat`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.federation.models import Branch, Chat
from core.federation.service import resolve_chat
from core.members.models import Member, PlatformAccount
from core.members.service import clean_name, resolve_account
from core.messaging.inbound import ChatRef, Sender
from core.messaging.models import HandledUpdate

# How stale ``PlatformAccount.last_seen_at`` may get before an event writes it again. It
# ranks a member's accounts by recent use, to reach them where they are (decision notices,
# onboarding invitations): minutes of precision are plenty, while writing it on every
# event would add an UPDATE to every event, a /help as much as a vote.
LAST_SEEN_PRECISION = timedelta(minutes=5)

_MAX_HINT = 35
_MAX_TITLE = 255

# Built once: a statement is immutable, and reusing the object spares SQLAlchemy building
# the expression and its cache key on every event.
_HANDLED = cast(Table, HandledUpdate.__table__)
# A Core insert (of the table, not the mapped class): no unit of work, no identity map.
_RECORD_UPDATE = insert(_HANDLED)
_WHO_AND_WHERE = (
    select(PlatformAccount, Member, Chat, Branch)
    .join(Member, Member.id == PlatformAccount.member_id)
    .outerjoin(
        Chat,
        and_(Chat.platform == bindparam("platform"), Chat.external_id == bindparam("chat")),
    )
    .outerjoin(Branch, Branch.id == Chat.branch_id)
    .where(
        PlatformAccount.platform == bindparam("platform"),
        PlatformAccount.external_id == bindparam("sender"),
    )
)
# PostgreSQL runs a data-modifying WITH exactly once, whether or not the SELECT reads it
# (and whether or not it finds a row): record and look up in one round trip.
_RECORD_AND_WHO = _WHO_AND_WHERE.add_cte(
    insert(_HANDLED)
    .values(
        platform=bindparam("platform"),
        update_key=bindparam("update_key"),
        handled_at=bindparam("handled_at"),
    )
    .cte("recorded")
)


class Arrival(NamedTuple):
    """The rows behind an inbound event's sender and chat."""

    member: Member
    account: PlatformAccount
    chat: Chat
    branch: Branch | None


class AlreadyHandled(Exception):
    """The update id was recorded before (or is being handled by a concurrent copy)."""


async def arrive(
    session: AsyncSession,
    platform: str,
    sender: Sender,
    ref: ChatRef,
    now: datetime,
    update_id: str | None,
) -> Arrival:
    """Records the update as handled; returns the sender's and the chat's rows, created if new.

    Recording the update id is the whole exactly-once check: a copy already handled (or
    being handled by a concurrent delivery, whose uncommitted row the INSERT waits for)
    violates the primary key. It happens in the caller's transaction, with the effects.

    Keeps the account's display name and language hint current, ``last_seen_at`` to
    within :data:`LAST_SEEN_PRECISION`, and the chat's title current: each is written only
    when it changed, so the usual event adds no UPDATE.

    Raises:
        AlreadyHandled: The update was handled before; the caller drops the transaction.
    """
    params: dict[str, object] = {
        "platform": platform,
        "sender": sender.external_id,
        "chat": ref.external_id,
    }
    query = _WHO_AND_WHERE
    try:
        if update_id is not None:
            record = {"platform": platform, "update_key": update_id[:128], "handled_at": now}
            if session.get_bind().dialect.name == "postgresql":
                params.update(record)
                query = _RECORD_AND_WHO
            else:  # SQLite has no INSERT inside WITH; its statements cost no round trip
                await session.execute(_RECORD_UPDATE, record)
        row = (await session.execute(query, params)).first()
    except IntegrityError:
        raise AlreadyHandled from None
    if row is None:  # a new person (their chat may be new too)
        member, account = await resolve_account(session, platform, sender, now)
        chat, branch = await resolve_chat(session, platform, ref, now)
        return Arrival(member, account, chat, branch)
    account, member, chat, branch = row
    keep_current(account, sender, now)
    if chat is None:  # a known person in a new chat
        chat, branch = await resolve_chat(session, platform, ref, now)
    elif ref.title and chat.title != ref.title[:_MAX_TITLE]:
        chat.title = ref.title[:_MAX_TITLE]
    return Arrival(member, account, chat, branch)


def account_changes(
    display_name: str,
    language_hint: str | None,
    last_seen_at: datetime,
    sender: Sender,
    now: datetime,
) -> dict[str, object]:
    """What an event changes in its sender's account (usually nothing).

    Args:
        display_name: The account's stored name.
        language_hint: The account's stored language hint.
        last_seen_at: When the account was last seen, as stored.
        sender: The sender as this event describes them.
        now: The event's time.

    Returns:
        The account columns to write, with their new values.
    """
    changes: dict[str, object] = {}
    if now - last_seen_at >= LAST_SEEN_PRECISION:
        changes["last_seen_at"] = now
    if sender.display_name.strip():
        name = clean_name(sender.display_name, sender.external_id)
        if display_name != name:
            changes["display_name"] = name
    if sender.language_hint and language_hint != sender.language_hint[:_MAX_HINT]:
        changes["language_hint"] = sender.language_hint[:_MAX_HINT]
    return changes


def keep_current(account: PlatformAccount, sender: Sender, now: datetime) -> None:
    """Updates an account's last-seen time, name and language hint where they changed."""
    # Assign only on change: an assignment makes the row dirty and costs a flush.
    changes = account_changes(
        account.display_name, account.language_hint, account.last_seen_at, sender, now
    )
    for column, value in changes.items():
        setattr(account, column, value)
