"""Persistent components: buttons and menus that keep working after a restart.

Every component the bot sends is a :class:`discord.ui.DynamicItem` whose ``custom_id``
holds the core's signed action (see :mod:`.layout`). The client registers these item
classes once; discord.py then routes a click on any message the bot ever sent, old or new,
by matching the ``custom_id`` against their templates. Nothing is kept in memory per
message, so a restarted bot answers buttons of messages sent before it started.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bots.discord.layout import (
    ACTION_PREFIX,
    CHOICE_PREFIX,
    FORM_ID,
    ButtonRow,
    FormRow,
    Row,
    SelectRow,
    clip,
)

FORM_MARK = "✏️ "
MAX_FORM_TITLE = 45
MAX_ANSWER = 4000
ANSWER_ID = "answer"


class InteractionSink(Protocol):
    """What the components hand their interactions to (the client)."""

    async def on_press(self, interaction: discord.Interaction[Any], data: str) -> None:
        """A button or a menu choice carrying the signed action ``data``."""

    async def on_form(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A submitted form with its text."""


def _sink(interaction: discord.Interaction[Any]) -> InteractionSink:
    return cast(InteractionSink, interaction.client)


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(ACTION_PREFIX) + r"(?P<data>[^|]+)(?:\|\d+)?",
):
    """A button carrying a signed action."""

    def __init__(self, data: str, label: str, custom_id: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary
            ),
            row=row,
        )
        self.data = data

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        """Rebuilds the button from a click (on a message of any age)."""
        label = getattr(item, "label", None) or "…"
        return cls(match["data"], label, match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hands the press to the client."""
        await _sink(interaction).on_press(interaction, self.data)


class ChoiceSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=re.escape(CHOICE_PREFIX) + r"\d+",
):
    """A select menu whose options' values are signed actions."""

    def __init__(
        self,
        custom_id: str,
        options: tuple[tuple[str, str], ...] = (),
        row: int | None = None,
    ) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=custom_id,
            options=[discord.SelectOption(label=label, value=value) for label, value in options],
        )
        super().__init__(select, row=row)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceSelect:
        """Rebuilds the menu from a choice (the chosen value is all that matters)."""
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hands the chosen option's action to the client, as a button press."""
        # The payload is whatever the platform sent: checked, not trusted.
        data: Any = interaction.data or {}
        values = data.get("values") if isinstance(data, dict) else None
        if isinstance(values, list) and values and isinstance(values[0], str):
            await _sink(interaction).on_press(interaction, values[0])


class FormButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(FORM_ID),
):
    """A button that opens a form for the free-text answer a message asks for."""

    def __init__(self, label: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(FORM_MARK + label, 80),
                custom_id=FORM_ID,
                style=discord.ButtonStyle.primary,
            ),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FormButton:
        """Rebuilds the button (its label, the field's name, comes from the message)."""
        label = (getattr(item, "label", None) or "").removeprefix(FORM_MARK) or "…"
        return cls(label)

    @property
    def field_label(self) -> str:
        """The name of the field the form asks for."""
        return (self.item.label or "…").removeprefix(FORM_MARK)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Opens the form (a modal must be the interaction's first response)."""
        await interaction.response.send_modal(AnswerForm(self.field_label, interaction.id))


class AnswerForm(discord.ui.Modal):
    """One long text field; its submission reaches the core as typed text."""

    def __init__(self, label: str, interaction_id: int) -> None:
        super().__init__(
            title=clip(label, MAX_FORM_TITLE),
            custom_id=f"f|{interaction_id}",  # modals are stored by id: one per opening
            timeout=15 * 60,
        )
        self.answer: discord.ui.TextInput[AnswerForm] = discord.ui.TextInput(
            label=clip(label, MAX_FORM_TITLE),
            style=discord.TextStyle.paragraph,
            max_length=MAX_ANSWER,
            custom_id=ANSWER_ID,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Hands the text to the client."""
        await _sink(interaction).on_form(interaction, self.answer.value)


DYNAMIC_ITEMS = (ActionButton, ChoiceSelect, FormButton)
"""Register these with ``Client.add_dynamic_items`` once, before connecting."""


def build_view(rows: tuple[Row, ...]) -> discord.ui.View | None:
    """The discord.py view for fitted rows; None when there is nothing to show."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        if isinstance(row, ButtonRow):
            for label, custom_id in row.buttons:
                data = custom_id[len(ACTION_PREFIX) :].split("|", 1)[0]
                view.add_item(ActionButton(data, label, custom_id, row=index))
        elif isinstance(row, SelectRow):
            view.add_item(ChoiceSelect(row.custom_id, row.options, row=index))
        elif isinstance(row, FormRow):
            view.add_item(FormButton(row.label, row=index))
    return view
