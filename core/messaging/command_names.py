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

# The context is written out in every call below: Babel extracts only literal contexts.
CONTEXT = "command name: one lowercase word, no spaces"

COMMAND_NAMES: Mapping[str, Msg] = MappingProxyType(
    {
        "start": pgettext("command name: one lowercase word, no spaces", "start"),
        "help": pgettext("command name: one lowercase word, no spaces", "help"),
        "language": pgettext("command name: one lowercase word, no spaces", "language"),
        "profile": pgettext("command name: one lowercase word, no spaces", "profile"),
        "join": pgettext("command name: one lowercase word, no spaces", "join"),
        "gathering": pgettext("command name: one lowercase word, no spaces", "gathering"),
        "gathering_edit": pgettext("command name: one lowercase word, no spaces", "gathering_edit"),
        "gatherings": pgettext("command name: one lowercase word, no spaces", "gatherings"),
        "attendees": pgettext("command name: one lowercase word, no spaces", "attendees"),
        "calendar": pgettext("command name: one lowercase word, no spaces", "calendar"),
        "decide": pgettext("command name: one lowercase word, no spaces", "decide"),
        "decisions": pgettext("command name: one lowercase word, no spaces", "decisions"),
        "vote": pgettext("command name: one lowercase word, no spaces", "vote"),
        "close": pgettext("command name: one lowercase word, no spaces", "close"),
        "extend": pgettext("command name: one lowercase word, no spaces", "extend"),
        "cancel": pgettext("command name: one lowercase word, no spaces", "cancel"),
        "recall": pgettext("command name: one lowercase word, no spaces", "recall"),
        "export": pgettext("command name: one lowercase word, no spaces", "export"),
        "link": pgettext("command name: one lowercase word, no spaces", "link"),
        "role": pgettext("command name: one lowercase word, no spaces", "role"),
        "roles": pgettext("command name: one lowercase word, no spaces", "roles"),
        "link_chat": pgettext("command name: one lowercase word, no spaces", "link_chat"),
        "mydata": pgettext("command name: one lowercase word, no spaces", "mydata"),
        "forgetme": pgettext("command name: one lowercase word, no spaces", "forgetme"),
    }
)


def localized_name(command: str) -> Msg | None:
    """The translatable name of ``command``; None when it has none (it stays English)."""
    return COMMAND_NAMES.get(command)


ARGUMENTS_NAME = pgettext("command name: one lowercase word, no spaces", "details")
"""The name of the one text option a slash command takes (what follows the command)."""

ARGUMENTS_DESCRIPTION = _("What you would type after the command, if anything")
