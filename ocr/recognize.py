"""One page from pixels to words: prepare (orientation, skew, cleanup) and recognise."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .cleanup import flatten_background, ink_mask, is_blank, to_grey_dropout
from .geometry import detect_orientation, estimate_skew, upright_transform, warp
from .load import SourcePage
from .tesseract import DEFAULT_LANG, run_tsv
from .types import RecognisedPage, Word

# OSD below this confidence is a guess; then recognition confidence decides 0° vs 180°.
_OSD_SURE = 2.0
_WEAK_PAGE_CONFIDENCE = 70.0


@dataclass
class PreparedPage:
    grey: np.ndarray  # upright, deskewed, cleaned: what Tesseract sees
    matrix: np.ndarray  # source pixels -> upright frame (3×3)
    size: tuple[int, int]
    dpi: float
    rotation: int
    skew: float
    orientation_confidence: float
    blank: bool


def prepare(page: SourcePage, detect_rotation: bool = True, deskew: bool = True) -> PreparedPage:
    src = page.image
    dpi = page.dpi[0]
    grey = to_grey_dropout(src)
    if abs(page.dpi[0] - page.dpi[1]) > 1:
        # Non-square pixels (fax modes): resample so OCR sees true shapes.
        grey = cv2.resize(grey, (grey.shape[1], round(grey.shape[0] * page.dpi[0] / page.dpi[1])),
                          interpolation=cv2.INTER_LINEAR)
    grey = flatten_background(grey)
    h, w = grey.shape
    quarter = cv2.resize(grey, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    if is_blank(quarter):
        m, size = upright_transform(w, h, 0, 0.0)
        return PreparedPage(grey, _with_pixel_aspect(m, page), size, dpi, 0, 0.0, 0.0, True)
    orient = detect_orientation(grey, dpi) if detect_rotation else None
    rotation = orient.rotation if orient else 0
    skew = 0.0
    if deskew:
        upright = np.rot90(grey, -(rotation // 90))
        half = cv2.resize(np.ascontiguousarray(upright), (upright.shape[1] // 2, upright.shape[0] // 2),
                          interpolation=cv2.INTER_AREA)
        skew = estimate_skew(ink_mask(half), ink_mask(upright))
    m, size = upright_transform(w, h, rotation, skew)
    return PreparedPage(warp(grey, m, size), _with_pixel_aspect(m, page), size, dpi, rotation, skew,
                        orient.confidence if orient else 0.0, False)


def _with_pixel_aspect(m: np.ndarray, page: SourcePage) -> np.ndarray:
    """Fold the non-square-pixel resampling into the map from *source* pixels."""
    sy = page.dpi[0] / page.dpi[1]
    if abs(sy - 1) < 1e-3:
        return m
    return m @ np.diag([1.0, sy, 1.0])


def recognise(page: SourcePage, lang: str = DEFAULT_LANG, detect_rotation: bool = True,
              deskew: bool = True) -> tuple[RecognisedPage, np.ndarray]:
    """Words of one page and the matrix from source pixels to the page frame."""
    prep = prepare(page, detect_rotation, deskew)
    result = RecognisedPage(
        index=page.index, width_px=prep.size[0], height_px=prep.size[1], dpi=prep.dpi,
        rotation=prep.rotation, skew_degrees=prep.skew, blank=prep.blank,
    )
    if page.dpi_assumed:
        result.notes.append(f"resolution not stated in the file; assumed {prep.dpi:.0f} dpi (A4)")
    if prep.blank:
        result.notes.append("blank page")
        return result, prep.matrix
    words = run_tsv(prep.grey, prep.dpi, lang)
    matrix = prep.matrix
    if detect_rotation and prep.orientation_confidence < _OSD_SURE and _mean(words) < _WEAK_PAGE_CONFIDENCE:
        # OSD was unsure and the text reads badly: try the page the other way up.
        flipped = np.ascontiguousarray(prep.grey[::-1, ::-1])
        alt = run_tsv(flipped, prep.dpi, lang)
        if _mean(alt) > _mean(words) + 10:
            words = alt
            w, h = prep.size
            turn = np.array([[-1, 0, w], [0, -1, h], [0, 0, 1.0]])
            matrix = turn @ matrix
            result.rotation = (result.rotation + 180) % 360
            result.notes.append("orientation decided by recognition confidence")
    result.words = words
    result.mean_confidence = _mean(words)
    return result, matrix


def _mean(words: list[Word]) -> float:
    """Mean word confidence weighted by word length (a long word misread matters more
    than a stray one-letter fragment)."""
    total = sum(len(w.text) for w in words)
    if not total:
        return 0.0
    return sum(w.confidence * len(w.text) for w in words) / total
