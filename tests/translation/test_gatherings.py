"""Gatherings in every reader's language: the announcement in a Spanish chat and a Greek
member's reminder read a labelled machine translation, which a translator's replaces."""

from __future__ import annotations

from datetime import UTC, datetime

from core.i18n.message import _
from core.members.models import Role
from core.testing import FULL, FakeClock, FakeMessenger, Posted, Scenario
from core.translation.content import language_name
from core.translation.providers import ProviderSettings
from tests.translation.fake_providers import FakeProviders
from tests.translation.helpers import actions, dms, make_translator

LAVAPIES = "madrid-lavapies"
ANNOUNCE = '/gathering "Hello meeting" 2026-12-06 11:00 Europe/Madrid @ "Library" --branch ' + (
    LAVAPIES
)


def label(sc: Scenario, reader: str, machine: bool = True) -> str:
    """The line under a translation from English, in the reader's language."""
    english = language_name("en", reader)
    if machine:
        return sc.app.services.catalogs.get(reader).render(
            _("🌐 Machine translation from {language}.", language=english)
        )
    return sc.app.services.catalogs.get(reader).render(
        _("🌐 Translated from {language}.", language=english)
    )


def announcement(sc: Scenario, chat: str) -> Posted:
    [posted] = [p for p in sc.messenger().in_chat(chat) if p.text.startswith("📅 ")]
    return posted


async def test_a_gathering_reaches_spanish_and_greek_readers_translated(
    database_url: str, providers: FakeProviders
) -> None:
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    async with Scenario.open(
        database_url,
        messengers=[FakeMessenger("fake", FULL)],
        translation=settings,
        clock=clock,
    ) as sc:
        madrid = await sc.group("madrid-chat", LAVAPIES)
        olga, nikos, tess = (
            sc.person("olga"),
            sc.person("nikos", language_hint="el"),
            sc.person("tess"),
        )
        await sc.enrol(olga, LAVAPIES, Role.ORGANISER)
        await sc.enrol(nikos, LAVAPIES)
        await make_translator(sc, tess, LAVAPIES, "es")

        await olga.says(ANNOUNCE)
        # No draft yet: the Spanish chat reads the English title, unlabelled.
        first = announcement(sc, madrid)
        assert first.text.startswith("📅 Hello meeting\n")
        assert "tro" not in {a.kind for a in actions(sc, first)}

        await sc.app.run_due()  # machine drafts in Spanish and Greek; the chat's is refreshed
        shown = announcement(sc, madrid)
        assert shown.text.startswith(f"📅 (es) hola reunión\n{label(sc, 'es')}\n")
        assert "tro" in {a.kind for a in actions(sc, shown)}
        [original] = await nikos.presses_data(
            next(
                b.action
                for b in shown.message.all_buttons()
                if sc.app.services.signer.decode(b.action).kind == "tro"
            ),
            madrid,
            shown.message_id,
        )
        assert original.text.endswith("\n\nHello meeting")

        going = next(
            b.action
            for b in shown.message.all_buttons()
            if (a := sc.app.services.signer.decode(b.action)).kind == "gr" and a.args[2] == "g"
        )
        await nikos.presses_data(going, madrid, shown.message_id)

        # The day before (11:00 in Madrid is 10:00 UTC), Nikos is reminded in Greek.
        clock.advance(datetime(2026, 12, 5, 10, 0, tzinfo=UTC) - clock.now())
        await sc.app.run_due()
        [reminder] = [p for p in dms(sc, nikos) if p.text.startswith("⏰")]
        assert "(el) γεια meeting" in reminder.text.splitlines()[0]
        assert reminder.text.splitlines()[1] == label(sc, "el")
        assert "tro" in {a.kind for a in actions(sc, reminder)}
        [in_chat] = [p for p in sc.messenger().in_chat(madrid) if p.text.startswith("⏰")]
        assert "(es) hola reunión" in in_chat.text.splitlines()[0]
        assert in_chat.text.splitlines()[1] == label(sc, "es")

        # The Spanish translator writes her own: the announcement shows it, as a person's.
        [ask] = dms(sc, tess)
        assert "(es) hola reunión" in ask.text
        await tess.presses("Translate")
        [thanks] = await tess.says("Reunión de bienvenida")
        assert thanks.text.startswith("Thank you!")
        await sc.app.run_due()
        shown = announcement(sc, madrid)
        assert shown.text.startswith(f"📅 Reunión de bienvenida\n{label(sc, 'es', False)}\n")
        assert "(es)" not in shown.text
