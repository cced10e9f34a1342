"""Lazy UI messages: what the bot will say, translated only once the recipient is known.

Handlers never hold translated strings. They build :class:`Msg` values with :func:`_`,
:func:`ngettext` or :func:`pgettext` (the keywords Babel extracts), and the message is rendered
in each recipient's language at the last moment. That is what lets one outcome be posted to a
Spanish chat and an Arabic chat from the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    """A UI message not yet translated.

    Attributes:
        msgid: The English source text, with ``{name}`` placeholders.
        params: Values for the placeholders. ``Msg`` values among them are rendered too.
        plural: The English plural form, for messages that depend on a count.
        count: The number that picks the plural form.
        context: A gettext context (``pgettext``) for words that translate differently.
    """

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None
    context: str | None = None


def _(msgid: str, /, **params: Any) -> Msg:
    """Marks ``msgid`` for translation and returns it as a lazy message."""
    return Msg(msgid, params)


def ngettext(singular: str, plural: str, count: int, /, **params: Any) -> Msg:
    """A lazy message whose form depends on ``count`` (available as ``{count}``)."""
    return Msg(singular, {"count": count, **params}, plural=plural, count=count)


def pgettext(context: str, msgid: str, /, **params: Any) -> Msg:
    """A lazy message with a disambiguating gettext context."""
    return Msg(msgid, params, context=context)
