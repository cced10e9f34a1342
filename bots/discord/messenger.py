"""DiscordMessenger: the core's port on Discord (discord.py 2.x)."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol

import discord

from bots.discord.layout import fit, split_text
from bots.discord.pacing import NonceBook, TokenBucket
from bots.discord.pending import PendingInteraction, PendingInteractions
from bots.discord.translate import PLATFORM, is_private
from bots.discord.views import build_view
from core.config.settings import DiscordSettings
from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, DirectMessagesClosed, Pace

log = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_EVENT_NAME = 100
MAX_EVENT_DESCRIPTION = 1000
MAX_EVENT_LOCATION = 100
CANNOT_DM = 50007  # Discord: "Cannot send messages to this user"
INVITE_DAYS = 7

CAPABILITIES = Capabilities(
    buttons=True,
    edit=True,
    select=True,
    modal=True,
    threads=True,
    ephemeral=True,
    images=True,
    files=True,
    max_text_length=MAX_TEXT,
    photos=True,
    # Discord has no join requests a bot can answer; joining a server is open (or by
    # invite), and what membership opens is roles. So an "invite" into a branch's
    # channel grants the roles configured for that branch (see ``invite``).
    join_requests=False,
    invites=True,
    native_events=True,
    # Channel posts at Discord's global pace; new DM conversations slowly (Discord
    # quarantines bots that open many quickly). Nonces make repeated sends harmless.
    pace=Pace(per_second=40.0, direct_per_second=1.0, per_chat_interval=0.25, in_flight=8),
    idempotent_sends=True,
)

BranchOf = Callable[[str, str], Awaitable[str | None]]
"""(platform, chat id) -> the slug of the branch the chat is linked to (``CoreApp``)."""

EVENT_KEY = "discord:event:{guild}:{key}"
MAX_STATE_KEY = 64


class StateStore(Protocol):
    """Where the adapter keeps small durable values (``CoreApp.load_state``/``save_state``)."""

    async def load_state(self, key: str) -> str | None:
        """The value stored under ``key``, if any."""

    async def save_state(self, key: str, value: str) -> None:
        """Stores ``value`` under ``key``."""


def event_state_key(guild_id: int, key: str) -> str:
    """The state key for a server's scheduled event of one gathering (at most 64 chars)."""
    readable = EVENT_KEY.format(guild=guild_id, key=key)
    if len(readable) <= MAX_STATE_KEY:
        return readable
    digest = hashlib.sha256(key.encode()).hexdigest()
    return EVENT_KEY.format(guild=guild_id, key=digest)[:MAX_STATE_KEY]


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class MirroredEvent:
    """A server's scheduled event for one gathering, as last mirrored (kept durably).

    Attributes:
        event_id: Discord's id of the scheduled event.
        chat_id: The channel whose copy of the gathering it last showed.
        words: A digest of everything it shows (title, description, time, place, status).
        facts: A digest of what does not depend on a channel's language (time, place,
            status).
    """

    event_id: str
    chat_id: str
    words: str
    facts: str

    @classmethod
    def of(cls, event: NativeEvent, chat_id: str, event_id: str) -> MirroredEvent:
        """How ``event`` from ``chat_id`` would be recorded."""
        facts = _digest(event.start.isoformat(), event.end.isoformat(), event.location.strip())
        facts = _digest(facts, event.cancelled)
        return cls(event_id, chat_id, _digest(facts, event.title, event.description), facts)

    @classmethod
    def parse(cls, value: str | None) -> MirroredEvent | None:
        """The record stored as ``value`` (None when absent or unreadable)."""
        parts = (value or "").split()
        return cls(*parts) if len(parts) == 4 else None

    def dump(self) -> str:
        """The record as stored."""
        return f"{self.event_id} {self.chat_id} {self.words} {self.facts}"

    def shows_the_same(self, seen: MirroredEvent) -> bool:
        """Whether mirroring ``seen`` would change nothing people see.

        Another channel's copy with the same time, place and status is the same gathering
        in that channel's language: the event keeps the words it has.
        """
        if seen.words == self.words:
            return True
        return seen.chat_id != self.chat_id and seen.facts == self.facts


class DiscordMessenger:
    """Sends what the core says on Discord.

    Args:
        client: The logged-in discord.py client.
        settings: ``[discord]`` (roles per branch, the member role, the DM rate).
        branch_of: Finds the branch a channel is linked to (for roles).
        pending: Interactions being handled (acknowledgements, ephemeral messages).
        state: Durable storage for which scheduled event mirrors which gathering.
        dm_bucket: Paces the opening of new private conversations.
        nonces: Derives each send's nonce.
    """

    def __init__(
        self,
        client: discord.Client,
        settings: DiscordSettings,
        branch_of: BranchOf,
        pending: PendingInteractions,
        state: StateStore,
        dm_bucket: TokenBucket | None = None,
        nonces: NonceBook | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.branch_of = branch_of
        self.pending = pending
        self.state = state
        self.dm_bucket = dm_bucket or TokenBucket(settings.dms_per_minute)
        self.nonces = nonces or NonceBook()

    @property
    def platform(self) -> str:
        """``discord``."""
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        """Everything but join requests (see :data:`CAPABILITIES`)."""
        return CAPABILITIES

    # ----------------------------------------------------------------- messages

    async def _channel(self, chat_id: str) -> Any:
        channel = self.client.get_channel(int(chat_id))
        return channel if channel is not None else await self.client.fetch_channel(int(chat_id))

    @staticmethod
    def _files(message: OutgoingMessage) -> list[discord.File]:
        return [
            discord.File(io.BytesIO(a.content), filename=a.filename)
            for a in (message.image, message.file)
            if a is not None
        ]

    def _pieces(self, message: OutgoingMessage) -> list[OutgoingMessage]:
        """The message in pieces Discord accepts; buttons and files go with the last."""
        texts = split_text(message.text, MAX_TEXT)
        bare = replace(message, buttons=(), image=None, file=None, asks_for_text=None)
        return [replace(bare, text=t) for t in texts[:-1]] + [replace(message, text=texts[-1])]

    async def _post(self, channel: Any, message: OutgoingMessage) -> SentMessage:
        chat_id = str(channel.id)
        private = is_private(channel)
        sent: discord.Message | None = None
        try:
            for piece in self._pieces(message):
                extra: dict[str, Any] = {}
                files = self._files(piece)
                if files:
                    extra["files"] = files
                view = build_view(fit(piece, private=private))
                if view is not None:
                    extra["view"] = view
                sent = await channel.send(
                    piece.text, nonce=self.nonces.next(chat_id, piece), **extra
                )
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                raise
            answering = self.pending.answering_in(chat_id) if private else None
            if answering is None:
                raise DirectMessagesClosed(chat_id) from error
            # A reply to a form submitted from an ephemeral step (DMs closed): the person is
            # still there, in the channel, and sees it alone through their form's interaction.
            return await self._followup(answering, chat_id, message)
        assert sent is not None
        return SentMessage(chat_id, str(sent.id))

    async def _followup(
        self, pending: PendingInteraction, chat_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Shows ``message`` to the person of ``pending`` alone (an ephemeral followup)."""
        sent: discord.WebhookMessage | None = None
        for piece in self._pieces(message):
            extra: dict[str, Any] = {}
            files = self._files(piece)
            if files:
                extra["files"] = files
            view = build_view(fit(piece, private=True))
            if view is not None:
                extra["view"] = view
            sent = await pending.interaction.followup.send(
                piece.text, ephemeral=True, wait=True, **extra
            )
            pending.answered = True
        assert sent is not None
        return SentMessage(chat_id, str(sent.id))

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        """Posts in a channel (or a DM channel)."""
        return await self._post(await self._channel(chat_id), message)

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        """Messages a person privately; a new DM channel waits for the DM pace.

        Raises:
            DirectMessagesClosed: They do not accept DMs from the bot (error 50007).
        """
        user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
        return await self._post(await self.private_channel(user), message)

    async def private_channel(self, user: discord.User | discord.Member) -> discord.DMChannel:
        """The person's DM channel with the bot; a new one waits for the DM pace.

        Discord opens the channel even when the person refuses DMs from the bot: only
        sending to it fails then.
        """
        channel = user.dm_channel
        if channel is None:
            await self.dm_bucket.take()
            channel = await user.create_dm()
        return channel

    async def send_ephemeral(
        self, chat_id: str, user_id: str, message: OutgoingMessage
    ) -> SentMessage:
        """Shows a message to one person in a channel, through their pending interaction.

        Raises:
            LookupError: They have no interaction being handled in that channel (they
                typed a ``!command``): Discord offers no other way.
        """
        pending = self.pending.of_person(chat_id, user_id)
        if pending is None:
            raise LookupError(f"no pending interaction of {user_id} in {chat_id}")
        return await self._followup(pending, chat_id, message)

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        """Replaces a message's text and components (none: the buttons go)."""
        channel = self.client.get_channel(int(sent.chat_id))
        private = channel is not None and is_private(channel)
        partial = self.client.get_partial_messageable(int(sent.chat_id)).get_partial_message(
            int(sent.message_id)
        )
        text = split_text(message.text, MAX_TEXT)[0]
        await partial.edit(content=text, view=build_view(fit(message, private=private)))

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        """The note for a press, shown only to the presser (the click was deferred)."""
        pending = self.pending.by_id(press.interaction_id)
        if pending is None or not text:
            return
        await pending.interaction.followup.send(split_text(text, MAX_TEXT)[0], ephemeral=True)
        pending.answered = True

    # ----------------------------------------------------------------- membership

    async def _role(self, guild: discord.Guild, ref: str) -> discord.Role | None:
        role = guild.get_role(int(ref)) if ref.isdecimal() else None
        return role or discord.utils.get(guild.roles, name=ref)

    async def _roles_for(self, guild: discord.Guild, chat_id: str) -> list[discord.Role]:
        slug = await self.branch_of(PLATFORM, chat_id)
        refs = [self.settings.roles.get(slug, "") if slug else "", self.settings.member_role]
        roles = []
        for ref in filter(None, refs):
            role = await self._role(guild, ref)
            if role is None:
                log.warning("configured role not found", extra={"guild": guild.id, "role": ref})
            else:
                roles.append(role)
        return roles

    async def invite(self, chat_id: str, user_id: str) -> str | None:
        """Lets an approved member into a branch's channel: grants that branch's roles.

        On Discord, what a member can see is decided by roles: the role configured for the
        branch the channel is linked to (``[discord.roles]``) and the member role. Someone
        not in the server yet gets a one-use invite to the channel, privately.

        Returns:
            The invite link for someone not in the server yet (the core sends it), else None.
        """
        channel = await self._channel(chat_id)
        guild: discord.Guild | None = getattr(channel, "guild", None)
        if guild is None:
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user_id))
            except discord.NotFound:
                invite = await channel.create_invite(
                    max_age=int(timedelta(days=INVITE_DAYS).total_seconds()),
                    max_uses=1,
                    unique=True,
                )
                # The core sends the link privately, after a note in the person's language.
                return str(invite.url)
        roles = [r for r in await self._roles_for(guild, chat_id) if r not in member.roles]
        if roles:
            await member.add_roles(*roles)
        return None

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        """Never asked (no join requests on Discord); it would mean the same as an invite."""
        await self.invite(chat_id, user_id)

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        """Never asked (no join requests on Discord); declining changes nothing."""

    # ----------------------------------------------------------------- native events

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        """Creates, updates or cancels the server's scheduled event for a gathering.

        The event is "external" (a place or a link, not a voice channel) in the server of
        the linked channel. Discord requires a location (1–100 characters) for such an
        event: a gathering with neither a place nor a link shows the channel where it was
        announced. A cancelled gathering cancels a scheduled event, or ends one already
        under way.

        The core mirrors once per linked chat, and a server may have several channels
        linked to one branch: the server gets one scheduled event per gathering all the
        same (its id kept durably under the server and ``event.key``), changed once per
        change. The channel that last changed it owns its words: another channel's copy
        (in its own language) with the same time and place leaves it alone.

        Returns:
            The scheduled event's id ("" for a cancellation of nothing).
        """
        channel = await self._channel(chat_id)
        guild: discord.Guild = channel.guild
        key = event_state_key(guild.id, event.key)
        mirrored = MirroredEvent.parse(await self.state.load_state(key))
        seen = MirroredEvent.of(event, chat_id, mirrored.event_id if mirrored else "")
        if mirrored is not None:
            if mirrored.shows_the_same(seen):
                return mirrored.event_id
            existing = mirrored.event_id
        event_id = await self._mirror(guild, channel, event, existing)
        if event_id:
            await self.state.save_state(key, replace(seen, event_id=event_id).dump())
        return event_id

    async def _mirror(
        self, guild: discord.Guild, channel: Any, event: NativeEvent, existing: str | None
    ) -> str:
        """Makes the server's scheduled event ``existing`` (or a new one) show ``event``."""
        fields: dict[str, Any] = {
            "name": event.title[:MAX_EVENT_NAME],
            "description": event.description[:MAX_EVENT_DESCRIPTION],
            "start_time": event.start,
            "end_time": event.end,
            "location": (event.location.strip() or f"#{channel.name}")[:MAX_EVENT_LOCATION],
        }
        if existing is None or not existing.isdecimal():
            if event.cancelled:
                return ""
            created = await guild.create_scheduled_event(
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                **fields,
            )
            return str(created.id)
        scheduled = guild.get_scheduled_event(int(existing))
        if scheduled is None:
            try:
                scheduled = await guild.fetch_scheduled_event(int(existing))
            except discord.NotFound:
                log.warning("scheduled event gone", extra={"guild": guild.id, "event": existing})
                return existing
        if event.cancelled:
            if scheduled.status is discord.EventStatus.scheduled:
                await scheduled.cancel()
            elif scheduled.status is discord.EventStatus.active:
                await scheduled.end()
            return existing
        await scheduled.edit(entity_type=discord.EntityType.external, **fields)
        return existing
