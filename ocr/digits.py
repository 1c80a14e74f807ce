"""Reading handwritten digits: the number and the day a văn thư writes by hand into the
printed `Số: ..../QĐ-UBND` and `ngày .... tháng` slots.

A small network of the project's own (trained by `scripts/train_digits.py` from data
that installs offline: scikit-learn's handwritten digits and Debian's handwriting
fonts, with pen, slant and stroke augmentation), stored as ONNX in `ocr/data/` and run
with onnxruntime: nothing is downloaded at run time. Digits are normalised as MNIST's
are: the ink's bounding box scaled to fit 20×20, centred by its centre of mass in a
28×28 frame."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

MODEL = Path(__file__).parent / "data" / "digits.onnx"
SIZE = 28
_BOX = 20


def normalise(ink: np.ndarray) -> np.ndarray:
    """A binary or grey ink image (ink > 0) as a 28×28 float32 frame, ink = 1."""
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return np.zeros((SIZE, SIZE), np.float32)
    cut = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    cut /= max(float(cut.max()), 1e-6)
    h, w = cut.shape
    scale = _BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(cut, (nw, nh), interpolation=cv2.INTER_AREA)
    frame: np.ndarray = np.zeros((SIZE, SIZE), np.float32)
    y0, x0 = (SIZE - nh) // 2, (SIZE - nw) // 2
    frame[y0 : y0 + nh, x0 : x0 + nw] = small
    # Centre of mass to the middle, as MNIST does: thin strokes keep their place.
    m = cv2.moments(frame)
    if m["m00"] > 0:
        dx, dy = SIZE / 2 - m["m10"] / m["m00"], SIZE / 2 - m["m01"] / m["m00"]
        shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        frame = np.asarray(cv2.warpAffine(frame, shift, (SIZE, SIZE)), np.float32)
    return np.clip(frame, 0, 1)


@dataclass(frozen=True)
class DigitReading:
    text: str  # the digits, left to right
    confidence: float  # 0..1: the least sure digit's probability
    box: tuple[int, int, int, int]  # in the slot image's pixels


class DigitReader:
    """The handwritten-digit engine (a peer of the OCR engine: name, version, read)."""

    name = "station-digits"

    def __init__(self, model: Path = MODEL) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one page per core already
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        meta = self.session.get_modelmeta().custom_metadata_map
        self._version = meta.get("version", "1")

    def version(self) -> str:
        return self._version

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Class probabilities (n × 10) of n normalised 28×28 frames."""
        x = frames.reshape(len(frames), SIZE * SIZE).astype(np.float32)
        outputs = self.session.run(None, {self.input: x})
        return np.asarray(outputs[1], np.float32)  # (labels, probabilities): converted without zipmap

    def read(self, ink: np.ndarray, line_height: float) -> DigitReading | None:
        """The digits written in `ink` (a binary mask of one slot, ink > 0), or None
        when nothing there looks like digits. `line_height`: the printed line's height
        in pixels, to tell digits from specks and from strokes of the rules."""
        glyphs = segment(ink, line_height)
        if not glyphs:
            return None
        frames = np.stack([normalise(ink[y0:y1, x0:x1]) for x0, y0, x1, y1 in glyphs])
        probs = self.probabilities(frames)
        digits = "".join(str(int(p.argmax())) for p in probs)
        conf = float(min(p.max() for p in probs))
        x0, y0 = min(g[0] for g in glyphs), min(g[1] for g in glyphs)
        x1, y1 = max(g[2] for g in glyphs), max(g[3] for g in glyphs)
        return DigitReading(digits, conf, (x0, y0, x1, y1))


def segment(ink: np.ndarray, line_height: float) -> list[tuple[int, int, int, int]]:
    """Boxes of the written digits in a slot, left to right. Strokes of one digit that
    do not touch (a broken 5, a 4 in two strokes) are joined when they overlap
    horizontally; specks and long rules are dropped."""
    mask = (ink > 0).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < max(6, (line_height * 0.08) ** 2) or h < 0.3 * line_height:
            continue  # a speck, a dot of the printed colon, a fleck of scanner noise
        if w > 3 * line_height and h < 0.3 * w:
            continue  # a rule or an underline, not a digit
        boxes.append([int(x), int(y), int(x + w), int(y + h)])
    boxes.sort()
    merged: list[list[int]] = []
    for b in boxes:
        if merged:
            m = merged[-1]
            overlap = min(m[2], b[2]) - max(m[0], b[0])
            if overlap > 0.5 * min(m[2] - m[0], b[2] - b[0]):
                m[:] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])]
                continue
        merged.append(b)
    out: list[tuple[int, int, int, int]] = []
    for x0, y0, x1, y1 in merged:
        if y1 - y0 < 0.45 * line_height or (y0 == 0 and y1 < 0.5 * mask.shape[0]):
            continue  # too small for a digit, or the foot of something above the slot
        out += _split(mask, (x0, y0, x1, y1))
    return out


def _split(mask: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """Digits written joined come out as one component wider than a digit: cut it at
    the column with the least ink near where a digit's width would end, again and again."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    if x1 - x0 <= 0.85 * h:
        return [box]
    columns = mask[y0:y1, x0:x1].sum(axis=0).astype(np.float32)
    lo, hi = round(0.3 * h), min(len(columns) - round(0.25 * h), round(0.85 * h))
    if hi <= lo:
        return [box]
    cut = x0 + lo + int(np.argmin(columns[lo:hi]))
    return [(x0, y0, cut, y1)] + _split(mask, (cut, y0, x1, y1))


@lru_cache(maxsize=1)
def reader() -> DigitReader | None:
    """The reader, built once per process; None when the model is missing."""
    return DigitReader() if MODEL.exists() else None
