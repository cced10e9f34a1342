"""The sync loop: events from the homeserver to the core, each handled exactly once.

matrix-nio's own ``sync_forever`` keeps the sync token before its callbacks run: a crash in
between would skip the events of that batch. This loop keeps the token itself, in the bot's
database, and only *after* the batch is handled:

1. ``sync(since=<stored token>)`` fetches what happened since the last batch handled;
2. every event goes to ``CoreApp.handle`` with its event id as the ``update_id``: the core
   records that id in the same transaction as the event's effect, and skips an id it has
   recorded before;
3. then the batch's ``next_batch`` token is stored.

A crash before 3 means the next start syncs the same batch again: the events already
handled are skipped by the core (their ids are recorded), the rest are handled. A crash
after 3 loses nothing either. So a restart neither replays an event nor skips one. What
this loop does outside the core is idempotent (joining a room, remembering a direct room).

When the homeserver leaves a gap in a room's timeline (``limited``: more events than the
sync returns), the missing events are fetched with ``/messages`` back to the stored token.
On the bot's very first start (no token yet) the rooms' history is not handled: it happened
before the bot was here. Pending invitations are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from nio import (
    AsyncClient,
    Event,
    InviteMemberEvent,
    JoinResponse,
    MessageDirection,
    RoomGetStateEventResponse,
    RoomMemberEvent,
    RoomMessagesResponse,
    SyncResponse,
)

from bots.matrix.rooms import DirectRooms
from bots.matrix.translate import PLATFORM, Reading, RoomView, to_inbound, unreadable_update
from core.app import CoreApp
from core.messaging.inbound import ChatKind, ChatRef, CommandReceived, Sender, Unreadable
from core.messaging.port import DirectMessagesClosed

log = logging.getLogger(__name__)

TOKEN_KEY = "matrix:next_batch"
GAP_PAGES = 20  # at most this many pages of /messages fill one room's gap
GAP_PAGE_SIZE = 100


class SyncLoop:
    """Syncs with the homeserver and hands every new event to the core.

    Args:
        app: The core.
        client: A logged-in client.
        directs: The bot's direct rooms.
        reading: How events are read (prefixes, the bot's id, decryption).
        timeline_limit: Events per room per sync (a longer gap is fetched separately).
        timeout_ms: How long one sync waits for news.
    """

    def __init__(
        self,
        app: CoreApp,
        client: AsyncClient,
        directs: DirectRooms,
        reading: Reading,
        timeline_limit: int = 50,
        timeout_ms: int = 30_000,
    ) -> None:
        self.app = app
        self.client = client
        self.directs = directs
        self.reading = reading
        self.timeout_ms = timeout_ms
        self._filter: dict[str, Any] = {
            "room": {"timeline": {"limit": timeline_limit}},
            "presence": {"types": []},
        }
        self._synced = False

    async def run(self, stop: asyncio.Event) -> None:
        """Syncs until ``stop`` is set; a failing sync is retried after a pause."""
        pause = 1.0
        while not stop.is_set():
            try:
                await self.once(stop)
                pause = 1.0
            except Exception:
                log.exception("sync failed", extra={"platform": PLATFORM})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                pause = min(pause * 2, 60.0)

    async def once(self, stop: asyncio.Event | None = None) -> bool:
        """One sync and the handling of everything in it.

        Returns:
            False when ``stop`` was set while waiting (nothing was handled).

        Raises:
            RuntimeError: The homeserver refused the sync.
        """
        token = await self.app.load_state(TOKEN_KEY)
        request = asyncio.ensure_future(
            self.client.sync(
                timeout=self.timeout_ms,
                since=token,
                # After a start the client knows no room yet: the first sync brings the
                # rooms' whole state (members, encryption), the timeline still from token.
                full_state=not self._synced and token is not None,
                sync_filter=self._filter,
            )
        )
        if stop is not None:
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not request.done():
                request.cancel()
                return False
        response = await request
        if not isinstance(response, SyncResponse):
            raise RuntimeError(f"sync refused: {getattr(response, 'message', response)}")
        self._synced = True
        await self._keys()
        await self._invites(response)
        if token is not None:
            for room_id, info in response.rooms.join.items():
                events = list(info.timeline.events)
                if info.timeline.limited and info.timeline.prev_batch:
                    events = await self._gap(room_id, info.timeline.prev_batch, token) + events
                for event in events:
                    await self._event(room_id, event)
        for room_id in response.rooms.leave:
            await self.directs.forget(room_id)
        await self.app.save_state(TOKEN_KEY, response.next_batch)
        return True

    async def _keys(self) -> None:
        """With end-to-end support: keeps the device's keys and room keys flowing."""
        if not self.reading.can_decrypt:
            return
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    async def _gap(self, room_id: str, prev_batch: str, token: str) -> list[Event]:
        """The events between the stored token and the start of a limited timeline."""
        missed: list[Event] = []
        cursor = prev_batch
        for _page in range(GAP_PAGES):
            response = await self.client.room_messages(
                room_id,
                start=cursor,
                end=token,
                direction=MessageDirection.back,
                limit=GAP_PAGE_SIZE,
            )
            if not isinstance(response, RoomMessagesResponse) or not response.chunk:
                break
            missed.extend(e for e in response.chunk if isinstance(e, Event))
            if not response.end or response.end == cursor:
                break
            cursor = response.end
        else:
            log.warning("gap longer than fetched", extra={"room": room_id})
        missed.reverse()
        return missed

    def _view(self, room_id: str, direct_with: str | None) -> tuple[RoomView, dict[str, str]]:
        room = self.client.rooms.get(room_id)
        if room is None:
            return RoomView(room_id, None, direct_with), {}
        names = {uid: user.name for uid, user in room.users.items() if user.name}
        return RoomView(room_id, room.name, direct_with), names

    async def _event(self, room_id: str, event: Event) -> None:
        direct_with = await self.directs.person_in(room_id)
        view, names = self._view(room_id, direct_with)
        inbound = to_inbound(event, view, self.reading, names)
        if inbound is not None:
            await self.app.handle(inbound)
        if (
            isinstance(event, RoomMemberEvent)
            and event.membership in ("leave", "ban")
            and event.state_key == direct_with
        ):
            await self.directs.forget(room_id)

    async def _invites(self, response: SyncResponse) -> None:
        for room_id, info in response.rooms.invite.items():
            invite = next(
                (
                    e
                    for e in info.invite_state
                    if isinstance(e, InviteMemberEvent)
                    and e.state_key == self.reading.bot_user_id
                    and e.membership == "invite"
                ),
                None,
            )
            if invite is None:
                continue
            try:
                await self._invited(room_id, invite, info.invite_state)
            except Exception:
                log.exception("invitation failed", extra={"room": room_id})

    async def _invited(self, room_id: str, invite: InviteMemberEvent, state: list[Any]) -> None:
        """Joins the rooms of the organisation; a direct room starts a conversation."""
        inviter = invite.sender
        private = invite.content.get("is_direct") is True
        if not await self.app.accepts_invite(PLATFORM, inviter, room_id, private=private):
            log.info("invitation declined", extra={"room": room_id, "inviter": inviter})
            await self.client.room_leave(room_id)
            return
        joined = await self.client.join(room_id)
        if not isinstance(joined, JoinResponse):
            log.warning("could not join", extra={"room": room_id})
            return
        if not private:
            return
        shown = next(
            (
                e.content.get("displayname")
                for e in state
                if isinstance(e, InviteMemberEvent) and e.state_key == inviter
            ),
            None,
        )
        sender = Sender(inviter, shown if isinstance(shown, str) and shown else inviter)
        room = room_id
        if not self.reading.can_decrypt and await self._encrypted(room_id):
            # Say why here, then talk in a room the bot can read.
            await self.app.handle(
                Unreadable(
                    platform=PLATFORM,
                    sender=sender,
                    chat=ChatRef(room_id, ChatKind.PRIVATE),
                    update_id=unreadable_update(room_id),
                )
            )
            try:
                room = await self.directs.create(inviter)
            except DirectMessagesClosed:
                return
        else:
            await self.directs.remember(inviter, room_id)
        await self.app.handle(
            CommandReceived(
                platform=PLATFORM,
                sender=sender,
                chat=ChatRef(room, ChatKind.PRIVATE),
                update_id=f"invite:{room_id}",
                command="start",
            )
        )

    async def _encrypted(self, room_id: str) -> bool:
        response = await self.client.room_get_state_event(room_id, "m.room.encryption")
        return isinstance(response, RoomGetStateEventResponse) and bool(response.content)
