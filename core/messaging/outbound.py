"""What the core asks a platform to show."""

from __future__ import annotations

from dataclasses import dataclass


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
class OutgoingMessage:
    """One message, already rendered in the recipient's language.

    Attributes:
        text: Plain text. Adapters escape it for their markup; user content inside it
            can never become markup.
        buttons: Rows of buttons. Adapters without buttons degrade them (numbered replies).
        image: An image to show with the message.
        file: A document to attach.
        rtl: The text is in a right-to-left language.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: Attachment | None = None
    file: Attachment | None = None
    rtl: bool = False

    def all_buttons(self) -> list[Button]:
        """The buttons in reading order, as numbered choices show them."""
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class SentMessage:
    """A message the platform accepted: where it is, so that it can be edited."""

    chat_id: str
    message_id: str
