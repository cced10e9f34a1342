"""The application-command tree: one slash command per core command, localized.

Names and descriptions come from the core: each command's :class:`CommandSpec`
description and its name's msgid (:mod:`core.messaging.command_names`), translated
through the core's catalogs into every organisation language Discord has a locale for
(Arabic has none: those members see English). Discord sends interactions with the
default name, so the router sees ``decide`` whatever the member's client shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where
from discord.app_commands import locale_str

from core.i18n.catalogs import Catalogs
from core.i18n.message import Msg
from core.messaging.command_names import ARGUMENTS_DESCRIPTION, ARGUMENTS_NAME, localized_name
from core.messaging.router import CommandSpec

MAX_NAME = 32
MAX_DESCRIPTION = 100
ARGUMENTS = "details"

DISCORD_LOCALES: Mapping[discord.Locale, str] = MappingProxyType(
    {
        discord.Locale.american_english: "en",
        discord.Locale.british_english: "en",
        discord.Locale.spain_spanish: "es",
        discord.Locale.latin_american_spanish: "es",
        discord.Locale.french: "fr",
        discord.Locale.german: "de",
        discord.Locale.brazil_portuguese: "pt",
        discord.Locale.italian: "it",
        discord.Locale.dutch: "nl",
        discord.Locale.swedish: "sv",
        discord.Locale.greek: "el",
    }
)
"""Discord's locales for the organisation's languages (Discord has no Arabic)."""

CommandRunner = Callable[[discord.Interaction[Any], str, str], Awaitable[None]]


def valid_name(text: str) -> str | None:
    """``text`` as a Discord command name (lowercase, no spaces), or None if it is not one.

    Discord's rule: 1–32 letters, digits, ``-`` or ``_`` in any script, lowercase where
    the script has case.
    """
    name = text.strip().lower().replace(" ", "_")
    if not 0 < len(name) <= MAX_NAME:
        return None
    if not all(c.isalnum() or c in "-_" for c in name):
        return None
    return name


class LocalizedNames:
    """Every command's name per language, valid and unique within each language.

    A translation that is not a valid name, or that two commands share, is left out:
    those commands keep their English name in that language (a sync with duplicates would
    be refused as a whole).

    Args:
        catalogs: The core's catalogs.
        languages: The organisation's languages Discord can show.
        commands: The commands' registered names.
    """

    def __init__(self, catalogs: Catalogs, languages: Iterable[str], commands: Sequence[str]):
        self.names: dict[tuple[str, str], str] = {}
        for language in languages:
            translator = catalogs.get(language)
            wanted: dict[str, str] = {}
            for command in commands:
                msg = localized_name(command)
                name = valid_name(translator.render(msg)) if msg is not None else None
                if name is not None and name != command:
                    wanted[command] = name
            taken = list(wanted.values()) + [c for c in commands if c not in wanted]
            for command, name in wanted.items():
                if taken.count(name) == 1:
                    self.names[(command, language)] = name

    def get(self, command: str, language: str) -> str | None:
        """The name of ``command`` in ``language``; None: its English name."""
        return self.names.get((command, language))


class CatalogTranslator(app_commands.Translator):
    """discord.py's translator hook, answered from the core's gettext catalogs.

    Args:
        catalogs: The core's catalogs.
        languages: The organisation's languages.
        names: The localized command names.
    """

    def __init__(self, catalogs: Catalogs, languages: Iterable[str], names: LocalizedNames):
        self.catalogs = catalogs
        self.languages = frozenset(languages)
        self.names = names

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The text in ``locale``'s language; None keeps the default (English)."""
        language = DISCORD_LOCALES.get(locale)
        if language is None or language not in self.languages:
            return None
        if context.location is Where.command_name:
            return self.names.get(string.message, language)
        msg = string.extras.get("msg")
        if not isinstance(msg, Msg):
            return None
        text = self.catalogs.get(language).render(msg)
        if context.location is Where.parameter_name:
            name = valid_name(text)
            return name if name != string.message else None
        text = text.strip()[:MAX_DESCRIPTION]
        return text if text and text != string.message else None


def english(catalogs: Catalogs, msg: Msg) -> str:
    """A message's English text (Discord's default locale)."""
    return catalogs.get("en").render(msg) if "en" in catalogs.languages else msg.msgid


def slash_command(
    name: str, description: str, msg: Msg, catalogs: Catalogs, run: CommandRunner
) -> app_commands.Command[Any, Any, None]:
    """One slash command taking one optional text option (what would follow ``/name``)."""

    async def callback(interaction: discord.Interaction[Any], details: str = "") -> None:
        await run(interaction, name, details)

    described = app_commands.describe(
        details=locale_str(english(catalogs, ARGUMENTS_DESCRIPTION), msg=ARGUMENTS_DESCRIPTION)
    )(app_commands.rename(details=locale_str(ARGUMENTS, msg=ARGUMENTS_NAME))(callback))
    return app_commands.Command(
        name=locale_str(name),
        description=locale_str(description[:MAX_DESCRIPTION], msg=msg),
        callback=described,
    )


def slash_commands(
    specs: Sequence[CommandSpec], catalogs: Catalogs, run: CommandRunner
) -> list[app_commands.Command[Any, Any, None]]:
    """A slash command for every core command."""
    return [
        slash_command(
            spec.name, english(catalogs, spec.description), spec.description, catalogs, run
        )
        for spec in specs
    ]
