"""What a handler receives: the unit of work, who and where, and how to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import OrganisationConfig
from core.federation.models import Branch, Chat
from core.i18n.catalogs import Catalogs
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.members.models import Member, PlatformAccount
from core.messaging.actions import Action, ActionSigner
from core.messaging.choices import as_numbered, person_key
from core.messaging.inbound import ChatKind, Inbound
from core.messaging.outbound import Button, OutgoingMessage
from core.messaging.port import Messenger
from core.scheduling.clock import Clock


@dataclass(frozen=True)
class ButtonSpec:
    """A button before rendering: a label to translate and an action to sign."""

    label: Msg | str
    action: Action


@dataclass(frozen=True)
class Services:
    """The long-lived collaborators every handler may use (passed, never global)."""

    organisation: OrganisationConfig
    catalogs: Catalogs
    signer: ActionSigner
    clock: Clock


@dataclass(frozen=True)
class Delivery:
    """A message waiting in the outbox: to a chat, or privately to the sender."""

    message: OutgoingMessage
    chat_id: str | None = None
    direct_to: str | None = None


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
    outbox: list[Delivery] = field(default_factory=list)
    acknowledgement: str | None = None
    # Numbered choices to remember for a platform without buttons: (chat key, actions).
    offered: list[tuple[str, list[str]]] = field(default_factory=list)

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
    ) -> OutgoingMessage:
        """Renders text and buttons for one reader (the sender by default)."""
        t = translator or self.translator
        rows = tuple(
            tuple(Button(t.render(b.label), self.services.signer.encode(b.action)) for b in row)
            for row in buttons
            if row
        )
        return OutgoingMessage(text=t.render(text), buttons=rows, rtl=t.rtl)

    def _fit(self, message: OutgoingMessage, chat_key: str) -> OutgoingMessage:
        """Degrades buttons to a numbered list where the platform has none."""
        if not message.buttons or self.messenger.capabilities.buttons:
            return message
        numbered, actions = as_numbered(
            message, self.render(_("Reply with the number of your choice."))
        )
        self.offered.append((chat_key, actions))
        return numbered

    def reply(self, text: Msg | str, buttons: Sequence[Sequence[ButtonSpec]] = ()) -> None:
        """Answers in the chat the event came from, in the sender's language."""
        message = self._fit(self.message(text, buttons), self.chat.external_id)
        self.outbox.append(Delivery(message, chat_id=self.chat.external_id))

    def reply_privately(
        self, text: Msg | str, buttons: Sequence[Sequence[ButtonSpec]] = ()
    ) -> None:
        """Answers the sender in their private conversation with the bot."""
        if self.in_private:
            self.reply(text, buttons)
            return
        message = self._fit(self.message(text, buttons), person_key(self.account.external_id))
        self.outbox.append(Delivery(message, direct_to=self.account.external_id))

    def acknowledge(self, text: Msg | str) -> None:
        """A short note for the button press being handled (a toast, an ephemeral line)."""
        self.acknowledgement = self.render(text)

    def translator_for(self, language: str | None) -> Translator:
        """Another reader's translator."""
        return self.services.catalogs.get(language)
