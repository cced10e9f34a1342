"""What a handler receives: the unit of work, who and where, and how to answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import OrganisationConfig
from core.federation.models import Branch, Chat
from core.i18n.catalogs import Catalogs
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.members.models import Member, PlatformAccount
from core.messaging.actions import Action, ActionSigner
from core.messaging.inbound import ChatKind, Inbound
from core.messaging.outbound import Button, OutgoingMessage
from core.messaging.outbox import Outbox
from core.messaging.port import Messenger
from core.scheduling.clock import Clock


@dataclass(frozen=True)
class ButtonSpec:
    """A button before rendering: a label to translate and an action to sign."""

    label: Msg | str
    action: Action


def render_message(
    signer: ActionSigner,
    translator: Translator,
    text: Msg | str,
    buttons: Sequence[Sequence[ButtonSpec]] = (),
    asks_for_text: Msg | str | None = None,
) -> OutgoingMessage:
    """Text and buttons rendered for one reader, each button's action signed.

    ``asks_for_text`` labels the free-text answer the message asks for (platforms with
    forms offer one; see :attr:`OutgoingMessage.asks_for_text`).
    """
    rows = tuple(
        tuple(Button(translator.render(b.label), signer.encode(b.action)) for b in row)
        for row in buttons
        if row
    )
    return OutgoingMessage(
        text=translator.render(text),
        buttons=rows,
        rtl=translator.rtl,
        asks_for_text=None if asks_for_text is None else translator.render(asks_for_text),
    )


@dataclass(frozen=True)
class Services:
    """The long-lived collaborators every handler may use (passed, never global)."""

    organisation: OrganisationConfig
    catalogs: Catalogs
    signer: ActionSigner
    clock: Clock
    messengers: Mapping[str, Messenger]


@dataclass
class Context:
    """Everything one handler call needs.

    Replies go to an outbox and are sent only after the unit of work commits, so a handler
    that fails part-way never leaves a message behind that claims something happened.

    Attributes:
        services: Configuration, catalogs, signer, clock.
        session: The open transaction.
        inbound: The event being handled.
        messenger: The platform it came from.
        member: The person who caused it.
        account: Their account on this platform.
        chat: The chat it happened in.
        branch: The branch that chat is linked to, if any.
        translator: The sender's language.
        now: The time the handling started.
        outbox: What will be sent once the unit of work commits.
        acknowledgement: The short note for a button press.
    """

    services: Services
    session: AsyncSession
    inbound: Inbound
    messenger: Messenger
    member: Member
    account: PlatformAccount
    chat: Chat
    branch: Branch | None
    translator: Translator
    now: datetime
    outbox: Outbox
    acknowledgement: str | None = None

    @property
    def in_private(self) -> bool:
        """Whether this is the sender's private conversation with the bot."""
        return self.inbound.chat.kind is ChatKind.PRIVATE

    def render(self, message: Msg | str) -> str:
        """``message`` in the sender's language."""
        return self.translator.render(message)

    def message(
        self,
        text: Msg | str,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        translator: Translator | None = None,
        asks_for_text: Msg | str | None = None,
    ) -> OutgoingMessage:
        """Renders text and buttons for one reader (the sender by default)."""
        return render_message(
            self.services.signer, translator or self.translator, text, buttons, asks_for_text
        )

    def instruction(self, translator: Translator | None = None) -> str:
        """The line asking to answer numbered choices, in a reader's language."""
        return (translator or self.translator).render(_("Reply with the number of your choice."))

    def reply(
        self,
        text: Msg | str,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        asks_for_text: Msg | str | None = None,
        *,
        confirms_private: bool = False,
    ) -> None:
        """Answers in the chat the event came from, in the sender's language.

        ``confirms_private``: the answer says the sender was sent something privately; it
        is only posted once that got through (not when their direct messages are closed).
        """
        self.outbox.post(
            self.inbound.platform,
            self.chat.external_id,
            self.message(text, buttons, asks_for_text=asks_for_text),
            instruction=self.instruction(),
            confirms_private=confirms_private,
        )

    def reply_privately(
        self,
        text: Msg | str,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        asks_for_text: Msg | str | None = None,
    ) -> None:
        """Answers the sender in their private conversation with the bot.

        ``asks_for_text`` labels a free-text answer the message asks for.
        """
        if self.in_private:
            self.reply(text, buttons, asks_for_text)
            return
        self.outbox.direct(
            self.inbound.platform,
            self.account.external_id,
            self.message(text, buttons, asks_for_text=asks_for_text),
            instruction=self.instruction(),
        )

    def acknowledge(self, text: Msg | str) -> None:
        """A short note for the button press being handled (a toast, an ephemeral line)."""
        self.acknowledgement = self.render(text)

    def translator_for(self, language: str | None) -> Translator:
        """Another reader's translator."""
        return self.services.catalogs.get(language)
