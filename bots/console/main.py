"""The console chat loop: wiring only (lines in, events to the core, messages printed)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from typing import TextIO

from bots.console.messenger import ConsoleMessenger
from bots.console.translate import (
    PLATFORM,
    ConsoleState,
    Directive,
    DirectiveError,
    parse_directive,
    parse_offset,
    to_inbound,
)
from core.app import CoreApp
from core.members.models import Role
from core.messaging.inbound import ButtonPressed, ChatKind, ChatRef, Sender
from core.scheduling.clock import OffsetClock

HELP = """console commands:
  :as NAME      talk as NAME (created on first use)
  :dm           talk to the bot privately
  :chat NAME    talk in the group chat NAME (linked to the branch with that slug, if any)
  :press N      press button N (or :press LABEL) of the bot's last buttons in this chat
  :lang CODE    set your client's language hint (e.g. :lang es)
  :join SLUG [organiser]
                make yourself a member of a branch (as its organiser) — a shortcut
                for trying decisions before onboarding exists
  :time +2h     move the clock forward (+30m, +2h, +3d, +1w) and run what fell due
  :quit         leave
Anything else is a message (/start, /help, /language …)."""


class ConsoleAdapter:
    """Reads lines, steers or forwards them, prints the bot's answers.

    When standard input is not a terminal it reads a script and prints a transcript (every
    input line is echoed with who typed it where), so tests and evaluators can drive it.

    Args:
        app: The core.
        clock: The console's clock, moved by ``:time``.
        stdin: Where lines come from.
        stdout: Where the transcript goes.
        interactive: Show prompts (a terminal) rather than echo lines (a script).
    """

    def __init__(
        self,
        app: CoreApp,
        clock: OffsetClock,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.messenger = ConsoleMessenger(self.out)
        self.state = ConsoleState()
        app.attach(self.messenger)

    def _note(self, text: str) -> None:
        self.out.write(f"-- {text}\n")
        self.out.flush()

    async def _read(self) -> str | None:
        if self.interactive:
            where = self.state.group or "dm"
            self.out.write(f"{self.state.user}@{where}> ")
            self.out.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        return None if line == "" else line.rstrip("\r\n")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Serves lines until ``:quit`` or end of input (then sets ``stop``)."""
        stop = stop or asyncio.Event()
        if self.interactive:
            self._note("iopsbot console chat. Type /start, or :help for console commands.")
        try:
            while not stop.is_set():
                line = await self._read()
                if line is None:
                    break
                if not line.strip():
                    continue
                if not self.interactive:
                    self.out.write(f"> {self.state.user}@{self.state.chat_id}: {line}\n")
                if not await self._line(line.strip()):
                    break
        finally:
            stop.set()

    async def _line(self, line: str) -> bool:
        """Handles one line; False means quit."""
        try:
            directive = parse_directive(line)
        except DirectiveError as exc:
            self._note(str(exc))
            return True
        if directive is None:
            update = uuid.uuid4().hex
            await self.app.handle(to_inbound(line, self.state, update))
            return True
        return await self._steer(directive)

    async def _steer(self, d: Directive) -> bool:
        if d.verb == "quit":
            return False
        if d.verb == "help":
            self.out.write(HELP + "\n")
        elif d.verb == "as":
            self.state.user, self.state.group = d.arg, None
            self._note(f"you are {d.arg}, in your private chat with the bot")
        elif d.verb == "dm":
            self.state.group = None
            self._note(f"private chat of {self.state.user} with the bot")
        elif d.verb == "chat":
            await self._enter_group(d.arg)
        elif d.verb == "lang":
            self.state.language_hints[self.state.user] = d.arg
            self._note(f"client language hint of {self.state.user}: {d.arg}")
        elif d.verb == "join":
            await self._join(d.arg)
        elif d.verb == "time":
            await self._advance(d.arg)
        elif d.verb == "press":
            await self._press(d.arg)
        return True

    async def _enter_group(self, name: str) -> None:
        self.state.group = name
        chat = ChatRef(name, ChatKind.GROUP, title=name)
        if await self.app.link_chat(PLATFORM, chat, name):
            self._note(f"group chat {name}, linked to branch {name}")
        else:
            self._note(f"group chat {name} (no branch has that slug: the chat is not linked)")

    async def _join(self, arg: str) -> None:
        slug, _sep, role = arg.partition(" ")
        roles = (Role.ORGANISER,) if role.strip() == "organiser" else ()
        sender = Sender(self.state.user, self.state.user, self.state.language_hint)
        if await self.app.enrol(PLATFORM, sender, slug, roles) is None:
            self._note(f"no branch {slug!r}")
            return
        what = "an organiser and member" if roles else "a member"
        self._note(f"{self.state.user} is {what} of {slug}")

    async def _advance(self, arg: str) -> None:
        try:
            delta = parse_offset(arg)
        except DirectiveError as exc:
            self._note(str(exc))
            return
        self.clock.advance(delta)
        self._note(f"clock is now {self.clock.now():%Y-%m-%d %H:%M} UTC")
        await self.app.run_due()

    async def _press(self, choice: str) -> None:
        button = self.messenger.button(self.state.chat_id, choice)
        if button is None:
            self._note(f"no button {choice!r} on the bot's last message with buttons here")
            return
        sender = Sender(self.state.user, self.state.user, self.state.language_hint)
        kind = ChatKind.PRIVATE if self.state.group is None else ChatKind.GROUP
        await self.app.handle(
            ButtonPressed(
                platform=PLATFORM,
                sender=sender,
                chat=ChatRef(self.state.chat_id, kind, title=self.state.group),
                update_id=uuid.uuid4().hex,
                data=button.action,
            )
        )


async def serve(app: CoreApp, clock: OffsetClock, stop: asyncio.Event) -> None:
    """Runs the console chat until it ends, then stops the process."""
    adapter = ConsoleAdapter(app, clock)
    with contextlib.suppress(asyncio.CancelledError):
        await adapter.run(stop)
