"""``/role grant|revoke ROLE NAME`` and ``/roles``: roles scoped to a branch, with an audit log.

Organisers (and admins) of a branch or of a branch above it may grant and revoke the roles
member, organiser and translator there; the admin role takes an admin. Being an admin of
a Telegram group or a Discord server grants nothing: only the roles stored here count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import delete, select

from core.decisions.posting import branch_name
from core.decisions.service import subtree_ids
from core.errors import UserError
from core.federation.models import Branch
from core.federation.service import branch_by_slug
from core.i18n.message import Msg, _, ngettext, pgettext
from core.i18n.translator import Translator
from core.members.audit import RoleAction, recent, record, role_label
from core.members.models import Member, Role, RoleChange, RoleGrant
from core.members.names import find_member
from core.members.notify import notify
from core.members.service import grant_role, has_role
from core.messaging.context import Context
from core.messaging.inbound import CommandReceived
from core.messaging.router import CommandSpec, Router

ROLE_WORDS = {
    "member": Role.MEMBER,
    "organiser": Role.ORGANISER,
    "organizer": Role.ORGANISER,
    "translator": Role.TRANSLATOR,
    "admin": Role.ADMIN,
}
MAX_ROLE_LINES = 40
_BRANCH_OPTION = re.compile(r"(?:^|\s)--branch(?:=|\s+)(\S+)")


@dataclass(frozen=True)
class RoleRequest:
    """A parsed ``/role`` command."""

    action: RoleAction
    role: Role
    language: str | None
    name: str
    branch: str | None


def usage() -> Msg:
    """How /role is used."""
    return _(
        "Use: /role grant ROLE NAME or /role revoke ROLE NAME\n"
        "ROLE is member, organiser, translator LANGUAGE or admin. In a private chat, add "
        "--branch SLUG.\n"
        "Example: /role grant translator es Ana López"
    )


def take_branch(args: str) -> tuple[str, str | None]:
    """Splits ``--branch SLUG`` off the arguments: (the rest, the slug or None)."""
    match = _BRANCH_OPTION.search(args)
    if match is None:
        if re.search(r"(?:^|\s)--branch\s*$", args):
            raise UserError(_("Give the branch's code after --branch."))
        return args, None
    rest = args[: match.start()] + " " + args[match.end() :]
    return " ".join(rest.split()), match.group(1).lower()[:64]


def parse_role(args: str, languages: tuple[str, ...]) -> RoleRequest:
    """Reads ``grant|revoke ROLE [LANGUAGE] NAME [--branch SLUG]``.

    Raises:
        UserError: The command is not in that form.
    """
    rest, branch = take_branch(args)
    words = rest.split()
    if len(words) < 3 or words[0].casefold() not in ("grant", "revoke"):
        raise UserError(usage())
    action = RoleAction(words[0].casefold())
    role = ROLE_WORDS.get(words[1].casefold())
    if role is None:
        raise UserError(
            _(
                "There is no role “{role}”. The roles are member, organiser, translator and admin.",
                role=words[1][:30],
            )
        )
    language = None
    name_words = words[2:]
    if role is Role.TRANSLATOR:
        language = name_words[0].casefold()
        if language not in languages:
            raise UserError(
                _(
                    "A translator role needs one of our languages before the name: {choices}.",
                    choices=", ".join(languages),
                )
            )
        name_words = name_words[1:]
    if not name_words:
        raise UserError(_("Whose role? Give the member's name."))
    return RoleRequest(action, role, language, " ".join(name_words), branch)


class Roles:
    """The /role and /roles commands.

    Args:
        router: Where the commands are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router

    def register(self) -> None:
        """Registers /role and /roles (for organisers)."""
        self._router.command(
            CommandSpec(
                "role",
                _("Grant or revoke a role: /role grant organiser NAME"),
                self.role,
                requires=Role.ORGANISER,
            )
        )
        self._router.command(
            CommandSpec(
                "roles",
                _("Who holds which role here, and the latest changes"),
                self.roles,
                requires=Role.ORGANISER,
            )
        )

    def _name(self, ctx: Context, branch: Branch, language: str | None = None) -> str:
        return branch_name(branch, ctx.services.organisation, language or ctx.translator.language)

    async def _branch(self, ctx: Context, slug: str | None) -> Branch:
        """The branch a command is about: ``--branch SLUG``, else the chat's."""
        if slug is not None:
            branch = await branch_by_slug(ctx.session, slug)
            if branch is None:
                raise UserError(_("There is no branch “{slug}”.", slug=slug))
            return branch
        if ctx.branch is not None:
            return ctx.branch
        if ctx.in_private:
            organised = await self._organised(ctx)
            if len(organised) == 1:
                return organised[0]
            raise UserError(
                _(
                    "Which branch? Add --branch SLUG, one of: {slugs}.",
                    slugs=", ".join(b.slug for b in organised) or "-",
                )
            )
        raise UserError(_("This chat is not linked to a branch of the organisation yet."))

    async def _organised(self, ctx: Context) -> list[Branch]:
        rows = await ctx.session.scalars(
            select(Branch)
            .join(RoleGrant, RoleGrant.branch_id == Branch.id)
            .where(
                RoleGrant.member_id == ctx.member.id,
                RoleGrant.role.in_({Role.ORGANISER.value, Role.ADMIN.value}),
                Branch.active,
            )
            .distinct()
            .order_by(Branch.slug)
        )
        return list(rows.all())

    async def _check_organiser(self, ctx: Context, branch: Branch, role: Role | None) -> None:
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, branch.id):
            raise UserError(
                _(
                    "Only organisers of {branch} (or of a branch above it) can do that.",
                    branch=self._name(ctx, branch),
                )
            )
        if role is Role.ADMIN and not await has_role(
            ctx.session, ctx.member.id, Role.ADMIN, branch.id
        ):
            raise UserError(
                _(
                    "Only admins of {branch} can grant or revoke the admin role there.",
                    branch=self._name(ctx, branch),
                )
            )

    async def _chapter_names(self, ctx: Context) -> dict[int, str]:
        branches = await ctx.session.scalars(select(Branch))
        return {b.id: self._name(ctx, b) for b in branches.all()}

    async def role(self, ctx: Context, command: CommandReceived) -> None:
        """Grants or revokes a role, writes the audit log and tells the member."""
        if not command.args.strip():
            ctx.reply(usage())
            return
        request = parse_role(command.args, ctx.services.organisation.organisation.languages)
        branch = await self._branch(ctx, request.branch)
        await self._check_organiser(ctx, branch, request.role)
        where = self._name(ctx, branch)
        subject = await find_member(
            ctx.session, branch.id, where, request.name, await self._chapter_names(ctx)
        )
        label = role_label(request.role.value, request.language)
        held = await ctx.session.scalar(
            select(RoleGrant).where(
                RoleGrant.member_id == subject.id,
                RoleGrant.branch_id == branch.id,
                RoleGrant.role == request.role.value,
                RoleGrant.language.is_(None)
                if request.language is None
                else RoleGrant.language == request.language,
            )
        )
        if request.action is RoleAction.GRANT:
            if held is not None:
                raise UserError(
                    _(
                        "{name} already holds the role {role} in {branch}.",
                        name=subject.display_name,
                        role=label,
                        branch=where,
                    )
                )
            await grant_role(
                ctx.session, subject.id, request.role, branch.id, ctx.now, request.language
            )
            done = _(
                "{name} now holds the role {role} in {branch}.",
                name=subject.display_name,
                role=label,
                branch=where,
            )
        else:
            if held is None:
                raise UserError(
                    _(
                        "{name} does not hold the role {role} in {branch}.",
                        name=subject.display_name,
                        role=label,
                        branch=where,
                    )
                )
            await ctx.session.execute(delete(RoleGrant).where(RoleGrant.id == held.id))
            done = _(
                "{name} no longer holds the role {role} in {branch}.",
                name=subject.display_name,
                role=label,
                branch=where,
            )
        await record(
            ctx.session,
            action=request.action,
            actor_id=ctx.member.id,
            subject_id=subject.id,
            role=request.role,
            branch_id=branch.id,
            language=request.language,
            now=ctx.now,
        )
        ctx.reply(done)
        if subject.id != ctx.member.id:
            await notify(ctx, subject.id, self._told(ctx, request, branch, ctx.member))

    def _told(
        self, ctx: Context, request: RoleRequest, branch: Branch, actor: Member
    ) -> Callable[[Translator], Msg]:
        """What the member whose role changed reads (the branch's name in their language)."""
        granted = request.action is RoleAction.GRANT
        label = role_label(request.role.value, request.language)

        def compose(t: Translator) -> Msg:
            where = self._name(ctx, branch, t.language)
            if granted:
                return _(
                    "{actor} gave you the role {role} in {branch}.",
                    actor=actor.display_name,
                    role=label,
                    branch=where,
                )
            return _(
                "{actor} revoked your role {role} in {branch}.",
                actor=actor.display_name,
                role=label,
                branch=where,
            )

        return compose

    async def roles(self, ctx: Context, command: CommandReceived) -> None:
        """The roles held in the branch and below, and the latest audit entries."""
        rest, slug = take_branch(command.args)
        if slug is None and rest.strip():
            slug = rest.split()[0].lower()[:64]
        branch = await self._branch(ctx, slug)
        await self._check_organiser(ctx, branch, None)
        ids = await subtree_ids(ctx.session, branch.id)
        names = await self._chapter_names(ctx)
        grants = (
            await ctx.session.execute(
                select(RoleGrant, Member.display_name)
                .join(Member, Member.id == RoleGrant.member_id)
                .where(RoleGrant.branch_id.in_(ids))
                .order_by(
                    RoleGrant.branch_id, RoleGrant.role, RoleGrant.language, Member.display_name
                )
            )
        ).all()
        lines = [ctx.render(_("Roles in {branch} and below:", branch=names[branch.id]))]
        shown = 0
        total = 0
        for branch_id, in_branch in groupby(grants, key=lambda row: row[0].branch_id):
            by_role = [
                (key, [name for _grant, name in group])
                for key, group in groupby(in_branch, key=lambda row: (row[0].role, row[0].language))
            ]
            for (role, language), holders in by_role:
                total += 1
                if shown >= MAX_ROLE_LINES:
                    continue
                lines.append(
                    ctx.render(
                        _(
                            "• {branch} · {role}: {names}",
                            branch=names.get(branch_id, "?"),
                            role=role_label(role, language),
                            names=", ".join(holders),
                        )
                    )
                )
                shown += 1
        if total == 0:
            lines.append(ctx.render(_("Nobody holds a role here yet.")))
        elif total > shown:
            lines.append(
                ctx.render(ngettext("… and {count} more.", "… and {count} more.", total - shown))
            )
        lines.append("")
        lines.append(ctx.render(_("Latest changes:")))
        entries = await recent(ctx.session, ids)
        if not entries:
            lines.append(ctx.render(_("No role has been granted or revoked here yet.")))
        people = await self._people(ctx, entries)
        zone = ctx.member.timezone or branch.timezone
        for entry in entries:
            lines.append(ctx.render(self._entry(ctx, entry, people, names, zone)))
        ctx.reply("\n".join(lines))

    async def _people(self, ctx: Context, entries: list[RoleChange]) -> dict[int, str]:
        ids = {i for e in entries for i in (e.actor_id, e.subject_id) if i is not None}
        if not ids:
            return {}
        rows = await ctx.session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(ids))
        )
        return {member_id: name for member_id, name in rows.all()}

    def _entry(
        self,
        ctx: Context,
        entry: RoleChange,
        people: dict[int, str],
        branches: dict[int, str],
        zone: str,
    ) -> Msg:
        former = ctx.render(_("Former member"))
        actor = people.get(entry.actor_id or 0, former)
        if entry.automatic:
            actor = ctx.render(pgettext("actor", "the bot"))
        subject = people.get(entry.subject_id or 0, former)
        when = ctx.translator.format_datetime(entry.at, zone, "short")
        role = role_label(entry.role, entry.language)
        branch = branches.get(entry.branch_id, "?")
        if entry.action == RoleAction.GRANT.value:
            return _(
                "{when}: {actor} granted {role} to {subject} in {branch}",
                when=when,
                actor=actor,
                role=role,
                subject=subject,
                branch=branch,
            )
        return _(
            "{when}: {actor} revoked {role} from {subject} in {branch}",
            when=when,
            actor=actor,
            role=role,
            subject=subject,
            branch=branch,
        )
