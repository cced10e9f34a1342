"""/language: choose the language the bot speaks to you in."""

from __future__ import annotations

from core.errors import UserError
from core.i18n.languages import autonym, normalise_language
from core.i18n.message import _
from core.members.service import set_language
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context
from core.messaging.inbound import CommandReceived
from core.messaging.router import CommandSpec, Router

SET_LANGUAGE = "lang"
PER_ROW = 2


class UnknownLanguage(UserError):
    """A language code that is not one of the organisation's."""

    def __init__(self, code: str, choices: tuple[str, ...]) -> None:
        super().__init__(
            _(
                "I don't speak “{code}”. Choose one of: {choices}.",
                code=code[:20],
                choices=", ".join(choices),
            )
        )


class LanguageChoice:
    """The /language command and its buttons.

    Args:
        router: Where the command and the action are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /language and the language buttons' action."""
        self._router.command(
            CommandSpec("language", _("Choose the language I speak to you in"), self.command)
        )
        self._router.action(SET_LANGUAGE, self.chosen)

    async def command(self, ctx: Context, command: CommandReceived) -> None:
        """With an argument, sets the language; without, offers every language as a button."""
        languages = ctx.services.organisation.organisation.languages
        if command.args:
            code = normalise_language(command.args.split()[0], languages)
            if code is None:
                raise UnknownLanguage(command.args.split()[0], languages)
            await self._set(ctx, code)
            return
        current = ctx.translator.language
        buttons = [
            ButtonSpec(
                ("✓ " if code == current else "") + autonym(code), Action(SET_LANGUAGE, (code,))
            )
            for code in languages
        ]
        rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
        ctx.reply(_("Choose your language:"), rows)

    async def chosen(self, ctx: Context, action: Action) -> None:
        """A language button was pressed."""
        languages = ctx.services.organisation.organisation.languages
        if len(action.args) != 1 or action.args[0] not in languages:
            # A button from before the organisation dropped that language.
            raise UnknownLanguage(action.args[0] if action.args else "", languages)
        await self._set(ctx, action.args[0])

    async def _set(self, ctx: Context, code: str) -> None:
        await set_language(ctx.session, ctx.member, code)
        ctx.translator = ctx.translator_for(code)
        ctx.acknowledge(autonym(code))
        ctx.reply(_("From now on I will speak to you in {language}.", language=autonym(code)))
