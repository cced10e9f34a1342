"""A result as a small bar chart (PNG), to post under the explanation.

Rendered headless with matplotlib's object API — a :class:`~matplotlib.figure.Figure` on an
Agg canvas — never through ``pyplot``: pyplot keeps global figures and a global backend,
which a bot rendering charts for many chats at once must not share (and it would leak
figures). The chart has no words of its own: every text on it (the title, option names,
the labels of yes/no/abstain, stances and availabilities) comes from the caller, already
in the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from core.decisions.methods.types import (
    ConsensusOutcome,
    MajorityOutcome,
    Outcome,
    TimeOutcome,
)

#: Pixel size of the chart: readable in a chat, a few tens of kilobytes.
WIDTH, HEIGHT, DPI = 800, 450, 100
#: More bars than this would be unreadable at that size; the best ones are kept.
MAX_BARS = 20

_WINNER = "#2a9d8f"
_OTHER = "#8d99ae"
_COLOURS = {
    "yes": "#2a9d8f",
    "no": "#e76f51",
    "abstain": "#adb5bd",
    "agree": "#2a9d8f",
    "stand_aside": "#adb5bd",
    "disagree": "#f4a261",
    "block": "#d62828",
    "if_need_be": "#a8dadc",
}


@dataclass(frozen=True)
class _Series:
    """One stack of bars: a value per row, a colour per row, a legend key."""

    key: str | None
    values: tuple[float, ...]
    colours: tuple[str, ...]


def _default_number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0")


def _bars(outcome: Outcome) -> tuple[list[str], list[_Series]] | None:
    """What to draw: the row keys (top to bottom) and the series stacked on them."""
    if isinstance(outcome, MajorityOutcome):
        keys = ["yes", "no", "abstain"]
        counts = (outcome.yes, outcome.no, outcome.abstain)
        return keys, [_Series(None, _floats(counts), tuple(_COLOURS[k] for k in keys))]
    if isinstance(outcome, ConsensusOutcome):
        keys = ["agree", "stand_aside", "disagree", "block"]
        block = sum((b.weight for b in outcome.blocks), Fraction(0))
        values = (outcome.agree, outcome.stand_aside, outcome.disagree, block)
        return keys, [_Series(None, _floats(values), tuple(_COLOURS[k] for k in keys))]
    if isinstance(outcome, TimeOutcome):
        keys = list(outcome.slots)[:MAX_BARS]
        yes = _floats(outcome.slots[k].yes for k in keys)
        maybe = _floats(outcome.slots[k].if_need_be for k in keys)
        return keys, [
            _Series("yes", yes, (_COLOURS["yes"],) * len(keys)),
            _Series("if_need_be", maybe, (_COLOURS["if_need_be"],) * len(keys)),
        ]
    # Multi-round counts: where the last round left the candidates; else the final totals.
    tallies = outcome.rounds[-1].tallies if outcome.rounds else outcome.totals
    if not tallies:
        return None
    keys = sorted(tallies, key=lambda k: -tallies[k])[:MAX_BARS]
    colours = tuple(_WINNER if k in outcome.elected else _OTHER for k in keys)
    return keys, [_Series(None, _floats(tallies[k] for k in keys), colours)]


def _floats(values: Iterable[Fraction]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def warm_up() -> None:
    """Loads matplotlib and its font list (about a second, once per process).

    Called when the bot starts, so that the first outcome after start is not the one that
    waits for it.
    """
    import matplotlib.font_manager as font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401

    font_manager.findfont("DejaVu Sans")


def chart_png(
    outcome: Outcome,
    title: str,
    labels: Mapping[str, str] | None = None,
    *,
    rtl: bool = False,
    number_format: Callable[[float], str] | None = None,
) -> bytes | None:
    """Draws the outcome as a horizontal bar chart.

    Bars: yes / no / abstain for a majority vote, the four stances for consensus, the
    slots' yes and if-need-be (stacked) for a time poll, the last round's tallies for IRV
    and STV, the totals for plurality, approval and score. Winners are highlighted.

    Args:
        outcome: The result to draw.
        title: The chart's title, in the reader's language.
        labels: Display text for each bar's key (an option's name, or ``yes``, ``no``,
            ``abstain``, ``agree``, ``stand_aside``, ``disagree``, ``block``,
            ``if_need_be``); a key without a label is shown as is.
        rtl: Lay the chart out for a right-to-left language (bars grow leftwards, labels
            on the right).
        number_format: Formats the figure printed on each bar (e.g. the reader's
            locale's decimal comma); default: plain ``12`` / ``12.5``.

    Returns:
        PNG bytes of an 800×450 image, or None when there is nothing to draw (no
        figures, e.g. a Schulze count, or every figure is zero).
    """
    bars = _bars(outcome)
    if bars is None:
        return None
    keys, series = bars
    totals = [sum(s.values[i] for s in series) for i in range(len(keys))]
    if not keys or max(totals) <= 0:
        return None
    names = labels or {}
    fmt = number_format or _default_number

    # Imported here: matplotlib takes a while to import, and only charts need it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself: the figure renders on Agg, not pyplot's
    axes = figure.add_subplot()
    rows = list(range(len(keys)))
    left = [0.0] * len(keys)
    for part in series:
        container = axes.barh(
            rows,
            part.values,
            left=left,
            color=part.colours,
            label=names.get(part.key, part.key) if part.key else None,
        )
        if len(series) == 1:
            axes.bar_label(container, labels=[fmt(v) for v in part.values], padding=3)
        left = [a + b for a, b in zip(left, part.values, strict=True)]
    if len(series) > 1:
        # Stacked bars: one figure at the end, the sum (e.g. everyone who can attend).
        for row, total in zip(rows, totals, strict=True):
            axes.text(
                total,
                row,
                f" {fmt(total)} " if total else "",
                va="center",
                ha="right" if rtl else "left",
            )
        # Below the bars, outside them: a legend inside would hide the short ones.
        handles, texts = axes.get_legend_handles_labels()
        if rtl:  # read from the right: the first entry goes rightmost
            handles, texts = handles[::-1], texts[::-1]
        figure.legend(handles, texts, loc="outside lower center", ncols=len(series), frameon=False)
    axes.set_yticks(rows, [_shorten(names.get(k, k)) for k in keys])
    axes.invert_yaxis()  # first row on top: the order the reader reads
    axes.set_xlim(0, max(totals) * 1.15)
    # The figures are printed on the bars in the reader's notation; an axis would repeat
    # them in matplotlib's (a decimal point where the reader expects a comma).
    axes.xaxis.set_visible(False)
    axes.spines[["top", "right", "bottom", "left"]].set_visible(False)
    axes.tick_params(axis="y", length=0)
    if rtl:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    axes.set_title(title, loc="right" if rtl else "left", fontsize=13, wrap=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _shorten(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
