"""Which way up a page is, guessed from its ink alone, before it is read.

A page fed upside down or sideways used to be read once the wrong way (garbage at low
confidence), then asked of Tesseract's orientation detection, then read again: about
two and a half recognitions for one page. The shape of text says which way it runs
at the cost of a few projections of a low-resolution mask:

- lines of text run along the axis whose projection profile is sharpest (at the best
  small angle, since pages come skewed);
- in a line of Vietnamese (and any Latin script), more ink stands above the x-height
  band than hangs below it: ascenders and capitals outnumber descenders, and the
  tone and vowel marks (ắ ề ộ ữ) sit above, where only the dot of ạ/ặ/ộ sits below.

The guess only decides which way the page is read *first*. Recognition confidence
still judges the result, and a page that then reads badly goes through orientation
detection as before: a wrong guess costs time, never the text."""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np

from .geometry import MAX_SKEW

# Page masks are looked at near this resolution: x-height about 10 px, marks 2-3 px.
_DPI = 150.0
# Line profiles sharper along one axis than the other by this factor decide the axis.
_AXIS_MARGIN = 1.3
# Share of the ink outside the x-height band that must stand on one side to decide.
_SIDE_MARGIN = 0.62
_STRIPS = 6
# Ink pixels sampled for the profiles: plenty for the shape, and it bounds the work.
_SAMPLE = 80_000
_MIN_LINES = 6


class Lie(NamedTuple):
    """How the text lies on the page, as far as its ink says."""

    rotation: int | None  # clockwise degrees (0, 90, 180, 270) to turn it upright; None: unclear
    quarter: int | None  # 0: lines run across the page as it is; 90: down it; None: unclear
    skew: float = 0.0  # tilt of the lines in degrees (to ±0.5°) once turned by `quarter`

    def skew_near(self, rotation: int) -> float | None:
        """The tilt of the lines once the page is turned by `rotation`: half a turn
        keeps a line's slope, so it is known for `quarter` and `quarter` + 180."""
        if self.quarter is None or (rotation - self.quarter) % 180:
            return None
        return self.skew


def guess_rotation(grey: np.ndarray, dpi: float) -> Lie:
    """Which way up the page is, from its ink."""
    mask = _mask(grey, dpi)
    if np.count_nonzero(mask) < 2000:
        return Lie(None, None)
    along_rows, angle = _sharpest(mask)
    along_cols, _ = _sharpest(mask.T)
    if along_rows >= _AXIS_MARGIN * along_cols:
        quarter = 0
    elif along_cols >= _AXIS_MARGIN * along_rows:
        # Lines run down the page: turned a quarter. Turn the mask clockwise and ask
        # which way up that is; 90 or 270 follows.
        mask = np.ascontiguousarray(np.rot90(mask, -1))
        quarter, angle = 90, _sharpest(mask)[1]
    else:
        return Lie(None, None)
    above = _share_above(_level(mask, angle))
    rotation = None
    if above is not None and above >= _SIDE_MARGIN:
        rotation = quarter
    elif above is not None and above <= 1 - _SIDE_MARGIN:
        rotation = quarter + 180
    return Lie(rotation, quarter, angle)


def _mask(grey: np.ndarray, dpi: float) -> np.ndarray:
    scale = min(1.0, _DPI / max(dpi, 1.0))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    _, binary = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # Drop what is not text-sized: rules, frames, seals, photos, the black border of
    # a scan. They would make one axis look sharp or weigh on one side of a line.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    h = stats[:, cv2.CC_STAT_HEIGHT]
    w = stats[:, cv2.CC_STAT_WIDTH]
    big = (h > 0.4 * _DPI) | (w > 0.6 * _DPI)
    big[0] = True
    return ~big[labels] & (binary > 0)


def _sharpest(mask: np.ndarray) -> tuple[float, float]:
    """How sharply the rows' ink profile peaks at its best small angle (relative to an
    even spread), and that angle in degrees."""
    ys, xs = np.nonzero(mask)
    if len(xs) > _SAMPLE:
        pick = np.random.default_rng(0).choice(len(xs), _SAMPLE, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs = xs.astype(np.float64) - mask.shape[1] / 2
    ys = ys.astype(np.float64)
    best, best_angle = 0.0, 0.0
    for deg in np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 1.0):
        proj = np.round(ys + xs * math.tan(math.radians(deg))).astype(np.int64)
        hist = np.bincount(proj - proj.min()).astype(np.float64)
        score = float(np.dot(hist, hist)) * len(hist) / (float(hist.sum()) ** 2)
        if score > best:
            best, best_angle = score, float(deg)
    return best, best_angle


def _level(mask: np.ndarray, angle: float) -> np.ndarray:
    """The mask turned so that its lines (at `angle`, as `_sharpest` measures) lie level."""
    if abs(angle) < 0.25:
        return mask
    h, w = mask.shape
    # _sharpest levels a line by adding x*tan(angle) to y: a turn by -angle about the
    # centre in image coordinates (y down).
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    return cv2.warpAffine(mask.astype(np.uint8), m, (w, h), flags=cv2.INTER_NEAREST) > 0


def _share_above(mask: np.ndarray) -> float | None:
    """Of the ink of text lines outside their x-height band, the share above it."""
    h, w = mask.shape
    above = below = 0.0
    lines = 0
    for i in range(_STRIPS):
        strip = mask[:, i * w // _STRIPS : (i + 1) * w // _STRIPS]
        profile = strip.sum(axis=1).astype(np.float64)
        rows = np.flatnonzero(profile > 0)
        if len(rows) == 0:
            continue
        # Bands: runs of rows with ink, split where a row is empty.
        breaks = np.flatnonzero(np.diff(rows) > 1)
        starts = np.concatenate(([rows[0]], rows[breaks + 1]))
        ends = np.concatenate((rows[breaks], [rows[-1]]))
        for s, e in zip(starts, ends, strict=True):
            band = profile[s : e + 1]
            if not 0.05 * _DPI <= len(band) <= 0.35 * _DPI or band.max() < 8:
                continue
            core = np.flatnonzero(band >= 0.45 * band.max())
            top, bottom = core[0], core[-1]
            above += band[:top].sum()
            below += band[bottom + 1 :].sum()
            lines += 1
    if lines < _MIN_LINES or above + below == 0:
        return None
    return above / (above + below)
