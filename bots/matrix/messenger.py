"""MatrixMessenger: the core's port on Matrix (matrix-nio).

Matrix has no buttons: the core already sends their numbered form (``Capabilities.buttons``
is False), members answer with the number or a keycap reaction, and a decision that a poll
can carry is also sent as a native poll. Every event carries an empty ``m.mentions``: the
bot never mentions anyone, so nothing it repeats from members (``@room``, a name) notifies.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nio import (
    AsyncClient,
    ErrorResponse,
    MatrixRoom,
    Response,
    RoomGetStateEventResponse,
    RoomInviteResponse,
    RoomKickResponse,
    RoomSendResponse,
    UploadResponse,
)

from bots.matrix import html, polls
from bots.matrix.rooms import DirectRooms
from bots.matrix.transactions import TransactionIds, once
from bots.matrix.translate import PLATFORM
from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import Attachment, NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, Pace

log = logging.getLogger(__name__)

MESSAGE = "m.room.message"
MAX_TEXT = 8000  # characters per event: with its escaped HTML twin it stays under 64 KiB
ID_SEPARATOR = "|"  # SentMessage.message_id = "<text event id>|<poll event id>"
RATE_LIMITED = "M_LIMIT_EXCEEDED"
T = TypeVar("T", bound=Response)


class MatrixError(Exception):
    """The homeserver refused a request (after waiting out any rate limit)."""


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at line ends where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text] if text or not parts else parts


def message_id(text_id: str, poll_id: str | None) -> str:
    """The id the core keeps of a message that may have a poll beside it."""
    return text_id if poll_id is None else f"{text_id}{ID_SEPARATOR}{poll_id}"


def event_ids(sent_id: str) -> tuple[str, str | None]:
    """The text event and (if any) the poll event of a message id from :func:`message_id`."""
    text_id, _sep, poll_id = sent_id.partition(ID_SEPARATOR)
    return text_id, poll_id or None


def text_content(text: str, rtl: bool) -> dict[str, Any]:
    """An ``m.text`` message with its safe HTML form, mentioning nobody."""
    rendered = html.render(text, rtl)
    return {
        "msgtype": "m.text",
        "body": rendered.body,
        "format": "org.matrix.custom.html",
        "formatted_body": rendered.formatted_body,
        "m.mentions": {},
    }


def edit_content(original_id: str, text: str, rtl: bool) -> dict[str, Any]:
    """An edit (``m.replace``) of ``original_id`` to ``text``."""
    new = text_content(text, rtl)
    return {
        "msgtype": "m.text",
        "body": "* " + new["body"],
        "format": "org.matrix.custom.html",
        "formatted_body": "* " + new["formatted_body"],
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": original_id},
        "m.mentions": {},
    }


class MatrixMessenger:
    """Sends what the core says into Matrix rooms.

    Args:
        client: A logged-in matrix-nio client. Build it with ``max_limit_exceeded=0``:
            this messenger waits out rate limits itself.
        directs: The bot's direct room with each person.
        transactions: Transaction ids of sends.
        rate_limit_waits: How many times one send waits out ``M_LIMIT_EXCEEDED``.
        sleep: How to wait (tests pass a recorder).
    """

    def __init__(
        self,
        client: AsyncClient,
        directs: DirectRooms,
        transactions: TransactionIds | None = None,
        rate_limit_waits: int = 8,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.directs = directs
        self._transactions = transactions or TransactionIds()
        self._waits = rate_limit_waits
        self._sleep = sleep
        self._ended: set[str] = set()  # polls ended by this process (the id dedups the rest)

    @property
    def platform(self) -> str:
        """``matrix``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Matrix as the core sees it.

        No buttons (numbers, keycap reactions and native polls stand in); edits, media,
        knocks and invites; pictures from members.
        """
        return Capabilities(
            buttons=False,
            edit=True,
            images=True,
            files=True,
            max_text_length=MAX_TEXT,
            photos=True,
            join_requests=True,
            invites=True,
            polls=True,
            # The homeserver's limit is its own (and can be lifted for the bot); the sender
            # backs off on M_LIMIT_EXCEEDED. Transaction ids make repeated sends harmless.
            pace=Pace(per_second=10.0, per_chat_interval=0.2, in_flight=4),
            idempotent_sends=True,
        )

    # ------------------------------------------------------------------ requests

    async def _request(self, call: Callable[[], Awaitable[Response]], what: str) -> Response:
        """Runs a request, waiting out rate limits as the homeserver asks (``retry_after_ms``).

        Raises:
            MatrixError: Any other refusal, or still rate-limited after the allowed waits.
        """
        for attempt in range(self._waits + 1):
            response = await call()
            if not isinstance(response, ErrorResponse):
                return response
            if response.status_code == RATE_LIMITED and attempt < self._waits:
                delay = (response.retry_after_ms or 1000) / 1000
                log.info("rate limited", extra={"request": what, "retry_after_s": delay})
                await self._sleep(min(delay, 60.0))
                continue
            raise MatrixError(f"{what}: {response.status_code} {response.message}")
        raise MatrixError(f"{what}: still rate limited")  # pragma: no cover - loop returns

    async def _expect(self, kind: type[T], call: Callable[[], Awaitable[Response]], what: str) -> T:
        response = await self._request(call, what)
        if not isinstance(response, kind):
            raise MatrixError(f"{what}: unexpected {type(response).__name__}")
        return response

    async def _send_event(
        self, room_id: str, event_type: str, content: dict[str, Any], tx_id: str | None = None
    ) -> str:
        """Sends one event; every retry reuses its transaction id. Returns the event id."""
        tx = tx_id or self._transactions.new(room_id, event_type, content)
        await self._introduce(room_id)
        response = await self._expect(
            RoomSendResponse,
            lambda: self.client.room_send(
                room_id, event_type, content, tx_id=tx, ignore_unverified_devices=True
            ),
            f"send {event_type}",
        )
        event_id: str = response.event_id
        return event_id

    async def _introduce(self, room_id: str) -> None:
        """With end-to-end support: makes a room the client has not synced yet known to it.

        An encrypting matrix-nio client refuses to send into a room its sync has not shown
        it yet (one it joined or created a moment ago: the greeting after an invitation).
        The room is added with its encryption as the homeserver has it; matrix-nio then
        fetches the members and their devices itself before it encrypts, and the next sync
        fills in the rest of the room.
        """
        if self.client.olm is None or room_id in self.client.rooms:
            return
        state = await self.client.room_get_state_event(room_id, "m.room.encryption")
        if isinstance(state, ErrorResponse) and state.status_code != "M_NOT_FOUND":
            # Not knowing could mean sending in clear into an encrypted room: fail the send
            # (the core retries it) rather than guess.
            raise MatrixError(f"room encryption: {state.status_code} {state.message}")
        encrypted = isinstance(state, RoomGetStateEventResponse) and bool(state.content)
        self.client.rooms[room_id] = MatrixRoom(room_id, self.client.user_id, encrypted)
        if encrypted:
            self.client.encrypted_rooms.add(room_id)

    async def _send_media(self, room_id: str, attachment: Attachment, msgtype: str) -> str:
        await self._introduce(room_id)
        # In an encrypted room the file is encrypted too (the event alone would leave a
        # chart or an export readable on the media repository): the keys travel inside
        # the encrypted event, under "file" instead of "url".
        encrypt = self.client.olm is not None and room_id in self.client.encrypted_rooms
        keys: dict[str, Any] = {}

        async def upload() -> Response:
            response, file_keys = await self.client.upload(
                io.BytesIO(attachment.content),
                content_type="application/octet-stream" if encrypt else attachment.mime_type,
                filename=attachment.filename,
                filesize=len(attachment.content),
                encrypt=encrypt,
            )
            keys.update(file_keys or {})
            return response

        uploaded = await self._expect(UploadResponse, upload, "upload")
        content: dict[str, Any] = {
            "msgtype": msgtype,
            "body": attachment.filename,
            "filename": attachment.filename,
            "info": {"mimetype": attachment.mime_type, "size": len(attachment.content)},
            "m.mentions": {},
        }
        if encrypt:
            content["file"] = {**keys, "url": uploaded.content_uri}
        else:
            content["url"] = uploaded.content_uri
        return await self._send_event(room_id, MESSAGE, content)

    # ------------------------------------------------------------------ the port

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Posts the text (split if long), then any image, file and poll, in ``chat_id``."""
        first: str | None = None
        if message.text:
            for number, part in enumerate(split_text(message.text)):
                # A broadcast delivery's key makes its transaction id the same in any process,
                # so a resend after a crash is dropped by the homeserver.
                key = message.idempotency_key
                tx = f"iops.key.{number}.{_key_digest(key)}" if key else None
                event_id = await self._send_event(
                    chat_id, MESSAGE, text_content(part, message.rtl), tx_id=tx
                )
                first = first or event_id
        for attachment, msgtype in ((message.image, "m.image"), (message.file, "m.file")):
            if attachment is not None:
                event_id = await self._send_media(chat_id, attachment, msgtype)
                first = first or event_id
        poll_id = None
        poll = message.poll
        if poll is not None and poll.answers and not poll.closed:
            poll_id = await self._send_event(chat_id, polls.POLL_START, polls.start_content(poll))
        if first is None:
            first = poll_id or ""
        return SentMessage(chat_id, message_id(first, poll_id))

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Never called: Matrix rooms have no ephemeral messages (``ephemeral`` is False)."""
        raise LookupError("Matrix has no ephemeral messages")

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Sends in the direct room with ``user_id``, creating it if need be.

        Raises:
            DirectMessagesClosed: The person cannot be invited into a direct room.
        """
        return await self.send(await self.directs.open(user_id), message)

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces the text (``m.replace``); ends the poll beside it once it is closed."""
        text_id, poll_id = event_ids(sent.message_id)
        if text_id and message.text:
            content = edit_content(text_id, message.text[:MAX_TEXT], message.rtl)
            await self._send_event(sent.chat_id, MESSAGE, content)
        poll = message.poll
        if poll is not None and poll.closed and poll_id is not None and poll_id not in self._ended:
            text = poll.outcome or message.text
            await self._send_event(
                sent.chat_id,
                polls.POLL_END,
                polls.end_content(poll_id, text[:MAX_TEXT]),
                tx_id=once(sent.chat_id, polls.POLL_END, poll_id),
            )
            self._ended.add(poll_id)

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """Never needed: Matrix has no button presses to acknowledge."""

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """Invites ``user_id`` into the room (a Matrix invite needs no link: None)."""
        await self._expect(
            RoomInviteResponse, lambda: self.client.room_invite(chat_id, user_id), "invite"
        )
        return None

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Lets a person who knocked in: on Matrix, an invitation answers a knock."""
        await self.invite(chat_id, user_id)

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Turns a knock down: kicking a knocking person rejects the knock."""
        await self._expect(
            RoomKickResponse, lambda: self.client.room_kick(chat_id, user_id), "reject knock"
        )

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Never called: Matrix rooms have no scheduled events (``native_events`` is False)."""
        raise NotImplementedError("Matrix has no native events")


def _key_digest(key: str) -> str:
    """A short, transaction-id-safe digest of an idempotency key."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]
