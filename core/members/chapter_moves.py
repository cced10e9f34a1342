"""Moving to another chapter: a request the new chapter's organisers approve or decline.

Button actions:

====  =========  ==========================================
pmv   branch id  the member picked the chapter to move to
pma   request    an organiser approves the move
pmd   request    an organiser declines it
====  =========  ==========================================
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import delete, select, update

from core.config.organisation import Level
from core.decisions.posting import branch_name
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.i18n.message import _, ngettext
from core.i18n.translator import Translator
from core.members.models import AwaitedText, ChapterMove, Member, Role
from core.members.notify import notify, organisers_of
from core.members.service import has_role
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context
from core.messaging.router import Router

MOVE = "pmv"
APPROVE = "pma"
DECLINE = "pmd"
MAX_MATCHES = 8
MIN_QUERY = 2


class MoveStatus(StrEnum):
    """Where a chapter move request is in its life."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # replaced by a newer request of the same member


def fold(text: str) -> str:
    """Text for matching: no case, no accents ("Gràcia" finds "gracia")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class ChapterMoves:
    """Finding a chapter, requesting the move, and the organisers' decision.

    Args:
        router: Where the actions are registered.
        cancel: The action of the button that abandons the search.
    """

    def __init__(self, router: Router, cancel: Action) -> None:
        self._router = router
        self._cancel = cancel

    def register(self) -> None:
        """Registers the pick, approve and decline actions."""
        self._router.action(MOVE, self.picked)
        self._router.action(APPROVE, self.approve)
        self._router.action(DECLINE, self.decline)

    def _name(self, ctx: Context, branch: Branch, language: str | None = None) -> str:
        return branch_name(branch, ctx.services.organisation, language or ctx.translator.language)

    async def search(self, ctx: Context, query: str) -> None:
        """Offers the chapters whose name (in any language) or code contains ``query``.

        Raises:
            UserError: Nothing or too much matches; the member may send another name.
        """
        wanted = fold(" ".join(query.split()))[:120]
        if len(wanted) < MIN_QUERY:
            raise UserError(_("Please send at least two letters of the chapter's name."))
        chapters = await ctx.session.scalars(
            select(Branch)
            .where(Branch.level == Level.LOCAL.value, Branch.active)
            .order_by(Branch.slug)
        )
        matches = []
        for chapter in chapters.all():
            configured = ctx.services.organisation.branch(chapter.slug)
            names = [chapter.slug, chapter.name, *(configured.names.values() if configured else ())]
            if any(wanted in fold(name) for name in names):
                matches.append(chapter)
        if not matches:
            raise UserError(
                _(
                    "No chapter matches “{query}”. Try another name, or press Cancel.",
                    query=query.strip()[:60],
                )
            )
        if len(matches) > MAX_MATCHES:
            raise UserError(
                ngettext(
                    "{count} chapter matches; please send more of its name.",
                    "{count} chapters match; please send more of the name.",
                    len(matches),
                )
            )
        buttons = [[ButtonSpec(self._name(ctx, c), Action(MOVE, (str(c.id),)))] for c in matches]
        buttons.append([ButtonSpec(_("Cancel"), self._cancel)])
        ctx.reply(_("Which chapter do you want to move to?"), buttons)

    async def picked(self, ctx: Context, action: Action) -> None:
        """The member chose a chapter: its organisers get the request."""
        if len(action.args) != 1 or not action.args[0].isdecimal():
            raise InvalidButton()
        chapter = await ctx.session.get(Branch, int(action.args[0]))
        if chapter is None or not chapter.active or chapter.level != Level.LOCAL.value:
            raise UserError(_("That chapter no longer exists. Send /profile to choose another."))
        if ctx.member.chapter_id == chapter.id:
            raise UserError(
                _("You are already a member of {chapter}.", chapter=self._name(ctx, chapter))
            )
        deciders = [m for m in await organisers_of(ctx, chapter.id) if m != ctx.member.id]
        await ctx.session.execute(
            update(ChapterMove)
            .where(
                ChapterMove.member_id == ctx.member.id,
                ChapterMove.status == MoveStatus.PENDING.value,
            )
            .values(status=MoveStatus.WITHDRAWN.value)
            .execution_options(synchronize_session=False)
        )
        request = ChapterMove(
            member_id=ctx.member.id,
            from_branch_id=ctx.member.chapter_id,
            to_branch_id=chapter.id,
            status=MoveStatus.PENDING.value,
            created_at=ctx.now,
        )
        ctx.session.add(request)
        await ctx.session.flush()
        current = (
            await ctx.session.get(Branch, ctx.member.chapter_id) if ctx.member.chapter_id else None
        )
        reached = 0
        for organiser in deciders:
            if await notify(
                ctx,
                organiser,
                self._ask_text(ctx, ctx.member, current, chapter),
                [
                    [
                        ButtonSpec(_("Approve"), Action(APPROVE, (str(request.id),))),
                        ButtonSpec(_("Decline"), Action(DECLINE, (str(request.id),))),
                    ]
                ],
            ):
                reached += 1
        if not reached:
            # Nothing is kept: a request nobody can see would wait forever.
            raise UserError(
                _(
                    "No organiser of {chapter} can be reached through me yet, so I can't send "
                    "your request. Please ask in the chapter's chat.",
                    chapter=self._name(ctx, chapter),
                )
            )
        await ctx.session.execute(delete(AwaitedText).where(AwaitedText.member_id == ctx.member.id))
        ctx.reply(
            _(
                "I have asked the organisers of {chapter}. I will tell you when they decide.",
                chapter=self._name(ctx, chapter),
            )
        )

    def _ask_text(
        self, ctx: Context, member: Member, current: Branch | None, chapter: Branch
    ) -> Callable[[Translator], str]:
        """The request as one organiser reads it (branch names in their language)."""

        def compose(t: Translator) -> str:
            if current is None:
                text = t.render(
                    _(
                        "{name} asks to join {chapter}.",
                        name=member.display_name,
                        chapter=self._name(ctx, chapter, t.language),
                    )
                )
            else:
                text = t.render(
                    _(
                        "{name} asks to move from {current} to {chapter}.",
                        name=member.display_name,
                        current=self._name(ctx, current, t.language),
                        chapter=self._name(ctx, chapter, t.language),
                    )
                )
            if member.bio:
                text += "\n\n" + t.render(_("Their bio: {bio}", bio=member.bio))
            return text

        return compose

    async def _request(self, ctx: Context, action: Action) -> tuple[ChapterMove, Branch]:
        """The request an organiser's button is about, checked for this organiser."""
        if len(action.args) != 1 or not action.args[0].isdecimal():
            raise InvalidButton()
        request = await ctx.session.get(ChapterMove, int(action.args[0]))
        if request is None:
            raise UserError(_("This request no longer exists."))
        chapter = await ctx.session.get(Branch, request.to_branch_id)
        assert chapter is not None  # the foreign key guarantees it
        if request.member_id == ctx.member.id:
            raise UserError(_("You can't decide on your own request."))
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, chapter.id):
            raise UserError(
                _(
                    "Only organisers of {chapter} can decide on this request.",
                    chapter=self._name(ctx, chapter),
                )
            )
        if request.status != MoveStatus.PENDING.value:
            raise UserError(_("This request was already decided or withdrawn."))
        if not chapter.active:
            raise UserError(_("That chapter no longer exists. Send /profile to choose another."))
        return request, chapter

    async def approve(self, ctx: Context, action: Action) -> None:
        """An organiser approves: the member's chapter changes and they are told."""
        request, chapter = await self._request(ctx, action)
        member = await ctx.session.get(Member, request.member_id)
        assert member is not None  # the foreign key guarantees it
        member.chapter_id = chapter.id
        request.status = MoveStatus.APPROVED.value
        request.decided_by, request.decided_at = ctx.member.id, ctx.now
        await ctx.session.flush()
        await notify(
            ctx,
            member.id,
            lambda t: _(
                "The organisers approved your request: welcome to {chapter}!",
                chapter=self._name(ctx, chapter, t.language),
            ),
        )
        ctx.reply(
            _(
                "Approved: {name} is now a member of {chapter}.",
                name=member.display_name,
                chapter=self._name(ctx, chapter),
            )
        )

    async def decline(self, ctx: Context, action: Action) -> None:
        """An organiser declines: nothing changes but the member is told."""
        request, chapter = await self._request(ctx, action)
        member = await ctx.session.get(Member, request.member_id)
        assert member is not None  # the foreign key guarantees it
        request.status = MoveStatus.DECLINED.value
        request.decided_by, request.decided_at = ctx.member.id, ctx.now
        await ctx.session.flush()
        await notify(
            ctx,
            member.id,
            lambda t: _(
                "The organisers of {chapter} declined your request to move there. You can ask "
                "them in the chapter's chat.",
                chapter=self._name(ctx, chapter, t.language),
            ),
        )
        ctx.reply(
            _(
                "Declined: {name} stays where they are.",
                name=member.display_name,
            )
        )
