"""One page from pixels to words: prepare (orientation, skew, cleanup) and recognise."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import cv2
import numpy as np

from .cleanup import colour_ink, flatten_background, ink_mask, is_blank, rules, to_grey_dropout
from .engine import OcrEngine, engine, read_cut_out
from .geometry import estimate_skew, upright_transform, warp
from .glued import split_glued_numbers
from .handwriting import find_slots, read_slots, readers
from .load import SourcePage
from .printed_digits import read_again
from .tesseract import DEFAULT_LANG
from .timing import stage
from .types import RecognisedPage, Word, centre_in, lines_of, mean_confidence
from .upright import Lie, guess_rotation


@dataclass
class PreparedPage:
    grey: np.ndarray  # upright, deskewed, cleaned: what Tesseract sees
    matrix: np.ndarray  # source pixels -> upright frame (3×3)
    size: tuple[int, int]
    dpi: float
    rotation: int
    skew: float
    blank: bool


def clean(page: SourcePage) -> tuple[np.ndarray, bool]:
    """The page as OCR should see it, still as scanned (colour dropped out, square
    pixels, paper flattened), and whether it is blank."""
    with stage("cleanup"):
        grey = to_grey_dropout(page.image)
        if abs(page.dpi[0] - page.dpi[1]) > 1:
            # Non-square pixels (fax modes): resample so OCR sees true shapes.
            grey = cv2.resize(
                grey, (grey.shape[1], round(grey.shape[0] * page.dpi[0] / page.dpi[1])), interpolation=cv2.INTER_LINEAR
            )
        grey = flatten_background(grey)
        h, w = grey.shape
        quarter = cv2.resize(grey, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        return grey, is_blank(quarter)


def straighten(
    page: SourcePage, grey: np.ndarray, rotation: int, deskew: bool = True, lie: Lie | None = None
) -> PreparedPage:
    """The cleaned page turned by `rotation` (clockwise degrees) and, if asked,
    deskewed. `lie`: what the ink already said of the page (its skew, to a degree)."""
    h, w = grey.shape
    skew = 0.0
    with stage("deskew"):
        if deskew:
            upright = np.rot90(grey, -(rotation // 90))
            half = cv2.resize(
                np.ascontiguousarray(upright),
                (upright.shape[1] // 2, upright.shape[0] // 2),
                interpolation=cv2.INTER_AREA,
            )
            near = lie.skew_near(rotation) if lie else None
            skew = estimate_skew(ink_mask(half), ink_mask(upright), near)
        m, size = upright_transform(w, h, rotation, skew)
        straight = warp(grey, m, size)
    return PreparedPage(straight, _with_pixel_aspect(m, page), size, page.dpi[0], rotation, skew, False)


def _blank(page: SourcePage, grey: np.ndarray, rotation: int) -> PreparedPage:
    h, w = grey.shape
    m, size = upright_transform(w, h, rotation % 360, 0.0)
    return PreparedPage(grey, _with_pixel_aspect(m, page), size, page.dpi[0], rotation % 360, 0.0, True)


# A page that reads at least this well, in lines that run across it, is upright: a
# page upside down reads at 40-45 (Tesseract's LSTM reads no text upside down), and
# real office scans read upright at 75-96.
_UPRIGHT_CONFIDENCE = 70.0
# OSD below this confidence is a guess: then recognition decides 0° against 180°.
_OSD_SURE = 2.0


def _reads_across(words: list[Word]) -> bool:
    """Most words are wider than tall. Tesseract reads a page turned a quarter by
    itself (its layout analysis finds the vertical lines and turns them), confidently,
    but with every word box standing upright: a page that still needs turning."""
    long = [w for w in words if len(w.text) >= 3]
    if not long:
        return True
    across = sum(1 for w in long if w.box[2] - w.box[0] > w.box[3] - w.box[1])
    return across >= 0.6 * len(long)


def _read_upright(
    page: SourcePage, grey: np.ndarray, deskew: bool, lang: str, eng: OcrEngine
) -> tuple[PreparedPage, list[Word], list[str]]:
    """Read the page the way up it reads, and say how that was decided.

    The page is read first the way its ink says it stands (ocr.upright), or as it
    comes when the ink does not say: scanners feed almost every sheet upright. A page
    that reads well then needs no orientation detection (OSD costs half a
    recognition). Only a page that reads badly or sideways asks OSD which way is up,
    and is read again that way; the better reading is kept."""
    with stage("orientation from ink"):
        lie = guess_rotation(grey, page.dpi[0])
    guess = lie.rotation or 0
    first = _read_turned(page, grey, guess, deskew, lang, eng, lie, "recognition")
    if first.confidence >= _UPRIGHT_CONFIDENCE and _reads_across(first.words):
        return first.prep, first.words, []
    with stage("orientation"):
        orient = eng.orientation(grey, page.dpi[0])
    tried = {guess: first}
    best = first

    def consider(rotation: int, margin: float) -> None:
        nonlocal best
        if rotation not in tried:
            tried[rotation] = _read_turned(page, grey, rotation, deskew, lang, eng, lie)
            best = _better(best, tried[rotation], margin)

    # OSD's way first; then, if the page still reads badly, the opposite of what OSD
    # said when it was unsure or its way was taken (OSD mistakes a page for one upside
    # down at low confidence: real 200-dpi office scans, at 3 to 6), and the way the
    # scanner fed it when the ink's guess led elsewhere.
    consider(orient.rotation, 0.0)
    if best.confidence < _UPRIGHT_CONFIDENCE and best.prep.rotation == orient.rotation:
        if orient.rotation or orient.confidence < _OSD_SURE:
            consider((orient.rotation + 180) % 360, 10.0)
    if best.confidence < _UPRIGHT_CONFIDENCE:
        consider(0, 10.0)
    notes = []
    if best is not first and orient.confidence < _OSD_SURE and best.prep.rotation != orient.rotation:
        notes.append("orientation decided by recognition confidence")
    return best.prep, best.words, notes


class _Reading(NamedTuple):
    prep: PreparedPage
    words: list[Word]
    confidence: float


def _read_turned(
    page: SourcePage,
    grey: np.ndarray,
    rotation: int,
    deskew: bool,
    lang: str,
    eng: OcrEngine,
    lie: Lie,
    what: str = "recognition: page turned",
) -> _Reading:
    turned = straighten(page, grey, rotation, deskew, lie)
    with stage(what):
        words = eng.words(turned.grey, turned.dpi, lang)
    return _Reading(turned, words, mean_confidence(words))


def _better(held: _Reading, other: _Reading, margin: float) -> _Reading:
    """The reading to keep: one in lines across the page beats one sideways; between
    two across, `other` must read better by `margin`."""
    if not _reads_across(other.words):
        return held
    if not _reads_across(held.words) or other.confidence >= held.confidence + margin:
        return other
    return held


def _with_pixel_aspect(m: np.ndarray, page: SourcePage) -> np.ndarray:
    """Fold the non-square-pixel resampling into the map from *source* pixels."""
    sy = page.dpi[0] / page.dpi[1]
    if abs(sy - 1) < 1e-3:
        return m
    return m @ np.diag([1.0, sy, 1.0])


def recognise(
    page: SourcePage,
    lang: str = DEFAULT_LANG,
    detect_rotation: bool = True,
    deskew: bool = True,
    rotation: int | None = None,
    eng: OcrEngine | None = None,
) -> tuple[RecognisedPage, np.ndarray]:
    """Words of one page and the matrix from source pixels to the page frame.
    `rotation` (clockwise degrees), when given, is taken as the page's orientation
    instead of finding it: a clerk has said which way up the page is. `eng`: the OCR
    engine (default Tesseract)."""
    eng = eng or engine()
    grey, blank = clean(page)
    notes: list[str] = []
    words: list[Word] = []
    if blank:
        prep = _blank(page, grey, rotation or 0)
    elif detect_rotation and rotation is None:
        prep, words, notes = _read_upright(page, grey, deskew, lang, eng)
    else:
        prep = straighten(page, grey, (rotation or 0) % 360, deskew)
        with stage("recognition"):
            words = eng.words(prep.grey, prep.dpi, lang)
    result = RecognisedPage(
        index=page.index,
        width_px=prep.size[0],
        height_px=prep.size[1],
        dpi=prep.dpi,
        rotation=prep.rotation,
        skew_degrees=prep.skew,
        blank=prep.blank,
        engine=f"{eng.name} {eng.version()}",
    )
    if page.dpi_assumed:
        result.notes.append(f"resolution not stated in the file; assumed {prep.dpi:.0f} dpi (A4)")
    if prep.blank:
        result.notes.append("blank page")
        return result, prep.matrix
    result.notes += notes
    if words:
        with stage("recognition: weak lines again"):
            words = reread_weak_lines(prep.grey, words, prep.dpi, lang, eng)
    header = 0.4 * prep.size[1]  # the number and date stand in the top of the page
    words = split_glued_numbers(prep.grey, words, header, prep.dpi)
    slots = find_slots(words, header)
    if slots:
        with stage("handwritten digits"):
            # The slots' ink, coloured pen included (dropout took it from prep.grey), in
            # colour where the scan has it: a pen's blue tells the hand from the print.
            # Only the header's part of the page frame is made.
            source = page.image if page.image.mode in ("RGB", "L") else page.image.convert("L")
            top = (prep.size[0], min(prep.size[1], round(1.25 * header)))
            white = (255, 255, 255) if source.mode == "RGB" else 255
            ink = cv2.warpAffine(np.asarray(source), prep.matrix[:2], top, flags=cv2.INTER_LINEAR, borderValue=white)
            words, result.handwritten, unsure = read_slots(ink, words, slots)
        result.notes += unsure
        if result.handwritten:
            result.engine += f" + {readers()}"
    if words:
        with stage("printed digits read again"):
            words, reread, result.other_readings, result.confirmed_digits = read_again(
                prep.grey, words, header, result.handwritten
            )
        result.notes += reread
    result.words = words
    result.mean_confidence = mean_confidence(words)
    with stage("colour marks"):
        result.marks = read_colour_marks(page, prep.matrix, prep.size, prep.dpi, lang, eng)
    return result, prep.matrix


# Marks (urgency, secrecy stamps, the ĐẾN stamp) sit in the upper part of page 1.
_MARK_ZONE = 0.45
_MIN_COLOUR_PIXELS = 1500


def read_colour_marks(
    page: SourcePage,
    matrix: np.ndarray,
    size: tuple[int, int],
    dpi: float,
    lang: str = DEFAULT_LANG,
    eng: OcrEngine | None = None,
) -> list[Word]:
    """Words printed or stamped in coloured ink in the header zone. Colour dropout hides
    them from the main reading, but a red 'HỎA TỐC' is a field the clerk needs."""
    ink = colour_ink(page.image)
    if ink is None:
        return []
    zone_h = int(size[1] * _MARK_ZONE)
    upright = cv2.warpAffine(ink, matrix[:2], (size[0], zone_h), flags=cv2.INTER_LINEAR, borderValue=255)
    if np.count_nonzero(upright < 128) < _MIN_COLOUR_PIXELS:
        return []
    eng = eng or engine()
    words = eng.words(upright, dpi, lang, psm=11)
    return kept_marks(_framed_marks(upright, words, dpi, lang, eng))


_MAX_FRAMED = 4  # stamps re-read alone, at most, per page


def _framed_marks(ink: np.ndarray, read: list[Word], dpi: float, lang: str, eng: OcrEngine) -> list[Word]:
    """`read` (the sparse reading of the colour layer) with each stamp it left unread
    read again alone, as a block, in place of what it made of it: Tesseract's sparse
    mode can take a framed stamp ('KHẨN' in its box) for a picture, or read its letters
    apart from their marks ('x' and 'KHAN' at 38), where as a block it reads it."""
    mask = (ink < 128).astype(np.uint8)
    reach = max(3, int(dpi / 20))  # letters and their frame merge into one stamp
    merged = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, reach + 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(merged)
    sized = [
        i
        for i in range(1, n)  # a stamp's size, not a speck, a seal's arc or a rule
        if 0.12 * dpi <= stats[i, cv2.CC_STAT_HEIGHT] <= 1.5 * dpi
        and 0.4 * dpi <= stats[i, cv2.CC_STAT_WIDTH] <= 4 * dpi
    ]
    out = list(read)
    read_again = 0
    for i in sorted(sized, key=lambda i: -stats[i, cv2.CC_STAT_AREA]):
        x, y, cw, ch = (int(v) for v in stats[i, :4])
        stamp = (x, y, x + cw, y + ch)
        if read_again == _MAX_FRAMED:
            break
        if any(centre_in(w.box, stamp) and _sure_mark(w) for w in out):
            continue  # read already (a frame's letters, apart from it, too)
        read_again += 1
        found = [
            replace(w, line=10_000 + i * 100 + w.line)
            for w in read_cut_out(eng, _unframed(ink[y : y + ch, x : x + cw]), (x, y), dpi, lang, 6, border=reach)
        ]
        if any(_sure_mark(w) for w in found):
            out = [w for w in out if not centre_in(w.box, stamp)] + found
    return out


def _unframed(stamp: np.ndarray) -> np.ndarray:
    """A stamp without its frame: rules across most of its width or height are paper.
    Tesseract takes a box drawn close around words for a picture and reads nothing."""
    h, w = stamp.shape
    frame = rules((stamp < 128).astype(np.uint8), max(3, int(0.6 * w)), max(3, int(0.6 * h)), 5)
    return np.where(frame > 0, 255, stamp).astype(stamp.dtype)


def _sure_mark(w: Word) -> bool:
    """A word of the colour layer read surely: a lone digit too (the number written on
    a ĐẾN stamp); other lone marks are specks."""
    return w.confidence >= 50 and (len(w.text) >= 2 or w.text.isdigit())


def kept_marks(words: list[Word]) -> list[Word]:
    """The colour layer's words worth reading as marks: those read surely (a lone digit
    too: the number written on a ĐẾN stamp; other lone marks are specks), and a weak word
    on the line of one of them: a stamp's 'THƯỢNG' read at 41 beside its 'KHẨN' must not
    leave the lesser urgency, read surely, alone."""
    sure = [w for w in words if _sure_mark(w)]
    lines = {w.line for w in sure}
    return [w for w in words if any(w is s for s in sure) or (w.line in lines and len(w.text) >= 2)]


# A line is re-read when a word in it is barely recognised or the line as a whole is weak.
_WEAK_WORD, _WEAK_LINE = 50.0, 75.0
_MAX_REREADS = 8


def reread_weak_lines(
    grey: np.ndarray, words: list[Word], dpi: float, lang: str = DEFAULT_LANG, eng: OcrEngine | None = None
) -> list[Word]:
    """Second look at badly read lines, each cut out and read on its own.

    Tesseract's page layout analysis stumbles where two columns with different line
    spacing stand side by side (the recipients list beside the signature block): it
    can put the accents of one line into a line of their own and misread the rest.
    Read alone as a single line, the same pixels come out right. The new reading
    replaces the old only when it is clearly more confident."""
    lines = lines_of(words)
    if not lines:
        return words
    heights = sorted(max(w.box[3] for w in ln) - min(w.box[1] for w in ln) for ln in lines)
    line_h = heights[len(heights) // 2]
    regions: list[tuple[list[int], list[int]]] = []  # (box, line ids)
    for ln in lines:
        confs = [w.confidence for w in ln]
        if min(confs) >= _WEAK_WORD and mean_confidence(ln) >= _WEAK_LINE:
            continue
        box = [
            min(w.box[0] for w in ln),
            min(w.box[1] for w in ln),
            max(w.box[2] for w in ln),
            max(w.box[3] for w in ln),
        ]
        for rbox, ids in regions:
            overlap = min(rbox[2], box[2]) - max(rbox[0], box[0])
            if (
                overlap > 0.5 * min(rbox[2] - rbox[0], box[2] - box[0])
                and box[1] - rbox[3] < 0.6 * line_h
                and rbox[1] - box[3] < 0.6 * line_h
            ):
                rbox[:] = [min(rbox[0], box[0]), min(rbox[1], box[1]), max(rbox[2], box[2]), max(rbox[3], box[3])]
                ids.append(ln[0].line)
                break
        else:
            regions.append((box, [ln[0].line]))
    if not regions:
        return words
    replaced: dict[int, list[Word]] = {}  # first line id of a region -> its new words
    dropped: set[int] = set()
    for box, ids in regions[:_MAX_REREADS]:
        old = [w for w in words if w.line in ids]
        others = [w.box for w in words if w.line not in ids]
        new = _read_region(grey, box, others, line_h, dpi, lang, old[0].block, eng or engine())
        if new and mean_confidence(new) > mean_confidence(old) + 10:
            dropped.update(ids)
            replaced[ids[0]] = new
    if not replaced:
        return words
    # Renumber lines in reading order: a region's lines take the place of the first
    # line it replaces.
    keyed = [((w.line, -1), w) for w in words if w.line not in dropped]
    keyed += [((first, w.line), w) for first, ws in replaced.items() for w in ws]
    order = {k: i for i, k in enumerate(sorted({k for k, _ in keyed}))}
    return [Word(w.text, w.box, w.confidence, order[k], w.block) for k, w in sorted(keyed, key=lambda kw: kw[0])]


def _read_region(
    grey: np.ndarray,
    box: list[int],
    others: list[tuple[int, int, int, int]],
    line_h: int,
    dpi: float,
    lang: str,
    block: int,
    eng: OcrEngine,
) -> list[Word]:
    """Words of one region read on its own; line ids are local to the region. Words of
    other lines that reach into the cut-out are painted white first, so a neighbouring
    line cannot be read into this one."""
    pad = max(3, line_h // 8)
    h, w = grey.shape
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    x1, y1 = min(w, box[2] + pad), min(h, box[3] + pad)
    cut = grey[y0:y1, x0:x1].copy()
    for bx0, by0, bx1, by1 in others:
        if bx0 < x1 and bx1 > x0 and by0 < y1 and by1 > y0:
            cut[max(0, by0 - y0) : max(0, by1 - y0), max(0, bx0 - x0) : max(0, bx1 - x0)] = 255
    psm = 7 if (box[3] - box[1]) < 1.6 * line_h else 6
    return [replace(t, block=block) for t in read_cut_out(eng, cut, (x0, y0), dpi, lang, psm)]
