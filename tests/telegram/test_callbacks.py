"""A press is answered once: with the core's note in time, else empty and the note privately."""

import asyncio

from bots.telegram.callbacks import CallbackAnswers


async def test_note_in_time_is_the_toast() -> None:
    answered: list[tuple[str, str | None]] = []

    async def answer(query: str, text: str | None) -> None:
        answered.append((query, text))

    answers = CallbackAnswers(answer, deadline=0.5)
    answers.expect("q")
    assert await answers.acknowledge("q", "Your vote is recorded: Yes")
    await answers.finish("q")
    assert answered == [("q", "Your vote is recorded: Yes")]


async def test_late_or_long_notes_go_elsewhere_and_the_spinner_still_stops() -> None:
    answered: list[tuple[str, str | None]] = []

    async def answer(query: str, text: str | None) -> None:
        answered.append((query, text))

    answers = CallbackAnswers(answer, deadline=0.05)
    answers.expect("late")
    await asyncio.sleep(0.1)
    assert answered == [("late", None)]  # the deadline answered it, empty
    assert not await answers.acknowledge("late", "Recorded")  # the caller sends it privately
    answers.expect("long")
    assert not await answers.acknowledge("long", "x" * 201)
    answers.expect("silent")
    await answers.finish("silent")  # the core never acknowledged (a skipped copy)
    await answers.close()
    assert answered == [("late", None), ("long", None), ("silent", None)]
