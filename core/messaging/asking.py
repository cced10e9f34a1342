"""Replies that ask the reader for a free-text answer (``OutgoingMessage.asks_for_text``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.i18n.message import Msg
from core.messaging.context import ButtonSpec, Context


def reply_asking(
    ctx: Context,
    text: Msg | str,
    label: Msg,
    buttons: Sequence[Sequence[ButtonSpec]] = (),
) -> None:
    """Answers in the chat the event came from, asking for a typed answer.

    Platforms with forms may offer one labelled ``label``; everywhere the answer arrives
    as the person's next message.
    """
    message = replace(ctx.message(text, buttons), asks_for_text=ctx.render(label))
    ctx.outbox.post(
        ctx.inbound.platform, ctx.chat.external_id, message, instruction=ctx.instruction()
    )
