"""Reading a handwritten number whole: the second digit reader, for digits written joined.

The glyph reader (ocr/digits.py) cuts a slot into digits and reads each; a hand that
joins its digits (`2117` in one stroke) defeats the cut. This reader takes the slot's
ink as one line and reads the digit string without cutting it: a small convolutional
network over the line's columns, trained with CTC (`scripts/train_digit_lines.py`, from
the same offline data as the glyph reader, digits composed into strings that touch,
overlap and are joined by a pen's connecting strokes), stored as ONNX in `ocr/data/`.

Its mistakes are not the glyph reader's (it never cuts, so it never reads half a digit;
it sees each digit among its neighbours): when both read the same digits, each sure,
the station takes them as read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .digits import onnx_session

MODEL = Path(__file__).parent / "data" / "digit_lines.onnx"
HEIGHT = 24
WIDTH = 128
_INK_HEIGHT = 20  # the ink's height in the frame (as MNIST's 20-pixel box): 2 pixels above and below


def frame(ink: np.ndarray) -> np.ndarray | None:
    """A slot's ink (ink > 0) as the reader's input: HEIGHT × WIDTH float32, ink = 1,
    the ink's box scaled to _INK_HEIGHT and placed at the left; a line wider than the
    frame is narrowed to fit (four digits at any width a hand writes them fit). None
    when there is no ink."""
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return None
    cut = (ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] > 0).astype(np.float32)
    h, w = cut.shape
    scale = _INK_HEIGHT / h
    nw = max(1, min(WIDTH - 4, round(w * scale)))
    small = cv2.resize(cut, (nw, _INK_HEIGHT), interpolation=cv2.INTER_AREA)
    out: np.ndarray = np.zeros((HEIGHT, WIDTH), np.float32)
    top = (HEIGHT - _INK_HEIGHT) // 2
    out[top : top + _INK_HEIGHT, 2 : 2 + nw] = small
    return out


def decode(probabilities: np.ndarray) -> tuple[str, float]:
    """Greedy CTC decoding of one line's (T × 11) probabilities, class 0 the blank and
    class d + 1 the digit d: (the digits, the least sure digit's probability). A digit's
    probability is its highest over the columns it was read in."""
    best = probabilities.argmax(axis=1)
    text: list[str] = []
    sure: list[float] = []
    previous = 0
    for t, k in enumerate(best):
        k = int(k)
        if k != 0 and k == previous:
            sure[-1] = max(sure[-1], float(probabilities[t, k]))
        elif k != 0:
            text.append(str(k - 1))
            sure.append(float(probabilities[t, k]))
        previous = k
    return "".join(text), (min(sure) if sure else 0.0)


@dataclass(frozen=True)
class LineReading:
    text: str
    confidence: float  # 0..1: the least sure digit's probability


class DigitLineReader:
    """The whole-number digit engine (a peer of the OCR engine: name, version, read)."""

    name = "station-digit-lines"

    def __init__(self, model: Path = MODEL) -> None:
        self.session, self.input, self._version = onnx_session(model)

    def version(self) -> str:
        return self._version

    def read(self, ink: np.ndarray) -> LineReading | None:
        """The digits written in `ink` (one slot's ink, specks and rules taken out),
        read as one line; None when there is no ink or no digit in it."""
        x = frame(ink)
        if x is None:
            return None
        (probabilities,) = self.session.run(None, {self.input: x[None, None]})
        text, confidence = decode(np.asarray(probabilities, np.float32)[0])
        return LineReading(text, confidence) if text else None


@lru_cache(maxsize=1)
def line_reader() -> DigitLineReader | None:
    """The reader, built once per process; None when the model is missing."""
    return DigitLineReader() if MODEL.exists() else None
