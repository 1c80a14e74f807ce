"""Orientation and skew: finding them, and the affine maps that undo them."""

from __future__ import annotations

import math

import cv2
import numpy as np

MAX_SKEW = 10.0


def estimate_skew(ink_half: np.ndarray, ink_full: np.ndarray | None = None, near: float | None = None) -> float:
    """Skew of text lines in degrees (positive = the content is turned counter-clockwise),
    within ±MAX_SKEW.

    Projection profile: ink pixels are projected on the vertical axis after undoing a
    candidate angle; lines of text give the sharpest profile (largest sum of squared
    bin counts) at the right angle. A coarse search on a ~150-dpi mask finds the angle
    to ~0.05° on a page of text. The fine search projects only the bottom edges of
    strokes at full resolution: glyph baselines are the sharpest horizontal feature of
    text, and that brings pages with a few short lines (a last page holding just the
    signature block) within 0.07° as well (measured on 280 such pages).

    `near`: the angle known to within a degree already (ocr.upright measures it), so
    the coarse search looks only around it."""
    start, span = (0.0, MAX_SKEW) if near is None else (near, 1.5)
    coarse = _search(ink_half, start, [(0.5, span), (0.1, 0.5), (0.02, 0.1)])
    if ink_full is None:
        return coarse
    bottoms = np.zeros_like(ink_full)
    bottoms[:-1] = ink_full[:-1] & ~ink_full[1:]
    return _search(bottoms, coarse, [(0.05, 0.6), (0.01, 0.05)])


def _search(ink: np.ndarray, start: float, stages: list[tuple[float, float]]) -> float:
    ys, xs = np.nonzero(ink)
    if len(xs) < 500:
        return round(start, 2)
    if len(xs) > 1_200_000:  # a uniform sample keeps the profile shape and bounds the work
        pick = np.random.default_rng(0).choice(len(xs), 1_200_000, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs = xs.astype(np.float64) - ink.shape[1] / 2
    ys = ys.astype(np.float64)

    def score(deg: float) -> float:
        # Image y grows downwards: content turned counter-clockwise by t has its lines
        # rising to the right, i.e. y decreasing with x; adding x*tan(t) levels them.
        proj = ys + xs * math.tan(math.radians(deg))
        hist = np.bincount(np.round(proj - proj.min()).astype(np.int64)).astype(np.float64)
        return float(np.dot(hist, hist))

    best = start
    for step, span in stages:
        lo, hi = max(-MAX_SKEW, best - span), min(MAX_SKEW, best + span)
        best = max(np.arange(lo, hi + 1e-9, step), key=score)
    return round(float(best), 2)


def upright_transform(width: int, height: int, rotation: int, skew: float) -> tuple[np.ndarray, tuple[int, int]]:
    """3×3 matrix mapping source pixel coordinates to the upright, deskewed frame, and
    that frame's size. `rotation` is clockwise; the skew turn keeps the frame size (the
    page keeps its physical size; corners that turn out of it are cut)."""
    if rotation in (90, 270):
        out_w, out_h = height, width
    else:
        out_w, out_h = width, height
    t = math.radians(rotation)
    # Rotate clockwise about the source centre, then move the centre to the new centre.
    c, s = math.cos(t), math.sin(t)
    orient = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    to_origin = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1.0]])
    # Undo a counter-clockwise skew by turning clockwise by the same angle.
    k = math.radians(skew)
    ck, sk = math.cos(k), math.sin(k)
    deskew = np.array([[ck, -sk, 0], [sk, ck, 0], [0, 0, 1.0]])
    to_centre = np.array([[1, 0, out_w / 2], [0, 1, out_h / 2], [0, 0, 1.0]])
    m = to_centre @ deskew @ orient @ to_origin
    return np.round(m, 12), (out_w, out_h)


def warp(grey: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Apply the upright transform; exact quarter turns avoid resampling."""
    if np.allclose(matrix[:2, :2], np.round(matrix[:2, :2])):
        k = {(1, 0): 0, (0, 1): 1, (-1, 0): 2, (0, -1): 3}[(round(matrix[0, 0]), round(matrix[1, 0]))]
        # a clockwise quarter turn is np.rot90 with k=-1
        return np.ascontiguousarray(np.rot90(grey, -k))
    return cv2.warpAffine(
        grey, matrix[:2], size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
