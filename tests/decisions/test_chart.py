"""Result charts: real PNGs of the promised size, drawn without pyplot's global state."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import matplotlib.image
import pytest

from core.decisions.chart import HEIGHT, WIDTH, chart_png
from core.decisions.methods import consensus, majority, plurality, timeslots
from core.decisions.methods.consensus import Stance
from core.decisions.methods.majority import Choice
from core.decisions.methods.timeslots import Availability
from core.decisions.methods.types import Outcome, Round, SchulzeOutcome, Threshold

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first chunk, right after the magic)."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def outcomes() -> dict[str, Outcome]:
    y, m, n = Availability.YES, Availability.IF_NEED_BE, Availability.NO
    return {
        "plurality": plurality.count(
            ("Ana", "Ben", "Chloé"), [(0, 12), (1, 7), (2, Fraction(5, 2))]
        ),
        "majority": majority.count([(Choice.YES, 12), (Choice.NO, 5)], Threshold.SIMPLE),
        "consensus": consensus.count(
            [(Stance.AGREE, 4, None), (Stance.BLOCK, 1, "Against our values")]
        ),
        "time": timeslots.count(("Mon", "Tue"), [((y, m), 3), ((n, y), 2)]),
        "irv": Outcome(
            method="irv",
            seats=1,
            elected=("Ana",),
            rounds=(
                Round(
                    1, {"Ana": Fraction(4), "Ben": Fraction(3), "Chloé": Fraction(2)}, Fraction(0)
                ),
                Round(2, {"Ana": Fraction(5), "Ben": Fraction(4)}, Fraction(0), elected=("Ana",)),
            ),
        ),
    }


@pytest.mark.parametrize("kind", ["plurality", "majority", "consensus", "time", "irv"])
def test_every_kind_is_a_png_of_the_promised_size(kind: str) -> None:
    data = chart_png(outcomes()[kind], "Result", {"yes": "Ja", "no": "Nein"})
    assert data is not None
    assert png_size(data) == (WIDTH, HEIGHT) == (800, 450)
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (450, 800)
    assert pixels.std() > 0.05  # something was drawn, not a blank canvas
    assert len(data) < 100_000  # small enough to post in a chat


def test_right_to_left_layout_renders() -> None:
    data = chart_png(outcomes()["time"], "موعد الاجتماع", {"yes": "نعم"}, rtl=True)
    assert data is not None and png_size(data) == (800, 450)


def test_right_to_left_mirrors_the_bars() -> None:
    """Bars start at the right edge in RTL: the right half holds more bar colour."""
    outcome = outcomes()["plurality"]
    ltr = matplotlib.image.imread(io.BytesIO(chart_png(outcome, "") or b""), format="png")
    rtl = matplotlib.image.imread(io.BytesIO(chart_png(outcome, "", rtl=True) or b""), format="png")

    def inked(pixels: object, half: slice) -> float:
        region = pixels[:, half, :3]  # type: ignore[index]
        return float((region.mean(axis=2) < 0.8).mean())

    assert inked(ltr, slice(0, 400)) > inked(ltr, slice(400, 800))
    assert inked(rtl, slice(400, 800)) > inked(rtl, slice(0, 400))


def test_nothing_to_draw() -> None:
    assert chart_png(plurality.count(("Ana", "Ben"), []), "Empty") is None
    assert chart_png(majority.count([], Threshold.SIMPLE), "Nobody voted") is None
    schulze = SchulzeOutcome(method="schulze", seats=1, elected=("Ana",), ranking=("Ana", "Ben"))
    assert chart_png(schulze, "Schulze has no per-option figure") is None


def test_pyplot_is_never_touched() -> None:
    """In a fresh interpreter: drawing must not import pyplot nor register a global figure."""
    # (Reading rcParams["backend"] could itself import pyplot, so that key is left alone.)
    script = (
        "import sys\n"
        "import matplotlib\n"
        "def settings():\n"
        "    keys = [k for k in matplotlib.rcParams if k != 'backend']\n"
        "    return {k: repr(matplotlib.rcParams[k]) for k in keys}\n"
        "before = settings()\n"
        "from core.decisions.chart import chart_png\n"
        "from core.decisions.methods import plurality\n"
        "data = chart_png(plurality.count(('A', 'B'), [(0, 2), (1, 1)]), 'T', rtl=True)\n"
        "assert data[:4] == b'\\x89PNG'\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "assert settings() == before, 'rcParams changed'\n"
        "import matplotlib._pylab_helpers as helpers\n"
        "assert helpers.Gcf.get_num_fig_managers() == 0, 'a global figure was registered'\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
