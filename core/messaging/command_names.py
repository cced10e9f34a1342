"""Commands' names in each language, for platforms that show localized command names.

Discord lists slash commands by a name per locale; the name a command is invoked by stays
the registered English one, so routing never depends on a translation. The context tells
translators the rule: one lowercase word (letters, digits, ``_`` or ``-``), at most 32
characters. A command missing here keeps its English name everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from core.i18n.message import Msg, _, pgettext

CONTEXT = "command name: one lowercase word, no spaces"

COMMAND_NAMES: Mapping[str, Msg] = MappingProxyType(
    {
        "start": pgettext(CONTEXT, "start"),
        "help": pgettext(CONTEXT, "help"),
        "language": pgettext(CONTEXT, "language"),
        "profile": pgettext(CONTEXT, "profile"),
        "join": pgettext(CONTEXT, "join"),
        "decide": pgettext(CONTEXT, "decide"),
        "decisions": pgettext(CONTEXT, "decisions"),
        "vote": pgettext(CONTEXT, "vote"),
        "close": pgettext(CONTEXT, "close"),
        "extend": pgettext(CONTEXT, "extend"),
        "cancel": pgettext(CONTEXT, "cancel"),
        "recall": pgettext(CONTEXT, "recall"),
        "export": pgettext(CONTEXT, "export"),
        "link": pgettext(CONTEXT, "link"),
        "role": pgettext(CONTEXT, "role"),
        "roles": pgettext(CONTEXT, "roles"),
        "link_chat": pgettext(CONTEXT, "link_chat"),
        "mydata": pgettext(CONTEXT, "mydata"),
        "forgetme": pgettext(CONTEXT, "forgetme"),
    }
)


def localized_name(command: str) -> Msg | None:
    """The translatable name of ``command``; None when it has none (it stays English)."""
    return COMMAND_NAMES.get(command)


ARGUMENTS_NAME = pgettext(CONTEXT, "details")
"""The name of the one text option a slash command takes (what follows the command)."""

ARGUMENTS_DESCRIPTION = _("What you would type after the command, if anything")
