"""Errors that carry a message for the person who caused them."""

from __future__ import annotations

from core.i18n.message import Msg, _


class UserError(Exception):
    """Bad input from a person: rendered to them in their language; nothing is changed.

    Raise a subclass (or this class) with a lazy message; the router rolls back the unit of
    work and answers with :attr:`message` translated for the sender.

    Args:
        message: What to tell the person.
    """

    def __init__(self, message: Msg) -> None:
        super().__init__(message.msgid)
        self.message = message


class UnknownCommand(UserError):
    """The command is not one the bot knows."""

    def __init__(self, command: str) -> None:
        super().__init__(
            _(
                "I don't know the command /{command}. Send /help to see what you can do here.",
                command=command,
            )
        )


class NotAllowed(UserError):
    """The person may not use this command here."""

    def __init__(self, command: str) -> None:
        super().__init__(_("You can't use /{command} here.", command=command))


class InvalidButton(UserError):
    """A button press whose data is forged, foreign or no longer understood."""

    def __init__(self) -> None:
        super().__init__(_("That button is not valid (it may be out of date). Please start again."))
