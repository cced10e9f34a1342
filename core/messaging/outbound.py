"""What the core asks a platform to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Button:
    """A button: its label and the signed action it carries (see :mod:`.actions`)."""

    label: str
    action: str


@dataclass(frozen=True)
class Attachment:
    """A file to send: an image (a chart) or a document (``.ics``, an export)."""

    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Poll:
    """A vote the platform can also show as its own poll (Matrix polls, MSC3381).

    The message's text and (degraded) buttons stay the way everyone can vote; a platform
    with ``Capabilities.polls`` shows this poll as well, and reports each person's answer
    as one :class:`~core.messaging.inbound.PollAnswered` carrying the chosen answers'
    actions, so that poll votes land in the same tally as presses and numbered replies.

    Attributes:
        question: The question, as posted.
        answers: The choices: each label with the signed action its button would carry
            (unique within the poll; platforms may use it as the answer's id).
        max_selections: How many answers one person may choose (1 for a single choice).
        disclosed: Whether voters may see the running results (False while results are
            hidden).
        closed: The vote is over: the platform ends its poll.
        outcome: When closed, what was decided (the text the platform's "poll ended" shows).
    """

    question: str
    answers: tuple[Button, ...] = ()
    max_selections: int = 1
    disclosed: bool = True
    closed: bool = False
    outcome: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message, already rendered in the recipient's language.

    Attributes:
        text: Plain text. Adapters escape it for their markup; user content inside it
            can never become markup.
        buttons: Rows of buttons. Adapters without buttons degrade them (numbered replies).
        image: An image to show with the message.
        file: A document to attach.
        rtl: The text is in a right-to-left language.
        asks_for_text: The message asks the reader for a free-text answer (a bio, a block
            reason, a description); this is the short label of that field. Platforms with
            forms (``Capabilities.modal``) may offer one; the answer always reaches the
            core as :class:`~core.messaging.inbound.TextReceived`, as a typed reply does.
        poll: The same choices as a native poll, for platforms with ``Capabilities.polls``
            (dropped by the outbox for the others); on an edit, its state (closed or not).
        idempotency_key: A key unique to this one message to this one recipient (a
            broadcast delivery's). Platforms with ``Capabilities.idempotent_sends`` pass it
            as their transaction id or nonce, so that a repeated send is dropped.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: Attachment | None = None
    file: Attachment | None = None
    rtl: bool = False
    asks_for_text: str | None = None
    poll: Poll | None = None
    idempotency_key: str | None = None

    def all_buttons(self) -> list[Button]:
        """The buttons in reading order, as numbered choices show them."""
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class SentMessage:
    """A message the platform accepted: where it is, so that it can be edited."""

    chat_id: str
    message_id: str


@dataclass(frozen=True)
class NativeEvent:
    """A gathering as a platform's own events show it (Discord scheduled events).

    The core stays the source of truth; a platform with ``Capabilities.native_events``
    mirrors what it is told, creating, updating or cancelling its copy.

    Attributes:
        key: A stable key of what is mirrored (a gathering occurrence).
        title: Already in the chat's language.
        description: Already in the chat's language.
        start: Aware datetime (UTC).
        end: Aware datetime (UTC).
        location: The place, or the online link.
        cancelled: The gathering was called off: cancel the native event.
    """

    key: str
    title: str
    description: str
    start: datetime
    end: datetime
    location: str
    cancelled: bool = False
