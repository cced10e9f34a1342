"""The guided ``/gathering`` conversation as a pure state machine.

The organiser answers one step at a time in a private chat; the answers so far are a plain
dict (stored on the draft row). Every answer is checked when it is given, with the same
:func:`core.gatherings.spec.resolve` the one-line form uses, so the last step cannot fail
for a reason an earlier one could have caught (only the clock can still move on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.errors import InvalidButton, UserError
from core.gatherings import spec
from core.gatherings.spec import Defaults, GatheringRequest
from core.i18n.message import _


class Step(StrEnum):
    """The steps, in order."""

    TITLE = "title"
    DESCRIPTION = "desc"
    START = "start"
    LENGTH = "length"
    PLACE = "place"
    ONLINE = "online"
    CAPACITY = "capacity"
    CHILDCARE = "childcare"
    ACCESSIBILITY = "access"
    LANGUAGE = "lang"
    REPEAT = "repeat"
    CONFIRM = "confirm"


ORDER = list(Step)
# The buttons each step offers besides typing (choice code → what it answers). The
# language step offers the organisation's languages too (see :func:`choices`).
CHOICES: Mapping[Step, tuple[str, ...]] = {
    Step.DESCRIPTION: ("skip",),
    Step.LENGTH: ("1h", "2h", "3h"),
    Step.PLACE: ("skip",),
    Step.ONLINE: ("skip",),
    Step.CAPACITY: ("none",),
    Step.CHILDCARE: ("yes", "no"),
    Step.ACCESSIBILITY: ("skip",),
    Step.LANGUAGE: ("skip",),
    Step.REPEAT: ("once", "weekly", "fortnightly", "monthly"),
    Step.CONFIRM: ("create",),
}
# What "skip" leaves out, per step.
_SKIPS: Mapping[Step, str] = {
    Step.DESCRIPTION: "description",
    Step.PLACE: "place",
    Step.ONLINE: "online",
    Step.ACCESSIBILITY: "accessibility",
    Step.LANGUAGE: "language",
}
# Steps answered by typing (the others only by their buttons).
TEXT_STEPS = frozenset(
    {
        Step.TITLE,
        Step.DESCRIPTION,
        Step.START,
        Step.LENGTH,
        Step.PLACE,
        Step.ONLINE,
        Step.CAPACITY,
        Step.ACCESSIBILITY,
        Step.REPEAT,
    }
)


def choices(step: Step, languages: Sequence[str]) -> tuple[str, ...]:
    """The button choices of ``step``: the language step's are the organisation's languages."""
    if step is Step.LANGUAGE:
        return (*languages, *CHOICES[step])
    return CHOICES.get(step, ())


def next_step(step: Step) -> Step:
    """The step after ``step`` (the confirmation is last)."""
    index = ORDER.index(step)
    return ORDER[min(index + 1, len(ORDER) - 1)]


def request_of(answers: Mapping[str, Any]) -> GatheringRequest:
    """The answers so far as a request (the title, date and time may still be empty)."""
    return GatheringRequest(
        title=str(answers.get("title", "")),
        date=str(answers.get("date", "")),
        time=str(answers.get("time", "")),
        zone=answers.get("zone"),
        place=answers.get("place"),
        online=answers.get("online"),
        end=answers.get("end"),
        duration=answers.get("duration"),
        capacity=answers.get("capacity"),
        repeat=answers.get("repeat"),
        description=answers.get("description"),
        childcare=bool(answers.get("childcare", False)),
        accessibility=answers.get("accessibility"),
        language=answers.get("language"),
    )


def _check(answers: dict[str, Any], now: datetime, defaults: Defaults) -> dict[str, Any]:
    """Checks everything answered so far, from the start time on."""
    if "date" in answers:
        spec.resolve(request_of(answers), now, defaults)
    return answers


def give_text(
    step: Step, text: str, answers: Mapping[str, Any], now: datetime, defaults: Defaults
) -> dict[str, Any]:
    """The answers with a typed answer to ``step`` added.

    Raises:
        UserError: The answer does not fit (said why); the step is asked again.
    """
    if step not in TEXT_STEPS:
        raise UserError(_("Please answer this step with one of the buttons."))
    value = text.strip()
    if not value:
        raise UserError(_("Please send some text."))
    new = dict(answers)
    if step is Step.TITLE:
        if len(value) > spec.MAX_TITLE:
            raise UserError(
                _("The title is too long: at most {count} characters.", count=spec.MAX_TITLE)
            )
        new["title"] = value
    elif step is Step.DESCRIPTION:
        if len(value) > spec.MAX_DESCRIPTION:
            raise UserError(
                _(
                    "The description is too long: at most {count} characters.",
                    count=spec.MAX_DESCRIPTION,
                )
            )
        new["description"] = value
    elif step is Step.START:
        parts = value.split()
        if len(parts) not in (2, 3):
            raise UserError(
                _(
                    "Send the date and the time like 2026-12-06 18:30, and a time zone after "
                    "them if it is not the branch's."
                )
            )
        new["date"], new["time"] = parts[0], parts[1]
        new["zone"] = parts[2] if len(parts) == 3 else None
    elif step is Step.LENGTH:
        new.pop("end", None)
        new.pop("duration", None)
        new["end" if ":" in value or "." in value else "duration"] = value
    elif step is Step.PLACE:
        new["place"] = value
    elif step is Step.ONLINE:
        new["online"] = spec.check_url(value)
    elif step is Step.CAPACITY:
        spec.check_capacity(value)
        new["capacity"] = value
    elif step is Step.ACCESSIBILITY:
        new["accessibility"] = spec.check_note(value)
    elif step is Step.REPEAT:
        new["repeat"] = value
    return _check(new, now, defaults)


def give_choice(
    step: Step, choice: str, answers: Mapping[str, Any], now: datetime, defaults: Defaults
) -> dict[str, Any]:
    """The answers with a button's answer to ``step`` added.

    Raises:
        InvalidButton: Not a choice of that step.
        UserError: The answer does not fit with the others.
    """
    if choice not in choices(step, defaults.languages):
        raise InvalidButton()
    new = dict(answers)
    if choice == "skip":
        new.pop(_SKIPS[step], None)
    elif step is Step.LANGUAGE:
        new["language"] = choice
    elif step is Step.LENGTH:
        new.pop("end", None)
        new["duration"] = choice
    elif step is Step.CAPACITY:
        new.pop("capacity", None)
    elif step is Step.CHILDCARE:
        new["childcare"] = choice == "yes"
    elif step is Step.REPEAT:
        if choice == "once":
            new.pop("repeat", None)
        else:
            new["repeat"] = choice
    return _check(new, now, defaults)
