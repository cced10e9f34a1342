"""Matrix polls (MSC3381): building ``poll.start`` and ``poll.end``, reading responses.

Clients today (Element) send and understand the unstable event types
``org.matrix.msc3381.poll.*`` with their ``org.matrix.msc1767.text`` fields; the stable
form of MSC3381 (``m.poll`` with ``m.text`` / ``m.id``, ``m.selections``) is added alongside
so clients that read the stable fields show the same poll. Responses are read in both forms.

An answer's id is the signed action its button would carry: a response names the chosen
actions themselves, so the adapter keeps no table of polls and a forged id is rejected by
the core like a forged button.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.messaging.outbound import Poll

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"
POLL_RESPONSE_TYPES = ("org.matrix.msc3381.poll.response", "m.poll.response")
TEXT = "org.matrix.msc1767.text"
DISCLOSED = "org.matrix.msc3381.poll.disclosed"
UNDISCLOSED = "org.matrix.msc3381.poll.undisclosed"
MAX_ANSWERS = 20  # the most answers MSC3381 lets a poll have
MAX_ANSWER_ID = 64  # an action's length (see core.messaging.actions)


def fallback_text(poll: Poll) -> str:
    """The poll as text, for clients that do not show polls."""
    lines = [poll.question, *(f"• {answer.label}" for answer in poll.answers)]
    return "\n".join(lines)


def start_content(poll: Poll) -> dict[str, Any]:
    """The content of the ``poll.start`` event for ``poll``."""
    answers = poll.answers[:MAX_ANSWERS]
    fallback = fallback_text(poll)
    most = max(1, min(poll.max_selections, len(answers)))
    return {
        POLL_START: {
            "question": {TEXT: poll.question, "body": poll.question, "msgtype": "m.text"},
            "kind": DISCLOSED if poll.disclosed else UNDISCLOSED,
            "max_selections": most,
            "answers": [{"id": a.action, TEXT: a.label} for a in answers],
        },
        TEXT: fallback,
        "body": fallback,
        "m.poll": {
            "question": {"m.text": [{"body": poll.question}]},
            "kind": "m.disclosed" if poll.disclosed else "m.undisclosed",
            "max_selections": most,
            "answers": [{"m.id": a.action, "m.text": [{"body": a.label}]} for a in answers],
        },
        "m.text": [{"body": fallback}],
        "m.mentions": {},
    }


def end_content(poll_event_id: str, text: str) -> dict[str, Any]:
    """The content of the ``poll.end`` event closing the poll ``poll_event_id``."""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event_id},
        POLL_END: {},
        "m.poll.end": {},
        TEXT: text,
        "body": text,
        "m.text": [{"body": text}],
        "m.mentions": {},
    }


def response_answers(content: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """The poll a response answers and the chosen answer ids; None when malformed.

    Accepts the unstable ``{"org.matrix.msc3381.poll.response": {"answers": […]}}``, the
    stable ``{"m.selections": […]}`` and ``{"m.poll.response": {"answers": […]}}``.
    """
    relation = content.get("m.relates_to")
    if not isinstance(relation, Mapping) or relation.get("rel_type") != "m.reference":
        return None
    poll_id = relation.get("event_id")
    if not isinstance(poll_id, str) or not poll_id:
        return None
    answers: object = content.get("m.selections")
    for key in ("org.matrix.msc3381.poll.response", "m.poll.response"):
        inner = content.get(key)
        if answers is None and isinstance(inner, Mapping):
            answers = inner.get("answers")
    if not isinstance(answers, list) or len(answers) > MAX_ANSWERS:
        return None
    if not all(isinstance(a, str) and 0 < len(a) <= MAX_ANSWER_ID for a in answers):
        return None
    return poll_id, tuple(dict.fromkeys(answers))
