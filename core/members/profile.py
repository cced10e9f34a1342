"""``/profile``: a member sees and edits their language, time zone, bio, photo and chapter.

Free answers (a bio, a time zone, a chapter's name, a photo) use a small *awaited answer*
state: after pressing "Edit bio" the member's next private message is the bio. The state is a row
(:class:`~core.members.models.AwaitedText`), so it survives a restart, and it lapses after
an hour so that a message sent much later is not mistaken for an answer.

Button actions:

====  =========  ==========================================================
prf   field      edit: lang, tz, bio, nobio (remove), photo, nophoto, chapter
prx              cancel the awaited answer
ptz   zone       a suggested time zone ("/" written as ".")
====  =========  ==========================================================
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select

from core.decisions.posting import branch_name
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.i18n.languages import autonym
from core.i18n.message import Msg, _, ngettext
from core.members.chapter_moves import ChapterMoves, MoveStatus
from core.members.language import LanguageChoice
from core.members.models import AwaitedText, ChapterMove, Member
from core.members.timezones import resolve_zone, suggest_zones, zone_from_arg, zone_to_arg
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context
from core.messaging.inbound import CommandReceived, PhotoReceived, TextReceived
from core.messaging.router import CommandSpec, Router, Where
from core.onboarding.flow import check_photo

EDIT = "prf"
CANCEL = "prx"
ZONE = "ptz"
MAX_BIO = 500
AWAIT_FOR = timedelta(hours=1)


class Field(StrEnum):
    """What an edit button or an awaited answer is about."""

    LANGUAGE = "lang"
    TIMEZONE = "tz"
    BIO = "bio"
    NO_BIO = "nobio"
    PHOTO = "photo"
    NO_PHOTO = "nophoto"
    CHAPTER = "chapter"


def has_photo(member: Member) -> bool:
    """Whether the member has a photo (a platform reference or stored bytes)."""
    return member.photo_ref is not None or member.photo_data is not None


class Profile:
    """The /profile command, its edit buttons and the awaited free-text answers.

    Args:
        router: Where the command, actions and text handler are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router
        # The language button reuses /language's menu (not registered twice: only called).
        self._language = LanguageChoice(router)
        self.moves = ChapterMoves(router, cancel=Action(CANCEL))

    def register(self) -> None:
        """Registers /profile, its actions, the awaited-answer handler and chapter moves."""
        self._router.command(
            CommandSpec(
                "profile",
                _("See and edit your profile: language, time zone, bio, photo, chapter"),
                self.show,
                where=Where.PRIVATE,
            )
        )
        self._router.action(EDIT, self.edit)
        self._router.action(CANCEL, self.cancel)
        self._router.action(ZONE, self.zone_chosen)
        self._router.text(self.answer)
        self._router.photo(self.photo_received)
        self.moves.register()

    # ------------------------------------------------------------------ showing

    def _chapter_name(self, ctx: Context, chapter: Branch) -> str:
        return branch_name(chapter, ctx.services.organisation, ctx.translator.language)

    async def show(self, ctx: Context, command: CommandReceived) -> None:
        """The member's profile, with a button to edit each part."""
        member = ctx.member
        chapter = await ctx.session.get(Branch, member.chapter_id) if member.chapter_id else None
        lines: list[Msg] = [
            _("Your profile"),
            _("Name: {name}", name=member.display_name),
            _("Language: {language}", language=autonym(ctx.translator.language)),
        ]
        if member.timezone:
            lines.append(_("Time zone: {zone}", zone=member.timezone))
        elif chapter is not None:
            lines.append(_("Time zone: not set (your chapter's is {zone})", zone=chapter.timezone))
        else:
            lines.append(_("Time zone: not set"))
        if chapter is not None:
            lines.append(_("Chapter: {chapter}", chapter=self._chapter_name(ctx, chapter)))
        else:
            lines.append(_("Chapter: none yet"))
        pending = await ctx.session.scalar(
            select(ChapterMove).where(
                ChapterMove.member_id == member.id,
                ChapterMove.status == MoveStatus.PENDING.value,
            )
        )
        if pending is not None:
            wanted = await ctx.session.get(Branch, pending.to_branch_id)
            if wanted is not None:
                lines.append(
                    _(
                        "Waiting for the organisers: move to {chapter}",
                        chapter=self._chapter_name(ctx, wanted),
                    )
                )
        lines.append(_("Bio: {bio}", bio=member.bio) if member.bio else _("Bio: not set"))
        lines.append(_("Photo: set") if has_photo(member) else _("Photo: not set"))
        edits = [ButtonSpec(_("Edit bio"), Action(EDIT, (Field.BIO,)))]
        if ctx.messenger.capabilities.photos:  # where people cannot send pictures, no button
            edits.append(ButtonSpec(_("Change photo"), Action(EDIT, (Field.PHOTO,))))
        if has_photo(member):
            edits.append(ButtonSpec(_("Remove photo"), Action(EDIT, (Field.NO_PHOTO,))))
        heading, *rest = (ctx.render(line) for line in lines)
        ctx.reply(
            heading + "\n\n" + "\n".join(rest),
            [
                [
                    ButtonSpec(_("Language"), Action(EDIT, (Field.LANGUAGE,))),
                    ButtonSpec(_("Time zone"), Action(EDIT, (Field.TIMEZONE,))),
                ],
                edits,
                [ButtonSpec(_("Change chapter"), Action(EDIT, (Field.CHAPTER,)))],
            ],
        )

    # ------------------------------------------------------------------ editing

    async def _await(self, ctx: Context, field: str) -> None:
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is None:
            ctx.session.add(AwaitedText(member_id=ctx.member.id, field=field, asked_at=ctx.now))
        else:
            awaited.field, awaited.asked_at = field, ctx.now
        await ctx.session.flush()

    async def _awaited(self, ctx: Context) -> AwaitedText | None:
        """The answer awaited from the sender privately, if any (a lapsed one is dropped)."""
        if not ctx.in_private:
            return None
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is not None and ctx.now - awaited.asked_at > AWAIT_FOR:
            await ctx.session.delete(awaited)
            await ctx.session.flush()
            return None
        return awaited

    async def _done(self, ctx: Context, field: str) -> None:
        """Ends an awaited answer about ``field`` (an answer by button ends it too)."""
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is not None and awaited.field == field:
            await ctx.session.delete(awaited)
            await ctx.session.flush()

    def _cancel_button(self) -> ButtonSpec:
        return ButtonSpec(_("Cancel"), Action(CANCEL))

    async def edit(self, ctx: Context, action: Action) -> None:
        """An edit button: asks for the new value, or makes the change at once."""
        if len(action.args) != 1:
            raise InvalidButton()
        if not ctx.in_private:
            raise UserError(_("Send /profile to me in a private chat to edit your profile."))
        field = action.args[0]
        member = ctx.member
        if field == Field.LANGUAGE:
            await self._language.command(
                ctx,
                CommandReceived(
                    platform=ctx.inbound.platform,
                    sender=ctx.inbound.sender,
                    chat=ctx.inbound.chat,
                    command="language",
                ),
            )
        elif field == Field.TIMEZONE:
            await self._ask_zone(ctx)
        elif field == Field.BIO:
            await self._await(ctx, Field.BIO)
            buttons = [self._cancel_button()]
            if member.bio:
                buttons.insert(0, ButtonSpec(_("Remove my bio"), Action(EDIT, (Field.NO_BIO,))))
            ctx.reply(
                ngettext(
                    "Send me your new bio: a few words about yourself, up to {count} character.",
                    "Send me your new bio: a few words about yourself, up to {count} characters.",
                    MAX_BIO,
                ),
                [buttons],
            )
        elif field == Field.NO_BIO:
            if not member.bio:
                raise UserError(_("You have no bio to remove."))
            member.bio = None
            await self._done(ctx, Field.BIO)
            ctx.reply(_("Your bio is removed."))
        elif field == Field.PHOTO:
            if not ctx.messenger.capabilities.photos:
                raise UserError(
                    _("I can't receive pictures here. Change your photo from another platform.")
                )
            await self._await(ctx, Field.PHOTO)
            ctx.reply(
                _("Send me the photo for your profile (a JPEG, PNG or WebP image)."),
                [[self._cancel_button()]],
            )
        elif field == Field.NO_PHOTO:
            if not has_photo(member):
                raise UserError(_("You have no photo to remove."))
            member.photo_platform = member.photo_ref = member.photo_mime = None
            member.photo_data = None
            await self._done(ctx, Field.PHOTO)
            ctx.reply(_("Your photo is removed."))
        elif field == Field.CHAPTER:
            await self._await(ctx, Field.CHAPTER)
            ctx.reply(
                _(
                    "Which chapter do you want to move to? Send its name or part of it "
                    "(like “Hackney”). Its organisers will be asked to approve."
                ),
                [[self._cancel_button()]],
            )
        else:
            raise InvalidButton()

    async def _ask_zone(self, ctx: Context) -> None:
        chapter = (
            await ctx.session.get(Branch, ctx.member.chapter_id) if ctx.member.chapter_id else None
        )
        organisation = ctx.services.organisation
        zones = suggest_zones(
            chapter.timezone if chapter else None,
            organisation.country_of(chapter.slug) if chapter else None,
            organisation.organisation.default_timezone,
        )
        buttons = [
            [ButtonSpec(zone, Action(ZONE, (arg,)))]
            for zone in zones
            if (arg := zone_to_arg(zone)) is not None
        ]
        buttons.append([self._cancel_button()])
        await self._await(ctx, Field.TIMEZONE)
        ctx.reply(
            _(
                "Which time zone are you in? Choose one, or send its name (like Europe/Madrid "
                "or America/Sao_Paulo)."
            ),
            buttons,
        )

    async def zone_chosen(self, ctx: Context, action: Action) -> None:
        """A suggested time zone was pressed."""
        zone = zone_from_arg(action.args[0]) if len(action.args) == 1 else None
        if zone is None:
            raise InvalidButton()
        await self._set_zone(ctx, zone)

    async def _set_zone(self, ctx: Context, zone: str) -> None:
        ctx.member.timezone = zone
        await self._done(ctx, Field.TIMEZONE)
        ctx.reply(_("Your time zone is now {zone}.", zone=zone))

    async def cancel(self, ctx: Context, action: Action) -> None:
        """Abandons the awaited answer."""
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is None:
            raise UserError(_("There is nothing to cancel."))
        await ctx.session.delete(awaited)
        await ctx.session.flush()
        ctx.reply(_("Cancelled: nothing was changed."))

    # ------------------------------------------------------------------ answers

    async def answer(self, ctx: Context, text: TextReceived) -> bool:
        """Takes a private message as the awaited answer, if one is awaited.

        A UserError (a bio too long, an unknown zone) keeps the question open: the
        handler's writes, the end of the wait included, are rolled back.
        """
        awaited = await self._awaited(ctx)
        if awaited is None:
            return False
        answer = text.text.strip()
        if awaited.field == Field.BIO:
            if len(answer) > MAX_BIO:
                raise UserError(
                    ngettext(
                        "That bio has {count} character; the most is {most}. Please send a "
                        "shorter one.",
                        "That bio has {count} characters; the most is {most}. Please send a "
                        "shorter one.",
                        len(answer),
                        most=MAX_BIO,
                    )
                )
            if not answer:
                raise UserError(_("Please send some text, or press Cancel."))
            ctx.member.bio = answer
            await self._done(ctx, Field.BIO)
            ctx.reply(_("Your bio is saved."))
        elif awaited.field == Field.TIMEZONE:
            zone = resolve_zone(answer)
            if zone is None:
                raise UserError(
                    _(
                        "I don't know the time zone “{zone}”. Send a name like Europe/Madrid, "
                        "or press Cancel.",
                        zone=answer[:40],
                    )
                )
            await self._set_zone(ctx, zone)
        elif awaited.field == Field.CHAPTER:
            await self.moves.search(ctx, answer)
        elif awaited.field == Field.PHOTO:
            raise UserError(_("Please send a picture, or press Cancel."))
        else:  # a state this version does not know: drop it rather than guess
            await ctx.session.delete(awaited)
            await ctx.session.flush()
            return False
        return True

    async def photo_received(self, ctx: Context, event: PhotoReceived) -> bool:
        """Takes a picture as the member's new photo, if one was asked for.

        The picture is checked like onboarding checks it: a real JPEG, PNG, GIF or WebP
        image, kept as the platform's reference where it has a stable one.
        """
        awaited = await self._awaited(ctx)
        if awaited is None or awaited.field != Field.PHOTO:
            return False
        photo = check_photo(event.platform, event.file_id, event.mime_type, event.data)
        member = ctx.member
        member.photo_platform, member.photo_ref = photo.platform, photo.ref
        member.photo_mime, member.photo_data = photo.mime, photo.data
        await self._done(ctx, Field.PHOTO)
        ctx.reply(_("Your photo is saved."))
        return True
