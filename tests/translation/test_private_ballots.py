"""Decisions' private messages in the voter's language: ballot steps, receipts, reminders."""

from __future__ import annotations

from datetime import timedelta

from core.i18n.message import _
from core.members.models import Role
from core.testing import FULL, FakeMessenger, Scenario
from core.translation.content import language_name
from core.translation.providers import ProviderSettings
from tests.translation.fake_providers import FakeProviders
from tests.translation.helpers import actions, dms

SECRET = (
    '/decide plurality "Where do we meet?" "Library" "Chapter hall" --secret --subbranches'
    " --branch international --closes 1d --remind 12"
)


async def test_a_secret_ballot_receipt_and_reminder_read_the_voters_language(
    database_url: str, providers: FakeProviders
) -> None:
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    async with Scenario.open(
        database_url, messengers=[FakeMessenger("fake", FULL)], translation=settings
    ) as sc:
        madrid = await sc.group("madrid-chat", "madrid-lavapies")
        olga = sc.person("olga")
        maria, pablo = (
            sc.person("maria", language_hint="es"),
            sc.person("pablo", language_hint="es"),
        )
        await sc.enrol(olga, "international", Role.ORGANISER)
        await sc.enrol(maria, "madrid-lavapies")
        await sc.enrol(pablo, "madrid-lavapies")
        spanish = sc.app.services.catalogs.get("es")
        machine = spanish.render(
            _("🌐 Machine translation from {language}.", language=language_name("en", "es"))
        )

        await olga.says(SECRET)
        await sc.app.run_due()  # the Spanish machine draft
        [post] = [p for p in sc.messenger().in_chat(madrid) if p.text.startswith("🗳")]
        vote = next(
            b.action
            for b in post.message.all_buttons()
            if sc.app.services.signer.decode(b.action).kind == "dp"
        )
        [step] = await maria.presses_data(vote, madrid, post.message_id)
        assert step.chat_id == maria.dm
        assert step.text.splitlines()[:2] == [
            spanish.render(
                _("🗳 Decision #{id}: {question}", id=1, question="(es) Where do we meet?")
            ),
            machine,
        ]
        assert step.labels == ["1. (es) Library", "2. (es) capítulo hall"]
        [review] = await maria.presses("1. (es) Library")
        assert "(es) Library" in review.text
        assert "Library" not in review.text.replace("(es) Library", "")
        [receipt] = await maria.presses(spanish.render(_("Confirm")))
        assert "(es) Library" in receipt.text

        await sc.advance(timedelta(hours=12, seconds=1))
        [reminder] = [p for p in dms(sc, pablo) if "(es) Where do we meet?" in p.text]
        assert machine in reminder.text.splitlines()
        assert {"dp", "tro"} <= {a.kind for a in actions(sc, reminder)}
