"""What people read about a broadcast: the announcement, the preview, progress, the report.

Pure functions from values and a :class:`~core.i18n.translator.Translator` to text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.broadcasts.models import Channels, DeliveryKind, Timing
from core.broadcasts.recipients import Plan
from core.i18n.message import Msg, _, ngettext
from core.i18n.translator import Translator
from core.members.notify import platform_name
from core.translation.content import language_name


def announcement(branch: str, author: str, body: str, label: str | None) -> Msg:
    """The announcement as a recipient reads it (``body`` already in their language)."""
    if label:
        return _(
            "📣 {branch} · {author}\n\n{text}\n\n{label}",
            branch=branch,
            author=author,
            text=body,
            label=label,
        )
    return _("📣 {branch} · {author}\n\n{text}", branch=branch, author=author, text=body)


def channels_text(channels: Channels) -> Msg:
    """Where it goes, in words."""
    names = {
        Channels.CHATS: _("the branch chats"),
        Channels.DMS: _("members' private messages"),
        Channels.BOTH: _("the branch chats and members' private messages"),
    }
    return names[channels]


def timing_text(timing: Timing, when: str | None, deadline: str | None) -> Msg:
    """When it goes, in words (times already formatted for the reader)."""
    if timing is Timing.AT:
        return _("at {when}", when=when or "")
    if timing is Timing.READY:
        return _("when the translations are ready, at the latest {when}", when=deadline or "")
    return _("now")


def by_language(plan: Plan, t: Translator) -> list[str]:
    """One line per language: how many on which platform ("• Español: Telegram 30 · …")."""
    counts: dict[str, dict[str, int]] = {}
    for (language, platform, _kind), count in plan.counts().items():
        per = counts.setdefault(language, {})
        per[platform] = per.get(platform, 0) + count
    lines = []
    for language in sorted(counts, key=lambda lang: -sum(counts[lang].values())):
        platforms = " · ".join(
            f"{platform_name(p)} {t.format_number(n)}" for p, n in sorted(counts[language].items())
        )
        lines.append(f"• {language_name(language, t.language)}: {platforms}")
    return lines


@dataclass(frozen=True)
class PreviewFacts:
    """What the organiser confirms."""

    broadcast_id: int
    branch: str
    channels: Channels
    timing: Timing
    when: str | None
    deadline: str | None
    without_translator: Sequence[str]
    machine: bool


def preview(facts: PreviewFacts, sample: str, plan: Plan, t: Translator) -> str:
    """The preview in the organiser's language, with the counts, before they confirm."""
    chats = sum(1 for r in plan.recipients if r.kind is DeliveryKind.CHAT)
    members = len(plan.recipients) - chats
    lines = [
        t.render(_("Preview of broadcast #{id}:", id=facts.broadcast_id)),
        "",
        sample,
        "",
        t.render(
            _(
                "To {branch} and every branch below it, in {channels}, {when}.",
                branch=facts.branch,
                channels=channels_text(facts.channels),
                when=timing_text(facts.timing, facts.when, facts.deadline),
            )
        ),
        t.render(
            ngettext(
                "Recipients: {count} member by private message",
                "Recipients: {count} members by private message",
                members,
            )
        )
        + t.render(ngettext(" and {count} chat.", " and {count} chats.", chats)),
    ]
    lines += by_language(plan, t)
    if plan.opted_out or plan.unreachable:
        lines.append(
            t.render(
                _(
                    "Not by private message: {opted} turned announcements off, {unreachable} "
                    "use no platform I am on.",
                    opted=plan.opted_out,
                    unreachable=plan.unreachable,
                )
            )
        )
    if facts.without_translator:
        names = ", ".join(language_name(x, t.language) for x in facts.without_translator)
        if facts.machine:
            lines.append(
                t.render(
                    _(
                        "No translator for {languages}: a machine translation goes out.",
                        languages=names,
                    )
                )
            )
        else:
            lines.append(
                t.render(
                    _("No translator for {languages}: the original goes out.", languages=names)
                )
            )
    return "\n".join(lines)


def progress(
    broadcast_id: int, branch: str, sent: int, failed: int, total: int, t: Translator
) -> str:
    """The confirmation message while it goes out ("2,140 / 5,000 delivered")."""
    line = t.render(
        _(
            "📣 Broadcast #{id} to {branch}: {sent} / {total} delivered.",
            id=broadcast_id,
            branch=branch,
            sent=sent,
            total=total,
        )
    )
    if failed:
        line += " " + t.render(ngettext("{count} failed.", "{count} failed.", failed))
    return line


@dataclass(frozen=True)
class Tally:
    """How one language's deliveries went."""

    sent: int = 0
    failed: int = 0


def report(
    broadcast_id: int,
    branch: str,
    by_lang: Mapping[str, Tally],
    reasons: Mapping[str, int],
    chats: int,
    t: Translator,
) -> str:
    """The final report: delivered, failed and why, by language."""
    sent = sum(x.sent for x in by_lang.values())
    failed = sum(x.failed for x in by_lang.values())
    lines = [
        t.render(_("📣 Broadcast #{id} to {branch} is finished.", id=broadcast_id, branch=branch)),
        t.render(_("Delivered: {sent} of {total}.", sent=sent, total=sent + failed)),
    ]
    if chats:
        lines.append(
            t.render(ngettext("Posted in {count} chat.", "Posted in {count} chats.", chats))
        )
    if failed:
        lines.append(t.render(_("Failed: {count}.", count=failed)))
        why: dict[str, Msg] = {
            "dms_closed": _("blocked the bot or closed their private messages"),
            "unreachable": _("no longer reachable"),
            "error": _("the platform refused"),
        }
        for reason, count in sorted(reasons.items()):
            label = why.get(reason, why["error"])
            lines.append(t.render(_("• {reason}: {count}", reason=label, count=count)))
    lines.append(t.render(_("By language:")))
    for language in sorted(by_lang, key=lambda x: -(by_lang[x].sent + by_lang[x].failed)):
        tally = by_lang[language]
        lines.append(
            t.render(
                _(
                    "• {language}: {sent} delivered, {failed} failed",
                    language=language_name(language, t.language),
                    sent=tally.sent,
                    failed=tally.failed,
                )
            )
        )
    return "\n".join(lines)
