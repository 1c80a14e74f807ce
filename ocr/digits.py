"""Reading handwritten digits: the number and the day a văn thư writes by hand into the
printed `Số: ..../QĐ-UBND` and `ngày .... tháng` slots.

A small convolutional network of the project's own (trained by `scripts/train_digits.py` from data
that installs offline: scikit-learn's handwritten digits and Debian's handwriting
fonts, with pen, slant and stroke augmentation), stored as ONNX in `ocr/data/` and run
with onnxruntime: nothing is downloaded at run time. Digits are normalised as MNIST's
are: the ink's bounding box scaled to fit 20×20, centred by its centre of mass in a
28×28 frame."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

MODEL = Path(__file__).parent / "data" / "digits.onnx"
SIZE = 28
NOT_A_DIGIT = 10  # the reader's eleventh class: two digits joined, half a digit, a stroke
_BOX = 20


def upright(cut: np.ndarray) -> np.ndarray:
    """The glyph with its slant taken out (a shear by its second moments, as is done
    for MNIST): a văn thư's hand leans, the reader should not have to learn each lean."""
    m = cv2.moments(cut)
    if abs(m["mu02"]) < 1e-2:
        return cut
    skew = float(np.clip(m["mu11"] / m["mu02"], -1.0, 1.0))
    h, w = cut.shape
    pad = int(abs(skew) * h / 2) + 2
    wide = cv2.copyMakeBorder(cut, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=0)
    cy = m["m01"] / m["m00"]
    shear = np.array([[1, skew, -skew * cy], [0, 1, 0]], np.float32)
    out = cv2.warpAffine(wide, shear, (w + 2 * pad, h), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR)
    return np.asarray(out, np.float32)


def normalise(ink: np.ndarray) -> np.ndarray:
    """A binary or grey ink image (ink > 0) as a 28×28 float32 frame, ink = 1, upright."""
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return np.zeros((SIZE, SIZE), np.float32)
    cut = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    cut /= max(float(cut.max()), 1e-6)
    cut = upright(cut)
    ys, xs = np.nonzero(cut > 0.05)
    if len(xs) == 0:
        return np.zeros((SIZE, SIZE), np.float32)
    cut = cut[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
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


def onnx_session(model: Path) -> tuple[Any, str, str]:
    """(an onnxruntime session of `model` on one thread, its input's name, the model's
    version from its metadata)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # one page per core already
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    version = session.get_modelmeta().custom_metadata_map.get("version", "1")
    return session, session.get_inputs()[0].name, version


@dataclass(frozen=True)
class DigitReading:
    text: str  # the digits, left to right
    confidence: float  # 0..1: the least sure digit's probability
    box: tuple[int, int, int, int]  # in the slot image's pixels


class DigitReader:
    """The handwritten-digit engine (a peer of the OCR engine: name, version, read)."""

    name = "station-digits"

    def __init__(self, model: Path = MODEL) -> None:
        self.session, self.input, self._version = onnx_session(model)
        names = [o.name for o in self.session.get_outputs()]
        self._output = "probabilities" if "probabilities" in names else names[-1]

    def version(self) -> str:
        return self._version

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Class probabilities (n × 11: the digits, then NOT_A_DIGIT) of n normalised
        28×28 frames."""
        x = frames.reshape(len(frames), SIZE * SIZE).astype(np.float32)
        (probabilities,) = self.session.run([self._output], {self.input: x})
        return np.asarray(probabilities, np.float32)

    def read(self, ink: np.ndarray, line_height: float) -> DigitReading | None:
        """The digits written in `ink` (a binary mask of one slot, ink > 0), or None
        when nothing there looks like digits. `line_height`: the printed line's height
        in pixels, to tell digits from specks and from strokes of the rules.

        The slot is cut into pieces (strokes, and joined digits cut where their ink is
        thinnest), then the pieces are grouped into digits by what reads best: the
        grouping whose digits the reader is surest of, a digit much wider than tall
        costing extra (two joined digits read as one '8' or '0')."""
        pieces = segment(ink, line_height)
        if not pieces:
            return None
        spans = [(i, j) for i in range(len(pieces)) for j in range(i + 1, min(len(pieces), i + _MAX_PIECES) + 1)]
        glyphs = [_union(pieces[i:j]) for i, j in spans]
        frames = np.stack([normalise(g.mask) for g in glyphs])
        probs = self.probabilities(frames)
        digit = probs[:, :NOT_A_DIGIT]
        score = {
            (i, j): float(np.log(max(float(p.max()), 1e-6))) - _wide_cost(g) - _GLYPH_COST - _apart_cost(pieces[i:j])
            for (i, j), g, p in zip(spans, glyphs, digit)
        }
        none: list[tuple[int, int]] = []
        best = [(0.0, none)] + [(-np.inf, none)] * len(pieces)
        for j in range(1, len(pieces) + 1):
            for i in range(max(0, j - _MAX_PIECES), j):
                total = best[i][0] + score[(i, j)]
                if total > best[j][0]:
                    best[j] = (total, best[i][1] + [(i, j)])
        at = {span: k for k, span in enumerate(spans)}
        chosen = [at[span] for span in best[-1][1]]
        digits = "".join(str(int(digit[k].argmax())) for k in chosen)
        conf = float(min(digit[k].max() for k in chosen))
        boxes = [glyphs[k].box for k in chosen]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        return DigitReading(digits, conf, (x0, y0, x1, y1))


# Grouping pieces into digits: at most three pieces make one digit (a 4 in two strokes,
# a 5 whose flag stands apart); each digit costs a little, so that two pieces that read
# as well together as apart are one digit; a digit wider than 0.9 of its height costs
# in proportion (few digits are, two joined digits always are).
_MAX_PIECES = 3
_GLYPH_COST = 0.3
_WIDE = 0.9
_WIDE_COST = 4.0


# Strokes that do not touch are one digit only when that reads far better than apart
# (a 4 written in two strokes); the cost grows with the gap between them (in line heights).
_APART_COST = 1.5
_GAP_COST = 10.0


@dataclass(frozen=True)
class Piece:
    mask: np.ndarray  # the piece's ink, cut to its box
    box: tuple[int, int, int, int]  # in the slot's pixels
    stroke: int  # pieces cut from one stroke share this number


def _apart_cost(pieces: list[Piece]) -> float:
    cost = 0.0
    for a, b in zip(pieces, pieces[1:]):
        if a.stroke != b.stroke:
            h = max(a.box[3], b.box[3]) - min(a.box[1], b.box[1])
            cost += _APART_COST + _GAP_COST * max(0, b.box[0] - a.box[2]) / max(1, h)
    return cost


def _union(pieces: list[Piece]) -> Piece:
    x0, y0 = min(p.box[0] for p in pieces), min(p.box[1] for p in pieces)
    x1, y1 = max(p.box[2] for p in pieces), max(p.box[3] for p in pieces)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for p in pieces:
        bx0, by0, bx1, by1 = p.box
        mask[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] |= p.mask
    return Piece(mask, (x0, y0, x1, y1), pieces[0].stroke)


def _wide_cost(glyph: Piece) -> float:
    x0, y0, x1, y1 = glyph.box
    return _WIDE_COST * max(0.0, (x1 - x0) / max(1, y1 - y0) - _WIDE)


def _flag_of(flat: list[int], bodies: list[list[int]], line_height: float) -> int | None:
    """The index of the stroke a flat short stroke tops, as a 5's flag written apart
    tops its body, or None (a dash of the dotted leader, a bit of a rule). Too flat to
    be a digit on its own, such a stroke was once dropped as a speck, and a 5 without
    its flag reads as a 3 or a 7. A flag is no wider than a digit and lies on the
    body's top, over it, a pen's lift away at most."""
    x0, y0, x1, y1 = flat
    if not 0.25 * line_height <= x1 - x0 <= 1.2 * line_height:
        return None
    best: tuple[float, int] | None = None
    for k, (bx0, by0, bx1, by1) in enumerate(bodies):
        over = min(x1, bx1) - max(x0, bx0)
        gap = by0 - y1  # from the flag's foot down to the body's top; < 0: side by side
        if (
            over < 0.3 * (x1 - x0)
            or not -0.2 * (by1 - by0) <= gap <= 0.25 * line_height
            or y0 > by0 + 0.1 * line_height
        ):
            continue
        if best is None or abs(gap) < best[0]:
            best = (abs(gap), k)
    return None if best is None else best[1]


def _join_broken(
    boxes: list[tuple[list[int], list[int]]],
    loose: list[tuple[list[int], list[int]]],
    labels: np.ndarray,
    line_height: float,
) -> None:
    """Join to a digit's stroke (in `boxes`) each bit too small for a digit (a small
    one of `boxes`, or a flat one of `loose`) that lies a pixel or two from it, within
    its height: a thin stroke broken on a light scan (an italic 8's hairlines apart
    from its spine). Alone, such bits were dropped as too small, and the 8 read as a 9.
    A dash under the digits or a rule over them is not within their height, and a bit
    the slot's side cuts is a neighbour's."""
    reach = max(2, round(0.08 * line_height))
    tall = 0.45 * line_height
    small = [k for k, (b, _) in enumerate(boxes) if b[3] - b[1] < tall]
    for box, ids in sorted([boxes[k] for k in small] + loose, key=lambda c: c[0][1] - c[0][3]):
        x0, y0, x1, y1 = box
        if not ids or max(x1 - x0, y1 - y0) < 0.15 * line_height:
            continue  # a dot (a speck beside a 1's foot) is no piece of a stroke
        if x0 == 0 or x1 == labels.shape[1]:
            continue  # cut by the slot's side: a bit of a neighbour's letter ('ngày''s tail)
        wx0, wy0 = max(0, x0 - reach), max(0, y0 - reach)
        window = labels[wy0 : y1 + reach, wx0 : x1 + reach]
        near = cv2.dilate(np.isin(window, ids).astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
        touched = set(np.unique(window[near > 0]).tolist()) - set(ids) - {0}
        bodies = (
            (b, other)
            for b, other in boxes
            if touched & set(other) and b[3] - b[1] >= tall and b[1] <= (y0 + y1) / 2 <= b[3]
        )
        body = next(bodies, None)
        if body is not None:
            b, other = body
            b[:] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
            other += ids
            ids.clear()
    boxes[:] = [(b, ids) for b, ids in boxes if ids]


def segment(ink: np.ndarray, line_height: float) -> list[Piece]:
    """The pieces of the written digits in a slot, left to right: strokes that overlap
    horizontally (a broken 5, a 4 in two strokes) as one piece, specks and long rules
    dropped, and a piece wider than a digit cut where its ink is thinnest."""
    mask = _without_rules((ink > 0).astype(np.uint8), line_height)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes: list[tuple[list[int], list[int]]] = []  # (x0, y0, x1, y1), component labels
    flat: list[tuple[list[int], list[int]]] = []  # too flat for a digit: a flag, a bit, a dash
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < _speck(line_height):
            continue  # a speck, a dot of the printed colon, a fleck of scanner noise
        if w > 3 * line_height and h < 0.3 * w:
            continue  # a rule or an underline, not a digit
        box = [int(x), int(y), int(x + w), int(y + h)]
        (boxes if h >= 0.3 * line_height else flat).append((box, [i]))
    loose: list[tuple[list[int], list[int]]] = []
    for box, ids in flat:
        body = _flag_of(box, [b for b, _ in boxes], line_height)
        if body is None:
            loose.append((box, ids))
            continue
        boxes[body][1].extend(ids)
        b = boxes[body][0]
        b[:] = [min(b[0], box[0]), min(b[1], box[1]), max(b[2], box[2]), max(b[3], box[3])]
    _join_broken(boxes, loose, labels, line_height)
    boxes.sort()
    merged: list[tuple[list[int], list[int]]] = []
    for b, ids in boxes:
        if merged:
            m, mids = merged[-1]
            overlap = min(m[2], b[2]) - max(m[0], b[0])
            if overlap > 0.5 * min(m[2] - m[0], b[2] - b[0]):
                m[:] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])]
                mids += ids
                continue
        merged.append((b, ids))
    # The foot of something above the slot: cut by its top, in its upper half, and
    # beside no digit standing as high (a hand written raised is cut there too).
    upper = [b for b, _ in merged if b[1] < 0.5 * mask.shape[0] and not (b[1] == 0 and b[3] < 0.5 * mask.shape[0])]
    out: list[Piece] = []
    for stroke, ((x0, y0, x1, y1), ids) in enumerate(merged):
        foot = y0 == 0 and y1 < 0.5 * mask.shape[0]
        if foot and any(min(y1, b[3]) - max(y0, b[1]) >= 0.5 * (y1 - y0) for b in upper):
            foot = False
        if y1 - y0 < 0.45 * line_height or foot:
            continue  # too small for a digit, or the foot of something above the slot
        own = np.isin(labels[y0:y1, x0:x1], ids).astype(np.uint8)
        for left, right in _cuts(own):
            cols = own[:, left:right]
            rows = np.nonzero(cols.any(axis=1))[0]
            if len(rows):
                top, bottom = int(rows[0]), int(rows[-1]) + 1
                out.append(Piece(cols[top:bottom].copy(), (x0 + left, y0 + top, x0 + right, y0 + bottom), stroke))
    return out


def _speck(line_height: float) -> float:
    """The area in pixels below which a piece of ink is a speck, not a stroke."""
    return max(6.0, (line_height * 0.08) ** 2)


def _without_rules(mask: np.ndarray, line_height: float) -> np.ndarray:
    """The mask without its rules. A rule the digits touch (the issuer's underline, a
    dotted leader run together) would make one piece with them: runs of ink longer than
    two digits' width go. No stroke of a digit is that long."""
    rules = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, max(3, round(2 * line_height))), np.uint8))
    return np.asarray(cv2.subtract(mask, rules), np.uint8)


def lost_ink(ink: np.ndarray, kept: np.ndarray, line_height: float) -> float:
    """How much of the slot's ink `segment` dropped (`kept`: digit_ink) though it lay
    among the digits, against what it kept: pieces too small for a digit, not specks,
    not rules, not cut by the slot's sides, within the kept digits' rows. A faint digit
    broken into such pieces is lost to both readers alike, and they read the number a
    digit short, each surely (scripts/calibrate_hand_readings.py)."""
    kept_px = int(np.count_nonzero(kept))
    if kept_px == 0:
        return 1.0
    mask = _without_rules((ink > 0).astype(np.uint8), line_height)
    dropped = (mask > 0) & (kept == 0)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dropped.astype(np.uint8), connectivity=8)
    rows = np.nonzero(kept.any(axis=1))[0]
    top, bottom = int(rows[0]), int(rows[-1])
    height, width = mask.shape
    lost = 0
    for x, y, w, h, area in stats[1:]:
        inside = x > 0 and y > 0 and x + w < width and y + h < height
        if inside and area >= _speck(line_height) and top <= y + h / 2 <= bottom:
            lost += int(area)
    return lost / kept_px


def digit_ink(ink: np.ndarray, line_height: float) -> np.ndarray:
    """The slot's ink with only what `segment` keeps as digits' pieces: specks, rules
    and the feet of the line above taken out (the line reader's input)."""
    out: np.ndarray = np.zeros(ink.shape, np.uint8)
    for p in segment(ink, line_height):
        x0, y0, x1, y1 = p.box
        out[y0:y1, x0:x1] |= p.mask
    return out


def _cuts(own: np.ndarray) -> list[tuple[int, int]]:
    """Column spans of one piece: whole when it is no wider than a digit, else cut at
    every column where the ink is thinnest around it (the grouping puts back together
    what should not have been cut)."""
    h, w = own.shape
    if w <= 0.55 * h:
        return [(0, w)]
    columns = own.sum(axis=0).astype(np.float32)
    reach, margin = max(1, round(h / 8)), max(2, round(h / 4))
    cuts: list[int] = []
    for x in range(margin, w - margin):
        window = columns[max(0, x - reach) : x + reach + 1]
        if columns[x] <= window.min() and (not cuts or x - cuts[-1] >= margin):
            cuts.append(x)
    edges = [0, *cuts, w]
    return list(zip(edges[:-1], edges[1:]))


@lru_cache(maxsize=1)
def reader() -> DigitReader | None:
    """The reader, built once per process; None when the model is missing."""
    return DigitReader() if MODEL.exists() else None
