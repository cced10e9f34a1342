"""Messages waiting for a unit of work to commit, fitted to each platform on the way in.

Handlers and jobs never send directly: they put messages in an :class:`Outbox`, and the
app sends them once the transaction that justified them has committed. A message posted
with a *tag* has its platform message id recorded afterwards (:class:`PostedMessage`), so
that it can be edited later — a decision's live turnout, its closed state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime
from core.messaging.choices import as_numbered, person_key, remember
from core.messaging.outbound import NativeEvent, OutgoingMessage
from core.messaging.port import Messenger


class PostedMessage(Base):
    """Where a tagged message was posted, so that it can be edited later."""

    __tablename__ = "posted_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatAction(StrEnum):
    """Something done to a person in a chat rather than said (see :meth:`Outbox.act`)."""

    APPROVE_JOIN = "approve_join"
    DECLINE_JOIN = "decline_join"
    INVITE = "invite"


@dataclass(frozen=True)
class Delivery:
    """One message to send (or one chat action to take) after commit.

    Attributes:
        platform: The platform to send it on.
        message: Already rendered and fitted to that platform (for an invitation, the
            words that lead its link; empty for other actions).
        chat_id: A chat to post in, or
        direct_to: a person (platform user id) to message privately, or
        edit: a posted message to replace (its platform message id, in ``chat_id``).
        tag: Record where it lands under this tag (with ``language``).
        language: The language it was rendered in (for tagged messages).
        action: Instead of a message, do this to ``direct_to`` in ``chat_id``.
        event: Instead of a message, mirror this gathering as the platform's native event
            for ``chat_id`` (updating the native event ``edit`` when given); recorded under
            ``tag`` like a posted message.
        ephemeral_to: Show the message in the group ``chat_id`` to this person only
            (``Capabilities.ephemeral``): how a private message reaches someone whose
            direct messages are closed.
        confirms_private: The message tells its chat that the person who acted was sent
            something privately ("I have sent you…"): it goes after their private messages,
            and not at all when those met closed doors (they are told that instead).
    """

    platform: str
    message: OutgoingMessage
    chat_id: str | None = None
    direct_to: str | None = None
    edit: str | None = None
    tag: str | None = None
    language: str = ""
    action: ChatAction | None = None
    event: NativeEvent | None = None
    ephemeral_to: str | None = None
    confirms_private: bool = False


@dataclass
class Outbox:
    """What one unit of work will send once it commits.

    Args:
        messengers: The attached platforms (to fit messages to what each can show).
        instruction: Renders the "reply with a number" line in a given language.
    """

    messengers: Mapping[str, Messenger]
    deliveries: list[Delivery] = field(default_factory=list)
    # Numbered choices to remember for platforms without buttons: (platform, key, actions).
    offered: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def _fit(
        self, platform: str, key: str, message: OutgoingMessage, instruction: str
    ) -> OutgoingMessage:
        messenger = self.messengers.get(platform)
        if message.poll is not None and (messenger is None or not messenger.capabilities.polls):
            message = replace(message, poll=None)
        if not message.buttons or messenger is None or messenger.capabilities.buttons:
            return message
        numbered, actions = as_numbered(message, instruction)
        self.offered.append((platform, key, actions))
        return numbered

    def post(
        self,
        platform: str,
        chat_id: str,
        message: OutgoingMessage,
        *,
        instruction: str,
        tag: str | None = None,
        language: str = "",
        confirms_private: bool = False,
    ) -> None:
        """Posts ``message`` in a chat on ``platform`` (see ``Delivery.confirms_private``)."""
        fitted = self._fit(platform, chat_id, message, instruction)
        self.deliveries.append(
            Delivery(
                platform,
                fitted,
                chat_id=chat_id,
                tag=tag,
                language=language,
                confirms_private=confirms_private,
            )
        )

    def direct(
        self,
        platform: str,
        user_id: str,
        message: OutgoingMessage,
        *,
        instruction: str,
        tag: str | None = None,
        language: str = "",
    ) -> None:
        """Sends ``message`` privately to a person on ``platform``."""
        fitted = self._fit(platform, person_key(user_id), message, instruction)
        self.deliveries.append(
            Delivery(platform, fitted, direct_to=user_id, tag=tag, language=language)
        )

    def edit(self, posted: PostedMessage, message: OutgoingMessage) -> None:
        """Replaces a posted message (skipped on platforms that cannot edit)."""
        messenger = self.messengers.get(posted.platform)
        if messenger is None or not messenger.capabilities.edit:
            return
        poll = message.poll if messenger.capabilities.polls else None
        if not messenger.capabilities.buttons:
            message = OutgoingMessage(message.text, rtl=message.rtl, poll=poll)
        elif poll is not message.poll:
            message = replace(message, poll=None)
        self.deliveries.append(
            Delivery(posted.platform, message, chat_id=posted.chat_id, edit=posted.message_id)
        )

    def act(
        self,
        platform: str,
        action: ChatAction,
        chat_id: str,
        user_id: str,
        note: OutgoingMessage | None = None,
    ) -> bool:
        """Approves or declines a join request, or invites someone, once the work commits.

        Like messages, these are side effects that must not happen for a unit of work that
        is rolled back. Skipped (False) on platforms without the capability.

        Args:
            platform: Where.
            action: What to do.
            chat_id: The chat.
            user_id: The person.
            note: For an invitation, the words (in the invitee's language) sent before the
                link on platforms whose invitations are links.
        """
        messenger = self.messengers.get(platform)
        if messenger is None:
            return False
        capabilities = messenger.capabilities
        able = capabilities.invites if action is ChatAction.INVITE else capabilities.join_requests
        if not able:
            return False
        self.deliveries.append(
            Delivery(
                platform,
                note or OutgoingMessage(""),
                chat_id=chat_id,
                direct_to=user_id,
                action=action,
            )
        )
        return True

    def mirror(
        self,
        platform: str,
        chat_id: str,
        event: NativeEvent,
        *,
        existing: str | None,
        tag: str,
        language: str = "",
    ) -> bool:
        """Creates or updates a platform's native event for a gathering, after commit.

        Args:
            platform: Where.
            chat_id: The linked chat whose place (a Discord guild) gets the event.
            event: What to show.
            existing: The native event's id from an earlier mirror (see ``tag``), if any.
            tag: Records the native event's id, like a posted message's.
            language: The language ``event`` is rendered in.

        Returns:
            False (nothing queued) on platforms without native events.
        """
        messenger = self.messengers.get(platform)
        if messenger is None or not messenger.capabilities.native_events:
            return False
        self.deliveries.append(
            Delivery(
                platform,
                OutgoingMessage(""),
                chat_id=chat_id,
                edit=existing,
                tag=None if existing else tag,
                language=language,
                event=event,
            )
        )
        return True

    def clear(self) -> None:
        """Forgets everything (the unit of work was rolled back)."""
        self.deliveries.clear()
        self.offered.clear()

    async def remember_choices(self, session: AsyncSession, now: datetime) -> None:
        """Stores the numbered choices offered, in the unit of work's transaction."""
        for platform, key, actions in self.offered:
            await remember(session, platform, key, actions, now)


async def posted_messages(session: AsyncSession, tag: str) -> list[PostedMessage]:
    """Every message posted under ``tag``, oldest first."""
    rows = await session.scalars(
        select(PostedMessage).where(PostedMessage.tag == tag).order_by(PostedMessage.id)
    )
    return list(rows.all())
