"""Pixel cleanup for the image given to OCR (never for the archived image)."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# Chroma (max - min channel) above which a pixel is coloured ink rather than black ink
# on paper: red seals, the blue/red "ĐẾN" stamp, red urgency marks. Between the two
# values the pixel is blended so anti-aliased stamp edges leave no grey halo. Yellowed
# paper (chroma ~60) also turns white, which is what we want for it anyway.
_CHROMA_FROM, _CHROMA_TO = 40.0, 80.0


# Chroma -> colour weight in 1/255ths: a table, so the per-pixel work stays in uint8.
_WEIGHT = np.round(
    255 * np.clip((np.arange(256, dtype=np.float32) - _CHROMA_FROM) / (_CHROMA_TO - _CHROMA_FROM), 0.0, 1.0)
).astype(np.uint8)


def chroma(rgb: np.ndarray) -> np.ndarray:
    """Max - min channel. OpenCV's per-channel max and min: NumPy's reductions over the
    colour axis took a second on an A4 page at 300 dpi, this takes some milliseconds."""
    r, g, b = cv2.split(rgb)
    return cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))


def _colour_weight(rgb: np.ndarray) -> np.ndarray:
    """0 for neutral pixels, 255 for clearly coloured ones."""
    return cv2.LUT(chroma(rgb), _WEIGHT)


def colour_ink(image: Image.Image) -> np.ndarray | None:
    """The coloured ink alone, dark on white (what dropout removes), or None for a
    grey or bilevel scan. Red urgency marks are read from this.

    Colour is measured against the paper's own: on yellowed paper the paper itself is
    as coloured as a faint stamp, and the whole page would come out as 'ink' (the black
    text read as white holes in it, at a second of recognition per page)."""
    if image.mode != "RGB":
        return None
    spread = chroma(np.asarray(image))
    paper = int(np.median(spread[::16, ::16]))
    above = cv2.subtract(spread, np.full_like(spread, paper))
    # Ink on coloured paper adds less colour than on white (a red stamp on yellowed
    # paper shares its red): measured against the room the paper leaves, a faded
    # 'KHẨN' is as dark as on white paper, not a faint grey Tesseract cannot read.
    gain = 255.0 / (255 - min(paper, 200))
    # A stamp faded further still (its strokes no more coloured than the paper's own
    # colour again) is brought up to full colour where its ink stands clear of the
    # paper's mottle (a few steps on a scan, a stamp's tens).
    peak = int(cv2.medianBlur(above, 5).max())
    if peak >= _FADED_INK:
        gain = max(gain, min(_MAX_GAIN, _CHROMA_FULL / peak))
    if gain > 1.0:
        above = cv2.convertScaleAbs(above, alpha=gain)
    return cv2.bitwise_not(cv2.LUT(above, _WEIGHT))


# The colour layer's gain: a stamp's strongest strokes (median of 5×5, above the
# paper) are brought to this chroma, by at most _MAX_GAIN, where they reach _FADED_INK
# (yellowed paper's own mottle stays near 10).
_FADED_INK, _CHROMA_FULL, _MAX_GAIN = 25, 100.0, 2.5


def rules(ink: np.ndarray, across: int, down: int, grow: int) -> np.ndarray:
    """Where `ink` (0/1, uint8) holds rules: runs at least `across` pixels long
    sideways or `down` pixels upright (table borders, underlines, a stamp's frame),
    grown by `grow` pixels all round to take their anti-aliased edges too."""
    lying = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (across, 1)))
    standing = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, down)))
    return cv2.dilate(cv2.bitwise_or(lying, standing), np.ones((grow, grow), np.uint8))


def to_grey_dropout(image: Image.Image) -> np.ndarray:
    """Greyscale with coloured ink removed: a strongly coloured pixel becomes paper white.
    Black text under a translucent seal or stamp stays black (ink multiplies, so the
    overlap is dark and colourless) while the seal itself disappears."""
    if image.mode == "1":
        return np.asarray(image.convert("L"))
    if image.mode == "L":
        return np.asarray(image)
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # lum * (1 - w) + 255 * w, as lum + (255 - lum) * w, in saturating uint8
    return cv2.add(lum, cv2.multiply(cv2.bitwise_not(lum), _colour_weight(rgb), scale=1 / 255))


def flatten_background(grey: np.ndarray) -> np.ndarray:
    """Divide by an estimate of the paper (text removed by a morphological closing at low
    resolution): yellowed, stained or unevenly lit paper becomes white and faded ink
    keeps its contrast. Then remove salt-and-pepper specks with a small median."""
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    paper = cv2.GaussianBlur(paper, (0, 0), 3)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(paper, 1), scale=255)
    return cv2.medianBlur(flat, 3)


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Binary ink mask (True = ink) by Otsu on a cleaned page."""
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary > 0


def is_blank(grey_small: np.ndarray) -> bool:
    """No text-sized marks at all (a blank back side, a white sheet). Works on a
    ~75-dpi page: dust and scanner noise make only tiny or no components."""
    _, binary = cv2.threshold(grey_small, 160, 255, cv2.THRESH_BINARY_INV)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n <= 1:
        return True
    areas = stats[1:, cv2.CC_STAT_AREA]
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    # Glyph-sized components: a few pixels tall at 75 dpi, not page-long scanner edges.
    glyphs = np.count_nonzero((areas >= 4) & (heights >= 3) & (heights <= 40))
    return bool(glyphs < 15)
