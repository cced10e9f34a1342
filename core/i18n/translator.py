"""A translator for one recipient language: renders messages, dates and numbers."""

from __future__ import annotations

import gettext
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal, format_percent

from core.i18n.languages import RTL_LANGUAGES
from core.i18n.message import Msg


class Translator:
    """Everything language-specific about talking to one person.

    Args:
        language: The language code.
        translations: The compiled gettext catalog for it.
    """

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._t = translations

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.language in RTL_LANGUAGES

    def render(self, message: Msg | str) -> str:
        """Translates ``message`` and fills its placeholders; plain strings pass through.

        Placeholder values that are themselves :class:`Msg` are rendered first, numbers are
        formatted for the locale. A translation whose placeholders do not match the source
        falls back to the English text rather than failing in front of a user.
        """
        if isinstance(message, str):
            return message
        if message.plural is not None and message.count is not None:
            if message.context is not None:
                text = self._t.npgettext(
                    message.context, message.msgid, message.plural, message.count
                )
            else:
                text = self._t.ngettext(message.msgid, message.plural, message.count)
        elif message.context is not None:
            text = self._t.pgettext(message.context, message.msgid)
        else:
            text = self._t.gettext(message.msgid)
        params = {key: self._param(value) for key, value in message.params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            source = message.msgid if message.count in (None, 1) else (message.plural or "")
            return source.format(**params)

    def _param(self, value: Any) -> Any:
        if isinstance(value, Msg):
            return self.render(value)
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return self.format_number(value)
        return value

    def format_number(self, value: float) -> str:
        """A number in the locale's notation (``1,234`` / ``1.234`` / ``١٬٢٣٤``)."""
        return format_decimal(value, locale=self.locale)

    def format_percent(self, share: float) -> str:
        """A share (0.5) as a whole percentage in the locale's style (``50%``, ``50 %``)."""
        return format_percent(round(share, 2), locale=self.locale)

    def format_datetime(self, moment: datetime, timezone: str, fmt: str = "medium") -> str:
        """An aware datetime shown in ``timezone``, in the locale's style.

        Args:
            moment: An aware datetime (any zone).
            timezone: The IANA zone of the reader.
            fmt: A Babel format name (``short``, ``medium``, ``long``, ``full``) or pattern.
        """
        return babel_format_datetime(
            moment, format=fmt, tzinfo=ZoneInfo(timezone), locale=self.locale
        )
