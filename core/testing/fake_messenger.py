"""A messenger that records what the core says, for asserting what a person would see."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, DirectMessagesClosed

FULL = Capabilities(
    buttons=True,
    edit=True,
    select=True,
    modal=True,
    ephemeral=True,
    photos=True,
    join_requests=True,
    invites=True,
    native_events=True,
)
TEXT_ONLY = Capabilities(buttons=False, edit=False)


def direct_chat_id(user_id: str) -> str:
    """The chat id the fake uses for a person's private conversation."""
    return f"dm:{user_id}"


@dataclass
class Posted:
    """A message as it stands in a chat (after any edits)."""

    chat_id: str
    message_id: str
    message: OutgoingMessage
    edits: list[OutgoingMessage] = field(default_factory=list)
    # An ephemeral message: only this user sees it in the chat.
    visible_to: str | None = None

    @property
    def text(self) -> str:
        """The current text."""
        return self.message.text

    @property
    def labels(self) -> list[str]:
        """The current button labels in reading order."""
        return [b.label for b in self.message.all_buttons()]


class FakeMessenger:
    """Implements the :class:`~core.messaging.port.Messenger` port in memory.

    Args:
        platform: The platform name events carry.
        capabilities: What this fake platform can show.
        fail_sends: When True every send raises (a platform outage).
    """

    def __init__(
        self, platform: str = "fake", capabilities: Capabilities = FULL, fail_sends: bool = False
    ) -> None:
        self._platform = platform
        self._capabilities = capabilities
        self._ids = itertools.count(1)
        self.posted: list[Posted] = []
        self.acknowledged: list[tuple[ButtonPressed, str | None]] = []
        # Chat actions taken: ("approve_join" | "decline_join" | "invite", chat id, user id).
        self.actions: list[tuple[str, str, str]] = []
        self.fail_sends = fail_sends
        # Native events as they stand, by their id (see ``mirror_event``).
        self.events: dict[str, NativeEvent] = {}
        # People whose direct messages are closed: ``send_direct`` to them is refused.
        self.dms_closed: set[str] = set()
        # (chat id, user id) where an ephemeral message can be shown now; None: anywhere.
        self.ephemeral_reach: set[tuple[str, str]] | None = None
        # Idempotency keys already sent (``Capabilities.idempotent_sends``): a repeat is dropped.
        self._sent_keys: dict[str, SentMessage] = {}

    @property
    def platform(self) -> str:
        """The platform name."""
        return self._platform

    @property
    def capabilities(self) -> Capabilities:
        """What the fake platform shows."""
        return self._capabilities

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Records a message in a chat."""
        if self.fail_sends:
            raise ConnectionError("the fake platform is down")
        if message.buttons and not self._capabilities.buttons:
            raise AssertionError("the core must not rely on buttons the adapter degrades")
        key = message.idempotency_key if self._capabilities.idempotent_sends else None
        if key is not None and key in self._sent_keys:
            return self._sent_keys[key]  # as Matrix does with a repeated transaction id
        posted = Posted(chat_id, str(next(self._ids)), message)
        self.posted.append(posted)
        sent = SentMessage(chat_id, posted.message_id)
        if key is not None:
            self._sent_keys[key] = sent
        return sent

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Records a private message (refused when the person closed their DMs)."""
        if user_id in self.dms_closed:
            raise DirectMessagesClosed(user_id)
        return await self.send(direct_chat_id(user_id), message)

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Records a message in a chat that only ``user_id`` sees."""
        if self.ephemeral_reach is not None and (chat_id, user_id) not in self.ephemeral_reach:
            raise LookupError(f"cannot show {user_id} an ephemeral message in {chat_id} now")
        sent = await self.send(chat_id, message)
        self.posted[-1].visible_to = user_id
        return sent

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces a recorded message, keeping its history."""
        for posted in self.posted:
            if posted.chat_id == sent.chat_id and posted.message_id == sent.message_id:
                posted.edits.append(posted.message)
                posted.message = message
                return
        raise KeyError(f"no message {sent.message_id} in {sent.chat_id}")

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """Records the acknowledgement."""
        self.acknowledged.append((press, text))

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Records an approved join request."""
        self._act("approve_join", chat_id, user_id)

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Records a declined join request."""
        self._act("decline_join", chat_id, user_id)

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """Records an invitation into a chat (the fake invites directly: no link)."""
        self._act("invite", chat_id, user_id)
        return None

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Records a native event (created, updated or cancelled) as it now stands."""
        if self.fail_sends:
            raise ConnectionError("the fake platform is down")
        if existing is not None and existing not in self.events:
            raise KeyError(f"no native event {existing}")
        native_id = existing or f"event:{next(self._ids)}"
        self.events[native_id] = event
        return native_id

    def _act(self, action: str, chat_id: str, user_id: str) -> None:
        if self.fail_sends:
            raise ConnectionError("the fake platform is down")
        self.actions.append((action, chat_id, user_id))

    def in_chat(self, chat_id: str) -> list[Posted]:
        """Everything posted in one chat, oldest first."""
        return [p for p in self.posted if p.chat_id == chat_id]
