"""Pages that arrive digital: their own text first, OCR only where it is missing.

A page exported from Word or an e-office system states its text exactly; OCR can only
make it worse ("ngày II tháng 5Š"). So a PDF page is read from its text layer when the
layer is usable: real Vietnamese (after converting TCVN3/VNI), drawn visibly, on a page
that is not one big scanned image. Ink the layer does not explain (a number stamped as
an image, a line whose font lost its Unicode mapping) is cut out and OCR'd on its own.
A scan stays a scan: an invisible OCR layer someone else added is ignored, and visible
text over a scan (the number and date an e-office system writes onto the slots, the
signature box) replaces what OCR read at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from .cleanup import rules, to_grey_dropout
from .engine import OcrEngine, engine, read_cut_out
from .load import SourcePage
from .recognize import recognise
from .tesseract import DEFAULT_LANG
from .textlayer import TextLayer
from .types import Box, RecognisedPage, Word, centre_in, lines_of, mean_confidence, union_box
from .vietnamese import bare, syllable_share

# A page is a scan when one image covers this much of it.
_SCAN_COVER = 0.8
# A layer reads as Vietnamese when this share of its words are syllables (born-digital
# pages measure 0.88-0.99, scanners' garbled OCR layers 0.48-0.66).
_USABLE_SHARE = 0.8
# Visible words over a scan are the e-office's stamp or signature box, with names and
# e-mail addresses in them: only text this far from Vietnamese is ignored there.
_GARBLED_SHARE = 0.5
# Ink left unexplained by the layer: regions smaller than this are specks and rules.
_MIN_REGION_INK_IN2, _MIN_REGION_HEIGHT_IN = 0.0028, 0.06  # 250 pixels at 300 dpi
# More unexplained ink than this share of the page: read the whole page by OCR.
_MAX_REGION_SHARE = 0.35
_MAX_REGIONS = 12
_SMALL = 3  # ink is compared with the layer at 1/_SMALL of the resolution
_MIN_OCR_CONFIDENCE = 40.0
_SURE_WORD = 60.0  # a word OCR'd from a picture on a digital page is kept from this confidence
_SURE_LINE = 75.0  # a line read again by OCR replaces the layer's only when this sure
LAYER_ENGINE = "pdf text layer"  # in a page's `engine` when some of its words came from the PDF


@dataclass
class Verdict:
    use_layer: bool  # words from the layer, OCR only for what it misses
    overlay: bool = False  # a scan with visible words on it: OCR, then those words win
    notes: list[str] = field(default_factory=list)


def judge(layer: TextLayer) -> Verdict:
    """What to make of a page's text layer, with the reason in plain words."""
    if not layer.words:
        return Verdict(False)
    share = syllable_share(layer.text)
    converted = f" (converted from {layer.encoding.upper()})" if layer.encoding != "unicode" else ""
    if layer.image_cover >= _SCAN_COVER:
        if layer.invisible or share < _GARBLED_SHARE:
            return Verdict(False, notes=["the PDF's text layer is an OCR layer over a scan; the page was read again"])
        return Verdict(False, overlay=True, notes=[f"text written onto the scan taken from the PDF{converted}"])
    if share < _USABLE_SHARE:
        return Verdict(
            False, notes=[f"the PDF's text layer is not readable Vietnamese ({share:.0%} of words); read by OCR"]
        )
    return Verdict(True, notes=[f"text read from the PDF's own text layer{converted}"])


def read_pdf_page(
    page: SourcePage,
    layer: TextLayer,
    lang: str = DEFAULT_LANG,
    detect_rotation: bool = True,
    deskew: bool = True,
    rotation: int | None = None,
    eng: OcrEngine | None = None,
) -> tuple[RecognisedPage, np.ndarray]:
    """A PDF page's words, from its text layer where usable (see `judge`)."""
    eng = eng or engine()
    verdict = judge(layer)
    if verdict.use_layer:
        found = _from_layer(page, layer, lang, eng)
        if found is not None:
            found.notes[:0] = verdict.notes
            return found, np.eye(3)
        verdict = Verdict(False, overlay=True, notes=["much of the page is images of text; read by OCR"])
    result, matrix = recognise(page, lang, detect_rotation, deskew, rotation, eng)
    if verdict.overlay and not result.blank:
        moved = [_moved(w, matrix) for w in layer.words]
        result.words = merge_words(result.words, moved)
        # Digits the PDF states are not handwriting, whatever stood in the slot.
        result.handwritten = [h for h in result.handwritten if not any(_overlap(h.box, m.box) > 0.5 for m in moved)]
        result.mean_confidence = mean_confidence(result.words)
        result.engine += " + " + LAYER_ENGINE
    result.notes[:0] = verdict.notes
    return result, matrix


def _from_layer(page: SourcePage, layer: TextLayer, lang: str, eng: OcrEngine) -> RecognisedPage | None:
    """The layer's words plus OCR of the ink they leave unexplained; None when that ink
    is most of the page (then the page is better read as a scan)."""
    image = page.image if page.image.mode != "1" else page.image.convert("L")
    w, h = image.size
    dpi = page.dpi[0]
    # Ink is compared with the layer at a third of the resolution (dropping colour at
    # full resolution cost more than the rest of the page); cut-outs are read at full.
    small = image.reduce(_SMALL) if min(w, h) >= 3 * _SMALL * 100 else image
    scale = small.size[0] / w
    regions = [
        _scaled(r, 1 / scale)
        for r in _unexplained(to_grey_dropout(small), _scaled_words(layer.words, scale), dpi * scale)
    ]
    if sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions) > _MAX_REGION_SHARE * w * h:
        return None
    # Unexplained ink right against a line's words is either letters its font lost
    # ("CÔNG NG ỆP") or something put into the line as a picture (a number stamped
    # between "Số:" and "/QĐ-UBND"). The line is read again by OCR; when that reading
    # is sure of itself and agrees with the layer, it replaces the line, otherwise the
    # layer stays and only the pictures are read, each on its own.
    kept: list[Word] = []
    touched: list[tuple[list[Word], list[Box]]] = []
    for ln in lines_of(layer.words):
        touching = [r for r in regions if _touches(ln, r)]
        if touching:
            touched.append((ln, touching))
        else:
            kept += ln
    blocks = _merged([union_box([wd.box for wd in ln] + rs) for ln, rs in touched])
    alone = [r for r in regions if not any(_overlap(r, b) > 0 for b in blocks)]
    found: list[Word] = []
    reread = 0
    for block in blocks:
        inside = [(ln, rs) for ln, rs in touched if _overlap(union_box([wd.box for wd in ln]), block) > 0]
        layer_words = [wd for ln, _ in inside for wd in ln]
        ocr = _ocr(image, block, dpi, lang, eng, len(found), psm=6)
        if mean_confidence(ocr) >= _SURE_LINE and _agrees(layer_words, ocr):
            found += ocr
            reread += len(layer_words)
        else:
            kept += layer_words
            alone += [r for _, rs in inside for r in rs if r not in alone]
    for r in alone[:_MAX_REGIONS]:
        # A lone number reads badly on its own (Tesseract made "So)" of a clean "55"):
        # it is read with the printed words beside it, and only what lies in it is kept.
        beside = [wd.box for wd in kept if _beside(wd.box, r, dpi)]
        context = union_box([r, *beside])
        psm = 7 if context[3] - context[1] < 0.3 * dpi else 6
        found += [
            wd
            for wd in _ocr(image, context, dpi, lang, eng, len(found), psm)
            if centre_in(wd.box, _grown(r, 4)) and _plausible(wd)
        ]
    words = merge_words(kept, found)
    result = RecognisedPage(
        index=page.index,
        width_px=w,
        height_px=h,
        dpi=dpi,
        rotation=0,
        skew_degrees=0.0,
        words=words,
        mean_confidence=mean_confidence(words),
        engine=LAYER_ENGINE + (f" + {eng.name} {eng.version()}" if blocks or alone else ""),
    )
    if reread:
        result.notes.append(f"{reread} words of the text layer had lost letters (font mapping); read by OCR")
    if found:
        result.notes.append(f"{len(found)} words read by OCR from what the text layer does not hold")
    return result


def _ocr(image: Image.Image, box: Box, dpi: float, lang: str, eng: OcrEngine, first_id: int, psm: int) -> list[Word]:
    """Words of one cut-out, in page pixels; line ids kept apart from other cut-outs'."""
    # A box from the layer's words is tight on the glyphs: a margin of the page around
    # it keeps the edge strokes (Tesseract lost a whole "KẾ" cut at its left edge).
    margin = max(4, (box[3] - box[1]) // 6)
    w, h = image.size
    x0, y0 = max(0, box[0] - margin), max(0, box[1] - margin)
    x1, y1 = min(w, box[2] + margin), min(h, box[3] + margin)
    grey = to_grey_dropout(image.crop((x0, y0, x1, y1)))
    return [
        replace(t, line=(first_id + 1) * 1000 + t.line, block=first_id + 1)
        for t in read_cut_out(eng, grey, (x0, y0), dpi, lang, psm)
        if t.confidence >= _MIN_OCR_CONFIDENCE and t.text.strip("|_-—.,:;'\"")
    ]


def _plausible(w: Word) -> bool:
    """A word OCR found in a picture that reads as text (a logo or a signature gives
    stray marks: '>', 'L.', a faint syllable)."""
    core = w.text.strip(".,:;()'\"")
    return w.confidence >= _SURE_WORD and any(c.isalnum() for c in core) and (len(core) >= 2 or core.isdigit())


def _agrees(layer_words: list[Word], ocr: list[Word]) -> bool:
    """Whether the OCR reading holds what the layer does: each of the layer's words (or
    the fragment a lossy font left of it) is found in the OCR text of the same ink."""
    # Compared without tone marks: OCR's misplaced accent ("KÉ" for "KẾ") is a small
    # fault beside a layer that lost whole letters.
    read = bare("".join(w.text for w in ocr))
    pieces = [bare(w.text.strip(".,:;()")) for w in layer_words if any(c.isalpha() for c in w.text)]
    return not pieces or sum(p in read for p in pieces) >= 0.7 * len(pieces)


def _beside(box: Box, region: Box, dpi: float) -> bool:
    """A word on the same line as `region`, within an inch and a half of it."""
    overlap = min(box[3], region[3]) - max(box[1], region[1])
    near = box[0] - region[2] < 1.5 * dpi and region[0] - box[2] < 1.5 * dpi
    return near and overlap >= 0.5 * min(box[3] - box[1], region[3] - region[1])


def _grown(box: Box, by: int) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _touches(line: list[Word], region: Box) -> bool:
    """Whether `region` sits on the line's band right against one of its words."""
    top, bottom = min(w.box[1] for w in line), max(w.box[3] for w in line)
    height = bottom - top
    if min(bottom, region[3]) - max(top, region[1]) < 0.4 * min(height, region[3] - region[1]):
        return False
    gap = max(2, height // 3)
    return any(region[0] <= w.box[2] + gap and w.box[0] - gap <= region[2] for w in line)


def _merged(boxes: list[Box]) -> list[Box]:
    """Boxes that overlap or nearly touch joined, so no ink is read twice and no word is
    cut between two reads (a heading's line split around a lost letter); largest first."""
    out: list[Box] = []
    for b in boxes:
        while True:
            near = max(2, (b[3] - b[1]) // 4)
            hit = next((o for o in out if _overlap(_grown(o, near), b) > 0), None)
            if hit is None:
                break
            out.remove(hit)
            b = union_box([hit, b])
        out.append(b)
    return sorted(out, key=lambda r: -(r[2] - r[0]) * (r[3] - r[1]))


def _scaled(box: Box, by: float) -> Box:
    return (round(box[0] * by), round(box[1] * by), round(box[2] * by), round(box[3] * by))


def _scaled_words(words: list[Word], by: float) -> list[Word]:
    return [replace(w, box=_scaled(w.box, by)) for w in words]


def _unexplained(grey: np.ndarray, words: list[Word], dpi: float) -> list[Box]:
    """Boxes of text-like ink that no word of the layer covers, largest first."""
    ink = (grey < 140).astype(np.uint8)
    for wd in words:
        x0, y0, x1, y1 = wd.box
        pad_y, pad_x = max(2, (y1 - y0) // 3), max(2, (y1 - y0) // 6)
        ink[max(0, y0 - pad_y) : y1 + pad_y, max(0, x0 - pad_x) : x1 + pad_x] = 0
    # Rules, table borders and underlines are ink no word explains, and no text either.
    long = max(15, int(dpi * 0.4))
    ink = np.where(rules(ink, long, long, 3) > 0, 0, ink).astype(np.uint8)
    reach = (max(3, int(dpi * 0.12)), max(3, int(dpi * 0.03)))  # letters into words, not lines into blocks
    joined = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, reach))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        inside = int(ink[y : y + bh, x : x + bw].sum())
        if inside >= _MIN_REGION_INK_IN2 * dpi * dpi and bh >= _MIN_REGION_HEIGHT_IN * dpi:
            out.append((int(x), int(y), int(x + bw), int(y + bh)))
    return sorted(out, key=lambda r: -(r[2] - r[0]) * (r[3] - r[1]))


def merge_words(base: list[Word], extra: list[Word]) -> list[Word]:
    """`base` with `extra` put in: an extra word replaces the base words it overlaps and
    joins the base line it sits on (a number read from an image between "Số:" and
    "/QĐ-UBND" belongs to that line), else starts a line of its own. Line ids come out
    renumbered in reading order."""
    if not extra:
        return base
    kept = [_without_extra(b, extra) for b in base if not any(_covered(b.box, e.box) > 0.5 for e in extra)]
    kept = [b for b in kept if b.text]
    lines = lines_of(kept)
    placed: dict[int, list[Word]] = {}  # line id -> extra words on it
    alone: list[Word] = []
    for e in extra:
        hosts = [ln for ln in lines if _same_line(ln, e)]
        if not hosts:
            alone.append(e)
            continue
        host = hosts[0]
        placed.setdefault(host[0].line, []).append(replace(e, line=host[0].line, block=host[0].block))
        if len(hosts) > 1:
            # The word filled a gap that had cut one printed line in two ("Số:" and
            # "/QĐ-UBND" either side of an empty slot): the parts are one line again.
            joined = [replace(w, line=host[0].line, block=host[0].block) for ln in hosts for w in ln]
            lines = [ln for ln in lines if ln not in hosts[1:]]
            lines[lines.index(host)] = joined
    new_lines = lines_of(alone)
    last_block = max((w.block for w in kept), default=0)
    keyed: list[tuple[tuple[float, int], Word]] = []
    for ln in lines:
        key = (float(ln[0].line), -1)
        keyed += [(key, w) for w in ln + placed.get(ln[0].line, [])]
    for n, ln in enumerate(new_lines):
        # A line of its own goes after the base line above it.
        top = min(w.box[1] for w in ln)
        above = [b.line for b in kept if b.box[3] <= top]
        key = (max(above) + 0.5 if above else -1.0, top)
        keyed += [(key, replace(w, block=last_block + 1 + n)) for w in ln]
    order = {k: i for i, k in enumerate(sorted({k for k, _ in keyed}))}
    return [replace(w, line=order[k]) for k, w in keyed]


def _without_extra(b: Word, extra: list[Word]) -> Word:
    """OCR reads digits written into a slot together with the word beside them
    ("ngày14"); the stated digits then stand on their own, so they are cut off."""
    text = b.text
    for e in extra:
        if _covered(b.box, e.box) > 0 and e.text != text:
            if text.endswith(e.text):
                text = text[: -len(e.text)]
            elif text.startswith(e.text):
                text = text[len(e.text) :]
    return b if text == b.text else replace(b, text=text)


def _same_line(line: list[Word], w: Word) -> bool:
    top, bottom = min(b.box[1] for b in line), max(b.box[3] for b in line)
    overlap = min(bottom, w.box[3]) - max(top, w.box[1])
    if overlap < 0.5 * min(bottom - top, w.box[3] - w.box[1]):
        return False
    gap = 3 * (bottom - top)  # a blank slot between two printed parts is a few glyphs wide
    return min(b.box[0] for b in line) - gap <= w.box[0] and w.box[2] <= max(b.box[2] for b in line) + gap


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1
    return iw * ih / smaller


def _covered(a: Box, by: Box) -> float:
    """Share of box `a` that box `by` covers."""
    iw = min(a[2], by[2]) - max(a[0], by[0])
    ih = min(a[3], by[3]) - max(a[1], by[1])
    return iw * ih / ((a[2] - a[0]) * (a[3] - a[1]) or 1) if iw > 0 and ih > 0 else 0.0


def _moved(w: Word, matrix: np.ndarray) -> Word:
    """A word from source pixels into the upright page frame."""
    x0, y0, x1, y1 = w.box
    pts = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x0, y1, 1.0], [x1, y1, 1.0]]) @ matrix.T
    xs, ys = pts[:, 0], pts[:, 1]
    return replace(w, box=(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())))
