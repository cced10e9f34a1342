"""When a private message cannot reach the person the bot is answering.

Someone presses "vote privately" or starts joining in a group chat, and the bot's answer
goes to their private chat; but they have closed their direct messages (Discord), or never
started the bot (Telegram). Rather than leave them waiting, the core tells them in the chat
where they acted, in their language. On platforms with ephemeral messages the private
message itself is shown there, to them alone; elsewhere only a note that names no private
content is posted (a ballot or an application never becomes public).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n.message import _
from core.i18n.translator import Translator
from core.messaging.inbound import ChatKind, Inbound
from core.messaging.outbound import OutgoingMessage
from core.messaging.outbox import Delivery


@dataclass
class DirectFallback:
    """How to reach the sender of one inbound event when their DMs are closed.

    Attributes:
        platform: Where they acted.
        user_id: Who they are there.
        chat_id: The group chat they acted in.
        public_note: The note for everyone in the chat (it names them, nothing private).
        private_note: The lead of the copy only they see.
        noted: Whether they were told already while handling this event (once is enough).
    """

    platform: str
    user_id: str
    chat_id: str
    public_note: OutgoingMessage
    private_note: OutgoingMessage
    noted: bool = False

    @classmethod
    def for_sender(
        cls, inbound: Inbound, name: str, translator: Translator
    ) -> DirectFallback | None:
        """The fallback for ``inbound``'s sender; None when they acted in private."""
        if inbound.chat.kind is not ChatKind.GROUP:
            return None
        public = _(
            "{name}, I can't send you a private message: your direct messages to me are "
            "closed. Please open them (or start a private chat with me) and try again.",
            name=name,
        )
        private = _(
            "I can't send you a private message: your direct messages to me are closed. "
            "Here it is, visible only to you:"
        )
        return cls(
            platform=inbound.platform,
            user_id=inbound.sender.external_id,
            chat_id=inbound.chat.external_id,
            public_note=OutgoingMessage(translator.render(public), rtl=translator.rtl),
            private_note=OutgoingMessage(translator.render(private), rtl=translator.rtl),
        )

    def covers(self, delivery: Delivery) -> bool:
        """Whether ``delivery`` is a private message to this sender."""
        return delivery.platform == self.platform and delivery.direct_to == self.user_id
