"""CoreApp: the single entry point adapters call with every inbound event."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import select

from core.broadcasts.compose import Broadcasts
from core.broadcasts.preferences import Settings as BroadcastSettings
from core.broadcasts.runner import BroadcastRunner
from core.config.organisation import OrganisationConfig
from core.db.database import Database
from core.db.migrate import current_revision, head_revision
from core.db.state import get_state, set_state
from core.decisions import chart
from core.decisions.export import Export
from core.decisions.handlers import Decisions
from core.decisions.recall import Recall
from core.errors import UserError
from core.federation.chat_linking import ChatLinking
from core.federation.invitations import accepts_invitation
from core.federation.service import (
    branch_by_slug,
    chat_branch_slug,
    link_chat,
    resolve_chat,
    sync_branches,
)
from core.gatherings.feeds import FeedSettings
from core.gatherings.handlers import Gatherings
from core.greeting.handlers import Greeting
from core.i18n.catalogs import Catalogs
from core.i18n.message import _
from core.i18n.translator import Translator
from core.members import audit
from core.members.data_rights import DataRights
from core.members.language import LanguageChoice
from core.members.linking import AccountLinking
from core.members.models import Member, PlatformAccount, Role
from core.members.profile import Profile
from core.members.roles import Roles
from core.members.service import grant_role, language_of, resolve_account
from core.messaging.actions import ActionSigner
from core.messaging.arrival import AlreadyHandled, arrive
from core.messaging.batching import PressBatcher
from core.messaging.closed_dms import DirectFallback
from core.messaging.context import Context, Services
from core.messaging.inbound import ButtonPressed, ChatRef, Inbound, Sender
from core.messaging.outbound import OutgoingMessage, SentMessage
from core.messaging.outbox import ChatAction, Delivery, Outbox, PostedMessage
from core.messaging.port import DirectMessagesClosed, Messenger, RateLimited
from core.messaging.router import Router
from core.onboarding.handlers import Onboarding
from core.scheduling import maintenance
from core.scheduling.clock import Clock
from core.scheduling.scheduler import Scheduler
from core.translation.decisions import refresh_on_translation
from core.translation.gatherings import refresh_on_translation as gatherings_refresh
from core.translation.glossary import Glossary
from core.translation.handlers import Translations
from core.translation.machine import MachineTranslator
from core.translation.providers import ProviderSettings, build_provider
from core.translation.worker import TranslationWorker

log = logging.getLogger(__name__)

ACTION_KEY = "action_signing_key"
MAX_RATE_LIMIT_WAIT = 5.0  # seconds a reply waits at most for a platform's rate limit


class DatabaseNotReady(RuntimeError):
    """The database is missing migrations; ``iopsbot db upgrade`` fixes it."""


@dataclass(frozen=True)
class AppConfig:
    """What CoreApp needs from configuration.

    Attributes:
        organisation: The federation.
        default_language: Used when nothing is known of a reader.
        secret_key: Signs button actions; None keeps a generated key in the database.
        calendar_feeds: Where the calendar feed files go; None: no feed files.
        translation: The machine translation provider (None: no machine translation).
    """

    organisation: OrganisationConfig
    default_language: str
    secret_key: str | None = None
    calendar_feeds: FeedSettings | None = None
    translation: ProviderSettings | None = None


class CoreApp:
    """The bot's core: every adapter hands it inbound events; it answers through the port.

    Build it with :meth:`open`, attach each platform's messenger, then feed it events with
    :meth:`handle` and keep :meth:`run_scheduler` running.

    Args:
        config: Organisation and language settings.
        db: The database (already migrated).
        clock: The time source.
        catalogs: UI translations for the organisation's languages.
        signer: Signs and verifies button actions.
        worker_id: This process's name in job claims.
    """

    def __init__(
        self,
        config: AppConfig,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        signer: ActionSigner,
        worker_id: str,
    ) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self._messengers: dict[str, Messenger] = {}
        self.services = Services(config.organisation, catalogs, signer, clock, self._messengers)
        self.router = Router()
        self.scheduler = Scheduler(
            db, clock, worker_id, deliver=self.deliver, messengers=self._messengers
        )
        glossary = Glossary.from_config(config.organisation.glossary)
        self.machine = MachineTranslator(
            db, build_provider(config.translation, glossary), glossary, clock
        )
        self.translations = Translations(self.router)
        self.translation_worker = TranslationWorker(
            db,
            clock,
            self.services,
            self.machine,
            worker_id,
            self.deliver,
            self.translations.changed,
        )
        self.broadcasts = BroadcastRunner(db, clock, self.services, worker_id, self.deliver)
        self._register_capabilities()
        self._presses = PressBatcher(
            db,
            self.router.batch_handlers,
            signer,
            clock.now,
            self.translator_for,
            self._acknowledge_press,
            self._handle_one,
        )

    def _register_capabilities(self) -> None:
        # Each capability adds its commands, actions and job kinds; /help reads them back.
        onboarding = Onboarding(self.router, self.scheduler, self.services)
        # A private /start from someone who is not a member yet starts their onboarding.
        Greeting(self.router, onboarding.newcomer_start).register()
        LanguageChoice(self.router).register()
        # Before the profile: a translator writing or an organiser composing gets their
        # text (each yields to a profile question asked after theirs).
        self.translations.register()
        broadcasts = Broadcasts(
            self.router, self.scheduler, self.services, machine=self.machine.provider is not None
        )
        broadcasts.register()
        BroadcastSettings(self.router).register()
        self.translations.on_translated("broadcast", broadcasts.translated)
        self.translations.on_translated("decision", refresh_on_translation(self.scheduler))
        self.translations.on_translated("gathering", gatherings_refresh(self.scheduler))
        # Before decisions: an answer the member was asked for wins over "vote …" text.
        Profile(self.router).register()
        onboarding.register()
        # Before decisions: a typed answer to the guided /gathering wins over "vote …" text.
        gatherings = Gatherings(
            self.router, self.scheduler, self.services, self.config.calendar_feeds
        )
        gatherings.register()
        onboarding.welcome_notes.append(gatherings.welcome_note)
        decisions = Decisions(self.router, self.scheduler, self.services)
        decisions.register()
        Recall(decisions).register()
        Export(self.router).register()
        AccountLinking(self.router).register()
        Roles(self.router).register()
        ChatLinking(self.router).register()
        DataRights(self.router).register()
        maintenance.register(self.scheduler)

    @classmethod
    async def open(
        cls,
        config: AppConfig,
        db: Database,
        clock: Clock,
        catalogs: Catalogs | None = None,
        worker_id: str | None = None,
    ) -> CoreApp:
        """Checks the database, mirrors the branch tree, loads the signing key.

        Raises:
            DatabaseNotReady: Migrations are missing.
        """
        current, head = await current_revision(db), head_revision()
        if current != head:
            raise DatabaseNotReady(
                f"the database is at migration {current or 'none'}, the code needs {head}: "
                "run `iopsbot db upgrade`"
            )
        languages = config.organisation.organisation.languages
        ordered = (config.default_language, *[x for x in languages if x != config.default_language])
        catalogs = catalogs or Catalogs(ordered)
        async with db.transaction() as session:
            await sync_branches(session, config.organisation)
            key = config.secret_key
            if key is None:
                key = await get_state(session, ACTION_KEY)
                if key is None:
                    key = secrets.token_hex(32)
                    await set_state(session, ACTION_KEY, key)
        worker = worker_id or f"{socket.gethostname()}:{secrets.token_hex(4)}"
        return cls(config, db, clock, catalogs, ActionSigner(key.encode()), worker)

    def attach(self, messenger: Messenger) -> None:
        """Connects a platform's messenger; inbound events name the platform they are from."""
        self._messengers[messenger.platform] = messenger

    async def start(self) -> None:
        """Books housekeeping and runs every job that fell due while the bot was down."""
        await asyncio.to_thread(chart.warm_up)
        await maintenance.ensure_scheduled(self.scheduler, self.clock.now())
        await self.scheduler.run_due()

    async def run_scheduler(self, stop: asyncio.Event) -> None:
        """Runs due jobs, machine translations and broadcast deliveries until ``stop``."""
        await asyncio.gather(
            self.scheduler.run_forever(stop),
            self.translation_worker.run_forever(stop),
            self.broadcasts.run_forever(stop),
        )

    async def run_due(self) -> int:
        """Runs everything due now until nothing is left: jobs, translations, deliveries.

        For the console's ``:time`` and tests, which move time by hand; a running bot
        does the same continuously in :meth:`run_scheduler`.

        Returns:
            How much was done (jobs run, tasks worked, deliveries handled).
        """
        total = 0
        for _round in range(20):  # each pass may make work for the next (a release job)
            done = await self.translation_worker.drain()
            done += await self.scheduler.run_due()
            done += await self.broadcasts.drain()
            total += done
            if not done:
                break
        return total

    async def link_chat(self, platform: str, chat: ChatRef, branch_slug: str) -> bool:
        """Links a platform chat to a branch (for adapters that map chats by configuration).

        Returns:
            False when no active branch has that slug.
        """
        async with self.db.transaction() as session:
            branch = await branch_by_slug(session, branch_slug)
            if branch is None:
                return False
            stored, _branch = await resolve_chat(session, platform, chat, self.clock.now())
            await link_chat(session, stored, branch)
            return True

    async def branch_of_chat(self, platform: str, chat_id: str) -> str | None:
        """The slug of the branch a platform chat is linked to, if any.

        For adapters whose platform ties something to branches by configuration (Discord
        grants a branch's server role when the core invites a member into its chat).
        """
        async with self.db.sessions() as session:
            return await chat_branch_slug(session, platform, chat_id)

    async def enrol(
        self, platform: str, sender: Sender, chapter_slug: str, roles: tuple[Role, ...] = ()
    ) -> int | None:
        """Makes a platform user a member of a branch, holding ``roles`` there.

        The administrative way in (the console's ``:join``, tests, bootstrapping the first
        organiser); newcomers normally join through onboarding.

        Returns:
            The member's id, or None when no active branch has that slug.
        """
        async with self.db.transaction() as session:
            now = self.clock.now()
            branch = await branch_by_slug(session, chapter_slug)
            if branch is None:
                return None
            member, _account = await resolve_account(session, platform, sender, now)
            member.chapter_id = branch.id
            member.joined_at = member.joined_at or now
            for role in roles:
                if await grant_role(session, member.id, role, branch.id, now):
                    await audit.record(
                        session,
                        action=audit.RoleAction.GRANT,
                        actor_id=None,  # an administrator's bootstrap, not a member's act
                        subject_id=member.id,
                        role=role,
                        branch_id=branch.id,
                        language=None,
                        now=now,
                    )
            return member.id

    async def handle(self, inbound: Inbound) -> None:
        """Handles one inbound event, exactly once per ``update_id``.

        Never raises: bad input is answered in the sender's language, and an unexpected
        failure is logged with its context and answered with an apology. Button presses of
        the kinds a capability lets be batched (votes) may be handled together with others
        that arrive at the same time, in one transaction (:mod:`core.messaging.batching`);
        this returns once the press is handled and acknowledged either way.
        """
        if isinstance(inbound, ButtonPressed) and inbound.platform in self._messengers:
            action = self._presses.accepts(inbound)
            if action is not None:
                await self._presses.submit(inbound, action)
                return
        await self._handle_one(inbound)

    async def _handle_one(self, inbound: Inbound) -> None:
        """Handles one event in its own transaction (see :meth:`handle`)."""
        messenger = self._messengers.get(inbound.platform)
        if messenger is None:
            log.error(
                "event from a platform with no messenger", extra={"platform": inbound.platform}
            )
            return
        log_context = {
            "platform": inbound.platform,
            "chat": inbound.chat.external_id,
            "event": type(inbound).__name__,
            "update": inbound.update_id,
        }
        try:
            ctx = await self._handle_in_transaction(inbound, messenger)
        except AlreadyHandled:
            log.info("duplicate update skipped", extra=log_context)
            return
        except Exception:
            log.exception("handling failed", extra=log_context)
            await self._apologise(inbound, messenger)
            return
        fallback = DirectFallback.for_sender(inbound, ctx.account.display_name, ctx.translator)
        deliveries = ctx.outbox.deliveries
        if not isinstance(inbound, ButtonPressed):
            await self.deliver(deliveries, fallback)
        elif fallback is None or not any(fallback.covers(d) for d in deliveries):
            # As soon as the press is committed, before the replies: they may wait for a
            # platform's rate limits, while the presser's spinner (Telegram) or the
            # interaction's deadline (Discord) cannot.
            await self._acknowledge(messenger, inbound, ctx.acknowledgement)
            await self.deliver(deliveries, fallback)
        else:
            # A private reply to the presser may meet closed doors; then "I have sent
            # you…" would be untrue, and they are told so instead of the note.
            await self.deliver(deliveries, fallback)
            note = None if fallback.noted else ctx.acknowledgement
            await self._acknowledge(messenger, inbound, note)
        # Cheap nudges: a confirmed broadcast or new content goes out without a poll's wait.
        self.translation_worker.wake()
        self.broadcasts.wake()

    async def _handle_in_transaction(self, inbound: Inbound, messenger: Messenger) -> Context:
        now = self.clock.now()
        async with self.db.transaction() as session:
            # Records the update id; AlreadyHandled for a copy (the transaction is dropped).
            member, account, chat, branch = await arrive(
                session, inbound.platform, inbound.sender, inbound.chat, now, inbound.update_id
            )
            ctx = Context(
                services=self.services,
                session=session,
                inbound=inbound,
                messenger=messenger,
                member=member,
                account=account,
                chat=chat,
                branch=branch,
                translator=self.translator_for(
                    member.language, account.language_hint, branch.language if branch else None
                ),
                now=now,
                outbox=Outbox(self._messengers),
            )
            sender_translator = ctx.translator
            try:
                # A savepoint: a UserError undoes the handler's writes but keeps the record
                # that the update was handled and who sent it.
                async with session.begin_nested():
                    await self.router.dispatch(ctx, inbound)
                    if ctx.acknowledgement and not isinstance(inbound, ButtonPressed):
                        # A numbered reply stood in for a button: its note goes privately,
                        # unless the private chat it came from already got an answer.
                        answered = any(
                            d.chat_id == inbound.chat.external_id for d in ctx.outbox.deliveries
                        )
                        if not (ctx.in_private and answered):
                            ctx.reply_privately(ctx.acknowledgement)
                        ctx.acknowledgement = None
                    await ctx.outbox.remember_choices(session, now)
            except UserError as error:
                log.info(
                    "user error", extra={"platform": inbound.platform, "msgid": error.message.msgid}
                )
                ctx.outbox.clear()
                ctx.acknowledgement = None
                ctx.translator = sender_translator  # a language switch was rolled back too
                ctx.reply(error.message)
        return ctx

    def translator_for(
        self, chosen: str | None, hint: str | None, chat_language: str | None
    ) -> Translator:
        """The translator for a reader, from what is known of them."""
        return self.services.catalogs.get(self.language_for(chosen, hint, chat_language))

    def language_for(self, chosen: str | None, hint: str | None, chat_language: str | None) -> str:
        """A reader's language: their choice, the platform's hint, the chat's, the default."""
        return language_of(
            chosen,
            hint,
            chat_language,
            self.config.organisation.organisation.languages,
            self.config.default_language,
        )

    async def deliver(
        self, deliveries: list[Delivery], fallback: DirectFallback | None = None
    ) -> None:
        """Sends committed messages; records where tagged ones landed.

        A platform refusing one message must not lose the others: each failure is logged
        and the rest are still sent.

        Args:
            deliveries: What to send.
            fallback: How to reach the person who caused them in the group chat where they
                acted, when a private message to them meets closed DMs.
        """
        landed: list[tuple[Delivery, SentMessage]] = []
        # "I have sent you…" waits for what it announces, and is dropped if that met closed
        # direct messages: the fallback has told them so instead.
        confirmations = [d for d in deliveries if d.confirms_private] if fallback else []
        ordered = [d for d in deliveries if not (fallback and d.confirms_private)]
        for delivery in [*ordered, *confirmations]:
            if delivery.confirms_private and fallback is not None and fallback.noted:
                continue
            messenger = self._messengers.get(delivery.platform)
            if messenger is None:
                log.warning("no messenger for a delivery", extra={"platform": delivery.platform})
                continue
            try:
                try:
                    await self._deliver_one(messenger, delivery, landed, fallback)
                except RateLimited as limited:
                    # Once more after the platform's wait (bounded: the others must not stall).
                    await asyncio.sleep(min(limited.retry_after, MAX_RATE_LIMIT_WAIT))
                    await self._deliver_one(messenger, delivery, landed, fallback)
            except Exception:
                log.exception(
                    "send failed", extra={"platform": delivery.platform, "chat": delivery.chat_id}
                )
        await self._record_posted(landed)

    async def _deliver_one(
        self,
        messenger: Messenger,
        delivery: Delivery,
        landed: list[tuple[Delivery, SentMessage]],
        fallback: DirectFallback | None = None,
    ) -> None:
        """Sends one committed message or action; what landed is added to ``landed``."""
        if delivery.action is not None:
            await self._act(messenger, delivery)
        elif delivery.event is not None and delivery.chat_id is not None:
            native_id = await messenger.mirror_event(
                delivery.chat_id, delivery.event, delivery.edit
            )
            landed.append((delivery, SentMessage(delivery.chat_id, native_id)))
        elif delivery.edit is not None and delivery.chat_id is not None:
            await messenger.edit(SentMessage(delivery.chat_id, delivery.edit), delivery.message)
        elif delivery.direct_to is not None:
            try:
                sent = await messenger.send_direct(delivery.direct_to, delivery.message)
            except DirectMessagesClosed:
                if fallback is None or not fallback.covers(delivery):
                    raise
                await self._instead_of_direct(messenger, delivery, fallback)
                return
            landed.append((delivery, sent))
        elif delivery.ephemeral_to is not None and delivery.chat_id is not None:
            await messenger.send_ephemeral(
                delivery.chat_id, delivery.ephemeral_to, delivery.message
            )
        elif delivery.chat_id is not None:
            landed.append((delivery, await messenger.send(delivery.chat_id, delivery.message)))

    async def _record_posted(self, landed: list[tuple[Delivery, SentMessage]]) -> None:
        tagged = [(d, sent) for d, sent in landed if d.tag is not None]
        if not tagged:
            return
        try:
            async with self.db.transaction() as session:
                now = self.clock.now()
                for delivery, sent in tagged:
                    assert delivery.tag is not None
                    session.add(
                        PostedMessage(
                            tag=delivery.tag,
                            platform=delivery.platform,
                            chat_id=sent.chat_id[:255],
                            message_id=sent.message_id[:255],
                            language=delivery.language,
                            posted_at=now,
                        )
                    )
        except Exception:  # the messages went out; only later edits of them are lost
            log.exception("could not record posted messages")

    @staticmethod
    async def _instead_of_direct(
        messenger: Messenger, delivery: Delivery, fallback: DirectFallback
    ) -> None:
        """A private message met closed DMs: shown to them alone where they acted, or a note.

        Never the private content in public: without ephemeral messages (or when the
        platform cannot show one now) only the note naming them is posted, once.
        """
        log.info("direct messages closed", extra={"platform": delivery.platform})
        if messenger.capabilities.ephemeral:
            try:
                if not fallback.noted:
                    await messenger.send_ephemeral(
                        fallback.chat_id, fallback.user_id, fallback.private_note
                    )
                    fallback.noted = True
                await messenger.send_ephemeral(fallback.chat_id, fallback.user_id, delivery.message)
                return
            except LookupError:
                pass  # no way to show it to them alone right now: the note will do
        if not fallback.noted:
            fallback.noted = True
            await messenger.send(fallback.chat_id, fallback.public_note)

    @staticmethod
    async def _act(messenger: Messenger, delivery: Delivery) -> None:
        """Takes a committed chat action (join request approved or declined, an invite)."""
        chat_id, user_id = delivery.chat_id, delivery.direct_to
        if chat_id is None or user_id is None:
            return
        if delivery.action is ChatAction.APPROVE_JOIN:
            await messenger.approve_join_request(chat_id, user_id)
        elif delivery.action is ChatAction.DECLINE_JOIN:
            await messenger.decline_join_request(chat_id, user_id)
        elif delivery.action is ChatAction.INVITE:
            link = await messenger.invite(chat_id, user_id)
            if link is not None:  # an invite link: it reaches the person privately
                lead = delivery.message
                text = f"{lead.text}\n{link}" if lead.text else link
                await messenger.send_direct(user_id, OutgoingMessage(text, rtl=lead.rtl))

    async def _acknowledge_press(self, press: ButtonPressed, text: str | None) -> None:
        messenger = self._messengers.get(press.platform)
        if messenger is not None:
            await self._acknowledge(messenger, press, text)

    async def _acknowledge(
        self, messenger: Messenger, press: ButtonPressed, text: str | None
    ) -> None:
        try:
            await messenger.acknowledge(press, text)
        except Exception:
            log.exception("acknowledge failed", extra={"platform": messenger.platform})

    async def _apologise(self, inbound: Inbound, messenger: Messenger) -> None:
        """Tells the sender something went wrong, in their language if it can be found."""
        language = None
        try:
            async with self.db.sessions() as session:
                row = (
                    await session.execute(
                        select(Member.language, PlatformAccount.language_hint)
                        .join(PlatformAccount, PlatformAccount.member_id == Member.id)
                        .where(
                            PlatformAccount.platform == inbound.platform,
                            PlatformAccount.external_id == inbound.sender.external_id,
                        )
                    )
                ).first()
                if row is not None:
                    language = self.language_for(row[0], row[1], None)
        except Exception:
            log.exception("could not look up the sender's language")
        if language is None:
            language = self.language_for(None, inbound.sender.language_hint, None)
        translator = self.services.catalogs.get(language)
        text = translator.render(
            _("Sorry, something went wrong on my side. Please try again later.")
        )
        await self.deliver(
            [
                Delivery(
                    inbound.platform,
                    OutgoingMessage(text, rtl=translator.rtl),
                    chat_id=inbound.chat.external_id,
                )
            ]
        )

    async def accepts_invite(
        self, platform: str, inviter_id: str, chat_id: str, *, private: bool
    ) -> bool:
        """Whether the bot should join a chat it was invited to.

        See :func:`~core.federation.invitations.accepts_invitation`.
        """
        async with self.db.sessions() as session:
            return await accepts_invitation(session, platform, inviter_id, chat_id, private)

    async def load_state(self, key: str) -> str | None:
        """A small durable value an adapter keeps (a polling offset, a sync token).

        Adapters hold no SQL of their own; this is their one piece of storage. Keys are at
        most 64 characters; prefix them with the platform (``telegram:offset``).
        """
        async with self.db.sessions() as session:
            return await get_state(session, key)

    async def save_state(self, key: str, value: str) -> None:
        """Stores a small durable value for an adapter (see :meth:`load_state`)."""
        async with self.db.transaction() as session:
            await set_state(session, key, value)

    async def close(self) -> None:
        """Releases the database."""
        await self.db.dispose()
