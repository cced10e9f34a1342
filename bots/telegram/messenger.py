"""TelegramMessenger: the port implemented with python-telegram-bot's ``Bot``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, Forbidden

from bots.telegram.callbacks import CallbackAnswers
from bots.telegram.sending import Courier
from bots.telegram.text import (
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    ELLIPSIS,
    MESSAGE_LIMIT,
    shorten,
    split_text,
    utf16_len,
)
from bots.telegram.translate import PLATFORM
from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import Attachment, NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, DirectMessagesClosed, Pace

log = logging.getLogger(__name__)

INVITE_LINK_LIFETIME = timedelta(days=7)

# Telegram's answers to edits that need no retry and no error.
_NOT_MODIFIED = "message is not modified"
_NO_TEXT = "there is no text in the message to edit"


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    """The message's buttons as an inline keyboard; the signed action is the callback data.

    Raises:
        ValueError: An action longer than Telegram's 64 bytes (the core signs actions to
            fit; this guards the contract rather than trusting it).
    """
    if not message.buttons:
        return None
    rows = []
    for row in message.buttons:
        for button in row:
            if len(button.action.encode()) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes")
        rows.append(
            [InlineKeyboardButton(b.label or ELLIPSIS, callback_data=b.action) for b in row]
        )
    return InlineKeyboardMarkup(rows)


def _upload(attachment: Attachment) -> InputFile:
    return InputFile(attachment.content, filename=attachment.filename)


class TelegramMessenger:
    """Sends what the core says through the Bot API.

    Text goes out as plain text (no ``parse_mode``): nothing anyone wrote can become markup.
    Long text is split on paragraph boundaries; buttons go under the last part.

    Args:
        bot: python-telegram-bot's bot (initialised).
        courier: Paces and safely retries the calls.
        answer_deadline: Seconds a press waits for the core's note before it is answered
            empty (see :mod:`bots.telegram.callbacks`).

    Attributes:
        answers: Answers each button press once.
    """

    def __init__(self, bot: Bot, courier: Courier, answer_deadline: float = 1.5) -> None:
        self._bot = bot
        self._courier = courier
        self.answers = CallbackAnswers(self.answer_press, answer_deadline)

    @property
    def platform(self) -> str:
        """``telegram``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Inline buttons, edits, pictures both ways, join requests, one-time invite links."""
        return Capabilities(
            buttons=True,
            edit=True,
            images=True,
            files=True,
            max_text_length=MESSAGE_LIMIT,
            photos=True,
            join_requests=True,
            invites=True,
            # Telegram's published limits; the adapter's own lanes enforce them per chat.
            pace=Pace(per_second=30.0, per_chat_interval=1.0, in_flight=30),
        )

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Posts ``message``: its text (split if long), then its image and document.

        Returns:
            Where the part carrying the buttons landed (the one later edits replace).
        """
        markup = keyboard(message)
        attachments = [a for a in (message.image, message.file) if a is not None]
        caption = None
        if attachments and utf16_len(message.text) <= CAPTION_LIMIT:
            caption = message.text or None  # short text rides along as the first caption
        parts = [] if caption is not None else split_text(message.text)
        if not parts and not attachments:
            parts = [message.text.strip() or ELLIPSIS]  # Telegram refuses an empty message
        calls: list[Callable[[], Awaitable[Message]]] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1 and not attachments
            calls.append(self._text_call(chat_id, part, markup if last else None))
        for index, attachment in enumerate(attachments):
            last = index == len(attachments) - 1
            calls.append(
                self._attachment_call(
                    chat_id,
                    attachment,
                    attachment is message.image,
                    caption if index == 0 else None,
                    markup if last else None,
                )
            )
        sent = await self._courier.messages(chat_id, calls)
        return SentMessage(chat_id, str(sent[-1].message_id))

    def _text_call(
        self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> Callable[[], Awaitable[Message]]:
        return lambda: self._bot.send_message(chat_id, text, reply_markup=markup)

    def _attachment_call(
        self,
        chat_id: str,
        attachment: Attachment,
        is_image: bool,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Callable[[], Awaitable[Message]]:
        # A fresh InputFile per attempt: an upload's stream is consumed by the request.
        if is_image:
            return lambda: self._bot.send_photo(
                chat_id, _upload(attachment), caption=caption, reply_markup=markup
            )
        return lambda: self._bot.send_document(
            chat_id, _upload(attachment), caption=caption, reply_markup=markup
        )

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Sends ``message`` in the person's private chat (its id is their user id).

        Raises:
            DirectMessagesClosed: The person never started the bot, or blocked it.
        """
        try:
            return await self.send(user_id, message)
        except Forbidden as error:
            raise DirectMessagesClosed(str(error)) from error
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise DirectMessagesClosed(str(error)) from error
            raise

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces a message's text (or caption) and buttons; an edit cannot be split."""
        markup = keyboard(message)
        chat_id, message_id = sent.chat_id, int(sent.message_id)
        if not message.text.strip():
            await self._edit(
                chat_id,
                lambda: self._bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=markup
                ),
            )
            return
        text = shorten(message.text, MESSAGE_LIMIT)
        try:
            await self._edit(
                chat_id,
                lambda: self._bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                ),
            )
        except BadRequest as error:
            if _NO_TEXT not in str(error).lower():
                raise
            caption = shorten(message.text, CAPTION_LIMIT)  # a picture: its caption
            await self._edit(
                chat_id,
                lambda: self._bot.edit_message_caption(
                    chat_id=chat_id, message_id=message_id, caption=caption, reply_markup=markup
                ),
            )

    async def _edit(self, chat_id: str, call: Callable[[], Awaitable[object]]) -> None:
        try:
            await self._courier.message(chat_id, call, idempotent=True)
        except BadRequest as error:
            if _NOT_MODIFIED not in str(error).lower():
                raise

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """Answers the press; a note that cannot be its toast is sent privately instead."""
        if press.interaction_id is None:
            return
        if await self.answers.acknowledge(press.interaction_id, text) or not text:
            return
        try:
            await self.send_direct(press.sender.external_id, OutgoingMessage(text))
        except DirectMessagesClosed:
            log.info("a press note could not be sent privately", extra={"platform": PLATFORM})

    async def answer_press(self, query_id: str, text: str | None) -> None:
        """``answerCallbackQuery``: stops the spinner, with a toast when ``text`` is given."""
        await self._courier.call(
            lambda: self._bot.answer_callback_query(query_id, text=text), idempotent=False
        )

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Lets the person in (``approveChatJoinRequest``)."""
        await self._join_request(lambda: self._bot.approve_chat_join_request(chat_id, int(user_id)))

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Turns the request down (``declineChatJoinRequest``)."""
        await self._join_request(lambda: self._bot.decline_chat_join_request(chat_id, int(user_id)))

    async def _join_request(self, call: Callable[[], Awaitable[bool]]) -> None:
        try:
            await self._courier.call(call)
        except BadRequest as error:
            # Already decided by an admin in the app, or withdrawn: nothing left to do.
            if "hide_requester_missing" not in str(error).lower():
                raise
            log.info("join request already gone", extra={"platform": PLATFORM})

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Never called: Telegram groups have no ephemeral messages (``ephemeral`` is False)."""
        raise LookupError("Telegram has no ephemeral messages")

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """A one-time invite link to ``chat_id`` (``createChatInviteLink``, member_limit 1).

        Telegram bots cannot add people to groups; the core sends the link privately.
        """
        expires = datetime.now(UTC) + INVITE_LINK_LIFETIME
        link = await self._courier.call(
            lambda: self._bot.create_chat_invite_link(chat_id, expire_date=expires, member_limit=1),
            idempotent=False,
        )
        return link.invite_link

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Never called: Telegram has no scheduled events (``native_events`` is False)."""
        raise NotImplementedError("Telegram has no native events")
