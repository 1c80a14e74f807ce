"""Handwritten slots of a Decree 30 header: the number between `Số:` and `/QĐ-UBND`,
the day between `ngày` and `tháng`, the month between `tháng` and `năm`. The văn thư
writes them by pen (often blue) on the signed paper; colour dropout keeps them away
from Tesseract, and Tesseract reads a page's handwriting badly anyway. Here each slot
is found from the printed words around it, its ink is cut from the page (a pen's
strokes whole, black ink as measured) and read by two digit readers of the project's
own: the glyph reader cuts it into digits (ocr/digits.py), the line reader reads it
whole (ocr/digit_lines.py; digits written joined defeat the cut). Where the line
reader has no model, Tesseract held to digits is the glyph reader's second reader.

The reading replaces whatever Tesseract made of the slot, as one word flagged in
`RecognisedPage.handwritten`, so the classifiers parse the line as printed and know
which values came from a hand: red, unless the two readers read it alike."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .cleanup import chroma
from .digit_lines import line_reader
from .digits import DigitReading, digit_ink, lost_ink, reader
from .errors import OCREngineError
from .printed_digits import raised, too_wide
from .tesseract import read_digit_line
from .types import Word, centre_in
from .vietnamese import NGAY, THANG

_SO = re.compile(r"^(so\s*[:;.,]?|s[eoa0][:;])", re.I)  # "Số:", folded; also misread ("Sé:")
HANDWRITTEN_CAP = 80.0  # word confidence: a hand's digits read by one reader are shown for a look
# Word confidence of a hand's digits two readers read alike: the glyph reader and the
# line reader, each sure of each digit (see _two_readings), or the glyph reader, sure
# of each digit, and Tesseract held to digits on the same ink. On the real scans'
# written slots 31 of the 52 readings filled in were read alike (the 23 the labels
# cover all right; with Tesseract the only second reader, 17); on synthetic pages in a
# hand neither reader saw, 64 of 80 (a quarter of the numbers written joined), none
# wrong (README).
READ_ALIKE = 95.0
_SURE_FOR_A_SECOND_READING = 0.9
# A slot is filled in (red, unless read alike by a second reader) when the reader is this sure of
# each digit, and left unread below. On the real scans' written numbers the reader
# (version 4; version 5 alike) was right on all but one reading this sure and on one in six below: there
# a neighbour's strokes or a slash had joined the digits (README).
_MIN_PROBABILITY = 0.5
# Digits are read alike only where segment dropped no more ink among them than this share
# of what it kept. Of 3,000 held-out composed numbers (scripts/calibrate_hand_readings.py,
# seed 3), 1,556 were read alike: 74 a digit short (a faint digit broken into bits too
# small to keep), 1 with a digit read as another. At 0.02, 14 and 0, for 13 of the 1,481
# right readings (at 0.05, 24 and 0 for 5; seed 5: 72 and 2 → 16 and 1 for 10 of 1,415).
# On the real scans' written slots every reading alike had none dropped.
MOST_INK_LOST = 0.02
# Digits Tesseract read in the number's slot less surely than this may be a hand's
# (Tesseract reads a written 361 as 364 at 44): the digit reader looks at them too.
WEAK_DIGITS = 60.0
DISPUTED = 50.0  # word confidence of digits the two readers read differently
# Digits Tesseract read less surely still than this give way to more digits the digit
# readers read ('Số:4/TB-KHN' at 24 for a small written 467), though never green. Fewer
# digits than Tesseract saw would be a slot cut short ('35' in the box of a '353' read
# at 20): there Tesseract's stay, disputed.
_NO_READING = 30.0
# Tesseract's weak digits give way to the digit reader's when it is this sure of each
# digit and reads as many: Tesseract reads a hand's hooked 1 as a 4 ('364' for 361), the
# reader learnt it. One digit more or fewer is a cutting matter (a slash's foot read as
# a 1: '2551' for a printed 255), where the reader is no judge.
_SURE_OVER_TESSERACT = 0.95


def so_printed(text: str) -> int | None:
    """How many characters of a word are the header's printed 'Số:' (None: it is not
    one). 'Số:' starts with a capital; 'số' inside a sentence cites another document,
    with no colon after it (a bilevel scan's capital read small keeps its colon)."""
    found = _SO.match(_fold(text))
    if not found or not (text[:1] == "S" or (text[:1] == "s" and found.group().rstrip()[-1:] in ":;")):
        return None
    return found.end()


def so_label(w: Word, words: list[Word]) -> int | None:
    """so_printed of the word, if it is the number line's label: a 'số:' read small is
    one only at the start of its line ('theo Thông báo số: 34-TB/...' cites a document)."""
    printed = so_printed(w.text)
    if printed is None or (w.text[:1] == "s" and any(v.line == w.line and v.box[2] <= w.box[0] for v in words)):
        return None
    return printed


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in t if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Slot:
    kind: str  # "number" | "day" | "month"
    box: tuple[int, int, int, int]  # in the page frame
    line: int
    block: int
    inside: tuple[Word, ...]  # what Tesseract read there (replaced by the reading)
    trimmed: tuple[Word, ...] = ()  # `Số:` and `/QĐ-UBND` without what they had taken of the slot
    joined: tuple[int, ...] = ()  # line ids of the row's other pieces, joined to `line` once read
    weak: str = ""  # the digits Tesseract read as the whole slot, below WEAK_DIGITS
    faint: bool = False  # ... and below _NO_READING
    # A printed word bounding the slot was read weakly: its box may hold digits of the
    # slot's it did not read ('353/CTr-UBND' read '/CTr-UBND' at 20 over '3/CTr-UBND').
    loose: bool = False


def find_slots(words: list[Word], above: float | None = None) -> list[Slot]:
    """The header's handwritten slots; `above`: only rows higher than this (pixels),
    as the number and date stand at the top of page 1."""
    out: list[Slot] = []
    char_w = _char_width(words)
    for w in words:
        if above is not None and w.box[1] > above:
            continue
        folded = _fold(w.text)
        if so_label(w, words) is not None or re.match(f"{NGAY}|{THANG}", folded):
            row = [w, *right_of(w, words, 30 * char_w)]
            out += _number_slot(row, char_w) + _date_slot(row, char_w)
    return out


def right_of(anchor: Word, words: list[Word], reach: float) -> list[Word]:
    """Words to the right of `anchor` on the same printed row, nearest first. A wide
    blank slot makes Tesseract's line two lines (tesseract.parse_tsv splits at wide
    gaps), so the row is found by position, not by line id."""
    top, bottom = anchor.box[1], anchor.box[3]
    mid, h = (top + bottom) / 2, max(1, bottom - top)
    return sorted(
        (
            w
            for w in words
            if w is not anchor
            and anchor.box[2] - 0.5 * h <= w.box[0] <= anchor.box[2] + reach
            and abs((w.box[1] + w.box[3]) / 2 - mid) < 0.6 * h
        ),
        key=lambda w: w.box[0],
    )


def _number_slot(ln: list[Word], char_w: float) -> list[Slot]:
    w = ln[0]
    so = _SO.match(_fold(w.text))
    if not so:
        return []
    if "/" in w.text[so.end() :]:
        return _slot_inside(w, so.end(), char_w)
    j = next((k for k in range(1, min(len(ln), 5)) if "/" in ln[k].text), None)
    if j is None:
        return []
    # The Party's style, '47-TB/ĐTN': the number ends at the dash before the type's code.
    j = next((k for k in range(1, j) if ln[k].text.startswith(("-", "–"))), j)
    tail_of_so = w.text[so.end() :]
    head_of_slash = ln[j].text[: ln[j].text.index("/")] if "/" in ln[j].text else ""
    written = tail_of_so + "".join(x.text for x in ln[1:j]) + head_of_slash
    slot = _between("number", ln, j, so.end() if tail_of_so else None, head_of_slash, char_w)
    if re.fullmatch(r"\s*\d+\s*", written):
        holding = [x for x in ln[: j + 1] if any(c.isdigit() for c in x.text)]
        # A word holding 'Số:' and digits ('Số:41') has the printed letters' confidence
        # too: print sets a space or the slash around its digits, a hand's run into 'Số:'.
        mixed = any(c.isdigit() for c in tail_of_so)
        if not mixed and min(x.confidence for x in holding) >= WEAK_DIGITS:
            return []  # printed (or surely read) digits: nothing to do
        slot = replace(slot, weak=written.strip(), faint=min(x.confidence for x in holding) < _NO_READING)
    return [slot]


def _slot_inside(w: Word, printed: int, char_w: float) -> list[Slot]:
    """The number slot inside one word: 'Số:4/TB-KHN', a hand's small digits run
    together with the print around them. Read surely, it is print ('Số:347/TB-XYZ');
    read weakly, the slot lies between 'Số:' and the slash, measured in printed letters."""
    slash = w.text.index("/", printed)
    digits = w.text[printed:slash]
    if w.confidence >= WEAK_DIGITS or not re.fullmatch(r"\d*", digits):
        return []
    x0 = min(w.box[2], round(w.box[0] + _printed_width(w.text[:printed], char_w)))
    x1 = max(x0, round(w.box[2] - _printed_width(w.text[slash:], char_w)))
    so = replace(w, text=w.text[:printed], box=(w.box[0], w.box[1], x0, w.box[3]))
    code = replace(w, text=w.text[slash:], box=(x1, w.box[1], w.box[2], w.box[3]))
    slot = _slot("number", [so, code], 1, x0, x1, (), (so, code))
    return [replace(slot, inside=(w,), weak=digits, faint=w.confidence < _NO_READING)]


# Date slots: (kind, the printed word before it, the printed word after it), folded
# as OCR reads them (an italic 'ngày' over a dotted leader is read 'ngài...').
_DATE_SLOTS = (("day", NGAY, THANG), ("month", THANG, "nam"))


def _date_slot(ln: list[Word], char_w: float) -> list[Slot]:
    """The day between `ngày` and `tháng`, or the month between `tháng` and `năm`.
    The printed words may have taken some of the handwriting into their own reading
    ('ngàyl2', 'Ẩnăm'): that part is cut off and counted as the slot's."""
    w = ln[0]
    start = _fold(w.text)
    for kind, before, after in _DATE_SLOTS:
        first = re.match(before, start)
        if not first:
            continue
        for j in range(1, min(len(ln), 4)):
            found = re.search(after, _fold(ln[j].text)[:6])
            if found and found.start() <= 2:
                break
        else:
            continue
        printed = first.end()
        tail = w.text[printed:].strip(",. ")
        head = ln[j].text[: found.start()]
        read = tail + "".join(x.text for x in ln[1:j]) + head
        if re.fullmatch(r"\d{1,2}", read):
            # Printed (or read) digits; but a word of them wider than as many printed
            # digits (one was lost: '1' for a hand's 17), or raised above the row's
            # print, is a hand's read as print (a bilevel scan turns the pen black):
            # the digit readers read it, Tesseract's reading standing as a weak one.
            alone = ln[1] if j == 2 and not tail and not head else None
            lost = alone is not None and too_wide(alone, read)
            if alone is None or not (lost or raised(alone, ln)):
                continue
            return [replace(_between(kind, ln, j, None, "", char_w), weak=read, faint=lost)]
        # A dotted leader read into the word ('ngày.....') is the slot's, not print.
        return [_between(kind, ln, j, printed if w.text[printed:].strip(",") else None, head, char_w)]
    return []


def _between(kind: str, ln: list[Word], j: int, printed: int | None, head: str, char_w: float) -> Slot:
    """The slot between the printed words ln[0] and ln[j]. `printed`: how many
    characters of ln[0] are print when it took some handwriting into its reading (None:
    all of it); `head`: what ln[j] took of the handwriting before its printed part.
    Handwriting merged into a printed word widens its box, so the printed part is
    measured by the width of printed letters, from the side that is all print."""
    w, nxt = ln[0], ln[j]
    inside, trimmed, x0, x1 = list(ln[1:j]), [], w.box[2], nxt.box[0]
    if printed is None and w.box[2] - w.box[0] > _printed_width(w.text, char_w) + _SWOLLEN * char_w:
        printed = len(w.text)  # read as print alone, yet as wide as print and a hand's digits ('ngày' over '12')
    if printed is not None:
        x0 = min(w.box[2], round(w.box[0] + _printed_width(w.text[:printed], char_w)))
        inside.append(w)
        trimmed.append(replace(w, text=w.text[:printed], box=(w.box[0], w.box[1], x0, w.box[3])))
    if head:
        x1 = max(nxt.box[0], round(nxt.box[2] - _printed_width(nxt.text[len(head) :], char_w)))
        inside.append(nxt)
        trimmed.append(replace(nxt, text=nxt.text[len(head) :], box=(x1, nxt.box[1], nxt.box[2], nxt.box[3])))
    return _slot(kind, ln, j, x0, x1, tuple(inside), tuple(trimmed))


# How wide a printed character is against the page's mean one (measured on running
# text, mostly small letters): a code's capitals are half as wide again, a slash or a
# dash little more than half ('/TB-KHN' is 8.6 mean characters wide, not 7). Measured
# short, a code leaves its slash in the slot, read as a written 1.
_WIDER, _NARROWER = 1.5, 0.6
# A bound read as print alone ('ngày') whose box is wider than its print by more than a
# letter took a hand's digit in: a written 1 is a fifth of a letter wide, and on a grey
# 150-dpi copy of a real scan 'ngày' (read at 97) took a two-digit day's leading 1 into
# a box 1.2 letters too wide, so both readers read the other digit alike. On the real
# scans' date lines a bound read as print was at most 0.8 of a letter too wide with no
# digit in it, and once 1.3 (the day read whole after it all the same).
_SWOLLEN = 1.0


def _printed_width(text: str, char_w: float) -> float:
    return char_w * sum(_WIDER if c.isupper() else _NARROWER if c in "/-:;.,|" else 1.0 for c in text)


def _char_width(words: list[Word]) -> float:
    """The width of a printed character on the page: the median over confidently read
    longer words (handwriting is neither)."""
    widths = sorted((w.box[2] - w.box[0]) / len(w.text) for w in words if len(w.text) >= 4 and w.confidence >= 80)
    if widths:
        return widths[len(widths) // 2]
    heights = sorted(w.box[3] - w.box[1] for w in words) or [20]
    return 0.55 * heights[len(heights) // 2]


def _slot(
    kind: str, ln: list[Word], end: int, x0: int, x1: int, inside: tuple[Word, ...], trimmed: tuple[Word, ...] = ()
) -> Slot:
    """The slot between ln[0] and ln[end] (the printed words around it)."""
    # The printed line's height from its words, not from a lone dash or dots ('Số:....
    # - TB/ĐTN'), which would make the slot a sliver.
    around = [w for w in (*ln[: end + 1], *trimmed) if w not in inside]
    printed = [w for w in around if any(c.isalnum() for c in w.text)] or around or ln
    heights = sorted(w.box[3] - w.box[1] for w in printed)
    h = heights[len(heights) // 2]
    bottoms = sorted(w.box[3] for w in printed)
    bottom = bottoms[len(bottoms) // 2]
    # Handwriting rises above the printed line and sinks a little below it. A number
    # written small in a narrow slot often stands raised, a whole line above the print;
    # the day sits lower, under the motto's rule, which a taller slot would take in.
    joined = tuple(sorted({w.line for w in ln[: end + 1]} - {ln[0].line}))
    rise = 2.3 if kind == "number" else 1.7
    box = (x0, max(0, bottom - round(rise * h)), x1, bottom + h // 2)
    # (A bound that took some of the hand into its reading is measured by its print,
    # and weak for the hand's sake: not loose.)
    loose = any(b.confidence < WEAK_DIGITS for b in (ln[0], ln[end]) if b not in inside)
    return Slot(kind, box, ln[0].line, ln[0].block, inside, trimmed, joined, loose=loose)


def _plausible(kind: str, digits: str) -> bool:
    if kind in ("day", "month"):
        return len(digits) <= 2 and 1 <= int(digits) <= (31 if kind == "day" else 12)
    return not digits.startswith("0") and len(digits) <= 5


def _reach(slot: Slot, line_h: float) -> tuple[int, int, int, int]:
    """Where bits of the slot's hand may stand: a date's slot and a line higher (above
    it stands the motto, no digits); a number's slot as measured (it already reaches up
    into the issuer's name)."""
    x0, y0, x1, y1 = slot.box
    return slot.box if slot.kind == "number" else (x0, max(0, y0 - round(line_h)), x1, y1)


def _bit_of_hand(w: Word, slot: Slot, box: tuple[int, int, int, int]) -> bool:
    """A word Tesseract made of some of the slot's handwriting: in the slot, and on the
    slot's row or read weakly (the hand's strokes are no print), or in a date's slot
    and holding a digit, however surely read (a day written raised, read as a line of
    its own, '16' or '1ó'; above a date stands the motto, no digits, while a number's
    slot reaches up into the issuer's name, which may end in one: 'TRƯỜNG THCS SỐ 2')."""
    if not centre_in(w.box, box):
        return False
    if slot.kind != "number" and any(c.isdigit() for c in w.text):
        return True
    return w.line == slot.line or w.line in slot.joined or w.confidence < WEAK_DIGITS


# Pen ink: blue to violet (OpenCV's hue, 0-180), clearly coloured (channels this far
# apart). Print is black; red is the seal's and the urgency stamp's.
_PEN_HUE = (95, 140)
_PEN_CHROMA = 30
_PEN_OVER_CAST = 25
_PEN_BLUR = 7
# A slot holds a pen's writing when at least this many line heights squared of its ink are pen-coloured
_PEN_SHARE = 0.15
_PEN_OF_DARK = 0.5  # ... and at least this share of its dark ink


def _slot_ink(
    page_ink: np.ndarray, words: list[Word], slot: Slot, line_h: float
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The hand's ink of a slot as a mask, and the mask's origin in the page; None for
    an empty slot.

    A slot is measured from the print around it, and handwriting keeps to no measure:
    digits rise above it, reach past a code whose word Tesseract started too soon. In a
    pen's colour the hand's strokes are known whatever they cross, so they are taken
    whole, over a window wider and taller than the slot, and followed sideways; print
    stays out even where it touches a digit. In black ink nothing tells a stroke of the
    hand from a letter of 'tháng' beside it: the slot is cut as measured, a line higher
    where its ink runs through the measure's top, and over the boxes of bits of the
    hand Tesseract read as words."""
    x0, y0, x1, y1 = slot.box
    height, width = page_ink.shape[:2]
    grow = round(line_h)
    # Wider to the right: a slot measured short leaves the last digits out.
    wx0, wy0 = max(0, x0 - 2 * grow), max(0, y0 - grow)
    wx1, wy1 = min(width, x1 + 3 * grow), min(height, y1 + grow // 2)
    if x1 <= x0 or y0 >= min(y1, height):
        return None
    window = page_ink[wy0:wy1, wx0:wx1]
    grey = cv2.cvtColor(window, cv2.COLOR_RGB2GRAY) if window.ndim == 3 else window.copy()
    # Bits of the hand Tesseract read as words (a day written raised, read as a line of
    # its own): never taken for print, and a black hand's reach past the slot.
    hand = [w for w in words if w not in slot.inside and _bit_of_hand(w, slot, _reach(slot, line_h))]
    for w in words:  # printed words of the lines above and below stay out
        if w not in slot.inside and w.line != slot.line and w not in hand:
            bx0, by0, bx1, by1 = w.box
            grey[max(0, by0 - wy0) : max(0, by1 - wy0), max(0, bx0 - wx0) : max(0, bx1 - wx0)] = 255
    cx0, cy0, cx1, cy1 = x0 - wx0, y0 - wy0, min(x1, wx1) - wx0, min(y1, wy1) - wy0
    core = grey[cy0:cy1, cx0:cx1]
    if core.size == 0 or core.min() > 170:
        return None
    # The threshold of the slot's own ink: a light pen beside black print would fall
    # below one taken over the window.
    level, core_ink = cv2.threshold(core, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if cy0 > 0 and core_ink[0].any():
        # Ink runs through the measure's top (digits written raised): the slot reaches
        # a line higher, where the printed words of the lines above are blanked out.
        cy0 = 0
        core = grey[cy0:cy1, cx0:cx1]
        level, core_ink = cv2.threshold(core, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    dark = np.count_nonzero(core_ink)
    if dark < 0.02 * core.size:
        return None
    if window.ndim == 3:
        window_ink = (grey <= level).astype(np.uint8)
        pen = _pen(window, window_ink)
        coloured = np.count_nonzero(pen[cy0:cy1, cx0:cx1])
        # A pen's slot: most of its ink is pen-coloured (a black hand's slot has only
        # the colour fringes of a compressed scan).
        if coloured >= _PEN_SHARE * line_h**2 and coloured >= _PEN_OF_DARK * dark:
            # A thin stroke's ends, blurred with the paper, show less colour than its
            # body: the slot's dark ink near the pen's is the pen's too.
            near = cv2.dilate(pen, np.ones((5, 5), np.uint8))
            strokes = cv2.bitwise_and(window_ink, near)
            return _pen_strokes(strokes, (cx0, cy0, cx1, cy1), line_h), (wx0, wy0)
    # A black hand's slot is its measure (raised as above) and the boxes of its bits
    # Tesseract read.
    if not hand:
        reach = None
        if slot.loose and slot.kind == "number":
            reach = _reach_left(grey, level, (cx0, cy0, cx1, cy1), core_ink, line_h)
        if reach is not None:
            return reach, (x0 - (reach.shape[1] - core_ink.shape[1]), wy0 + cy0)
        return core_ink, (x0, wy0 + cy0)
    boxes = [(x0, wy0 + cy0, x1, y1)] + [w.box for w in hand]
    ux0, uy0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    ux1, uy1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    ux0, uy0, ux1, uy1 = max(ux0, wx0), max(uy0, wy0), min(ux1, wx1), min(uy1, wy1)
    region = np.zeros((uy1 - uy0, ux1 - ux0), np.uint8)
    for bx0, by0, bx1, by1 in boxes:
        region[max(0, by0 - uy0) : max(0, by1 - uy0), max(0, bx0 - ux0) : max(0, bx1 - ux0)] = 1
    ink = (grey[uy0 - wy0 : uy1 - wy0, ux0 - wx0 : ux1 - wx0] <= level).astype(np.uint8) * 255
    return ink * region, (ux0, uy0)


def _reach_left(
    grey: np.ndarray, level: float, core: tuple[int, int, int, int], core_ink: np.ndarray, line_h: float
) -> np.ndarray | None:
    """The slot's ink widened to the left by the strokes its left edge cuts, whole, or
    None when it cuts none. A first digit written tight against 'Số:' begins inside the
    label's box (Tesseract's ':' takes in the stroke it touches): cut at the box, a 2
    loses its loop and is read as nothing or as another digit. Only strokes that run
    through the edge come in, and no further than a digit's width: the colon's dots
    and the label's letters stay out. Asked only of a number's slot whose label was
    read weakly (loose): a label read well ends where its box does, and 'ngày' or
    'tháng' end in letters whose tails a hand's day may touch."""
    cx0, cy0, cx1, cy1 = core
    if cx0 == 0 or not core_ink[:, 0].any():
        return None
    left = max(0, cx0 - round(0.8 * line_h))
    band = (grey[cy0:cy1, left:cx1] <= level).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
    edge = cx0 - left
    through = set(labels[:, edge][core_ink[:, 0] > 0].tolist()) - {0}
    # A stroke that runs to the band's left end is the label's own (or print): it stays out.
    through = {i for i in through if stats[i, cv2.CC_STAT_LEFT] > 0}
    if not through:
        return None
    start = min(stats[i, cv2.CC_STAT_LEFT] for i in through) - 1  # a column of paper: the stroke is whole
    out = np.zeros((cy1 - cy0, cx1 - left - start), np.uint8)
    out[:, edge - start :] = core_ink
    own = np.isin(labels[:, start:edge], list(through))
    out[:, : edge - start][own] = 255
    return out


def _pen_strokes(pen: np.ndarray, core: tuple[int, int, int, int], line_h: float) -> np.ndarray:
    """The pen's strokes that reach into the core, whole, and those that continue them.
    Long rules are taken out first: a digit touching one would be one stroke with it."""
    rules = cv2.morphologyEx(pen, cv2.MORPH_OPEN, np.ones((1, max(3, round(2 * line_h))), np.uint8))
    ink = cv2.subtract(pen, rules)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    boxes = [tuple(int(v) for v in stats[i, :4]) for i in range(n)]
    cx0, cy0, cx1, cy1 = core
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h = boxes[i]
        keep[i] = min(x + w, cx1) > max(x, cx0) and min(y + h, cy1) > max(y, cy0)
    _follow(keep, boxes, line_h)
    return (keep[labels] * 255).astype(np.uint8)


def _follow(keep: np.ndarray, boxes: list[tuple[int, ...]], line_h: float) -> None:
    """Add to `keep` the pen strokes that continue the kept ones sideways: the digits a
    slot measured short left out, each within half a line height of the last."""
    changed = True
    while changed:
        changed = False
        for i in range(1, len(boxes)):
            if keep[i]:
                continue
            x, y, w, h = boxes[i]
            for j in np.flatnonzero(keep):
                kx, ky, kw, kh = boxes[j]
                gap = max(kx - (x + w), x - (kx + kw))
                if gap <= 0.5 * line_h and min(y + h, ky + kh) > max(y, ky):
                    keep[i] = changed = True
                    break


def _pen(rgb: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """1 on the dark pixels that are a pen's (blue to violet), 0 elsewhere.

    Colour is measured on the window blurred over a few pixels: a compressed scan keeps
    a thin stroke's colour at half resolution or less, so a pen's stroke shows it only
    in patches, while black print blurred with white paper stays grey. It is measured as
    the channels' spread (HSV's saturation calls near-black scanner noise saturated),
    above that of the window's dark ink at large: a scan with a colour cast tints its
    print too."""
    blurred = cv2.blur(rgb, (_PEN_BLUR, _PEN_BLUR))
    spread = chroma(blurred)
    floor = max(_PEN_CHROMA, int(np.median(spread[dark > 0])) + _PEN_OVER_CAST)
    hue = cv2.split(cv2.cvtColor(blurred, cv2.COLOR_RGB2HSV))[0]
    pen = cv2.bitwise_and(cv2.inRange(hue, _PEN_HUE[0], _PEN_HUE[1]), cv2.inRange(spread, floor, 255))
    return cv2.bitwise_and(pen // 255, dark)


def _read_alike(ink: np.ndarray, found: DigitReading) -> bool:
    """Tesseract, held to digits, reads the digits the reader chose as the reader did.
    The ink is given as a line of print would be: dark on white, 40 pixels high, with
    a margin."""
    x0, y0, x1, y1 = found.box
    glyphs = ink[y0:y1, x0:x1]
    if glyphs.size == 0:
        return False
    scale = 40.0 / glyphs.shape[0]
    glyphs = cv2.resize(glyphs, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    try:
        return read_digit_line(cv2.bitwise_not(glyphs)) == found.text
    except OCREngineError:
        return False  # no second reader here (its language data missing): one reader's reading


def _two_readings(
    glyphs: DigitReading | None, whole: DigitReading | None, kind: str
) -> tuple[DigitReading | None, bool, str]:
    """(the reading to fill in, whether the two digit readers read it alike, each sure,
    a note when both are sure of different digits). The glyph reader cuts the slot into
    digits, the line reader reads it whole (joined digits defeat the cut; a digit cut
    in two does not fool it): the surer of the two is taken, when sure enough to show.

    Alike means each sure (0.9) of each digit. On 3,000 numbers composed from MNIST
    digits neither reader was trained on (scripts/train_digit_lines.py's held-out fifth),
    1,716 were read alike so, 3 of them wrong; with the glyph reader (version 4) held to
    0.8 only, 1,921 and 8, and a synthetic page's barred 7, in a hand neither had seen, was read
    alike as a 1 (at 0.81 and 0.90). Measured again from the digits' raw held-out masks
    (scripts/calibrate_hand_readings.py, 3,000 numbers): 1,495 read alike, 3 with a digit
    read as another; the glyph reader at 0.8 beside the line reader at 0.95 would add 187,
    3 of them so (1.6%, eight times as often): it stays at 0.9."""
    readable = [r for r in (glyphs, whole) if r is not None and r.confidence >= _MIN_PROBABILITY and len(r.text) <= 6]
    if not readable:
        return None, False, ""
    found = max(readable, key=lambda r: r.confidence)
    if glyphs is None or whole is None:
        return found, False, ""
    both_sure = min(glyphs.confidence, whole.confidence) >= _SURE_FOR_A_SECOND_READING
    if glyphs.text != whole.text:
        note = f"the handwritten {kind} may be {glyphs.text} or {whole.text}: check the page" if both_sure else ""
        return found, False, note
    return found, both_sure, ""


def _read_whole(clean: np.ndarray) -> DigitReading | None:
    """The line reader's reading of the slot's digits (`clean`: their pieces only,
    digit_ink), as one line."""
    lines = line_reader()
    if lines is None:
        return None
    found = lines.read(clean)
    if found is None:
        return None
    ys, xs = np.nonzero(clean)
    return DigitReading(
        found.text, found.confidence, (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    )


def readers() -> str:
    """The digit readers a hand's digits are read with, named as engines are with their
    versions ('station-digits 5 + station-digit-lines 1'), for the page's record."""
    found = [r for r in (reader(), line_reader()) if r is not None]
    return " + ".join(f"{r.name} {r.version()}" for r in found)


def read_slots(page_ink: np.ndarray, words: list[Word], slots: list[Slot]) -> tuple[list[Word], list[Word], list[str]]:
    """(words with each readable slot's reading in place of what was there, the
    readings, notes on slots read too unsurely to fill in). `page_ink`: the upright
    page (or its top part) with all ink, coloured ink included, grey or RGB;
    `slots`: find_slots(words)."""
    digits = reader()
    notes: list[str] = []
    if digits is None:
        return words, [], notes
    heights = sorted(w.box[3] - w.box[1] for w in words) or [1]
    line_h = float(heights[len(heights) // 2])
    readings: list[Word] = []
    added: list[Word] = []
    replaced: set[int] = set()
    joins: dict[int, int] = {}
    disputed: set[int] = set()
    for slot in slots:
        x0, y0, x1, y1 = slot.box
        if x1 - x0 < 0.8 * line_h:
            continue  # no room for a written digit
        cut = _slot_ink(page_ink, words, slot, line_h)
        if cut is None:
            continue  # an empty slot: nothing written (or only the dotted leader)
        ink, (_, wy0) = cut
        glyphs = digits.read(ink, line_h)
        clean = digit_ink(ink, line_h)
        whole_read = _read_whole(clean)
        found, alike, note = _two_readings(glyphs, whole_read, slot.kind)
        # Digits the cut runs through (its top, or a black hand's sides, cut as
        # measured) reach past the slot: what both readers read may lack a part of them
        # (a raised 2 left out of 21, a 2 run into 'Số:').
        clipped = bool(clean[0].any() or clean[:, 0].any() or clean[:, -1].any())
        # Nor digits whose slot a weakly read word bounds: a digit may lie in its box.
        # Nor where ink among the digits was dropped as too small: a faint digit broken
        # into bits is lost to both readers alike.
        whole = not clipped and not slot.loose and lost_ink(ink, clean, line_h) <= MOST_INK_LOST
        alike = alike and whole
        if note:
            notes.append(note)
        if found is None:
            continue
        if not _plausible(slot.kind, found.text):
            if not slot.weak:  # where Tesseract read digits, its reading stands; no note
                notes.append(f"the handwritten {slot.kind} may be {found.text} (not a {slot.kind}: check the page)")
            continue
        disputed_here = bool(slot.weak) and slot.weak != found.text
        as_many = len(found.text) == len(slot.weak)
        # The second reader of a sure reading: the line reader, sure of the same digits,
        # or else Tesseract held to digits on the slot's ink alone (asked once: it also
        # settles a dispute of as many digits, the page's reading having had the print
        # around it). Tesseract backs the glyph reader only: it too reads the slot as a
        # line, and both drop a digit lost in a joined cluster alike ('55' for 535).
        by_glyphs = glyphs is not None and glyphs.text == found.text
        glyphs_sure = (
            by_glyphs and not note and whole and glyphs is not None and glyphs.confidence >= _SURE_FOR_A_SECOND_READING
        )
        second = alike or (by_glyphs and (glyphs_sure or (disputed_here and as_many)) and _read_alike(ink, found))
        sure = by_glyphs and found.confidence >= _SURE_OVER_TESSERACT and as_many
        # More digits than Tesseract's weak ones give way to it when Tesseract was
        # hardly sure of its own, or when they are two digits more or further, read the
        # same by both digit readers, if not surely (a hand's 4718 Tesseract read as
        # '41'). One digit more may be a slash's foot, which both readers see alike.
        both_read = (
            glyphs is not None
            and whole_read is not None
            and glyphs.text == whole_read.text
            and min(glyphs.confidence, whole_read.confidence) >= _MIN_PROBABILITY
        )
        missed = both_read and len(found.text) >= len(slot.weak) + 2
        outdone = disputed_here and len(found.text) > len(slot.weak) and (slot.faint or missed)
        if outdone:
            notes.append(f"the {slot.kind} may be {found.text} rather than {slot.weak}: check the page")
        elif disputed_here and not (sure or (as_many and second)):
            # Tesseract read the slot as digits, weakly, and the digit reader reads
            # others, not surely either: no one can tell; Tesseract's stay, no surer
            # than a disputed reading is.
            notes.append(f"the {slot.kind} may be {found.text} rather than {slot.weak}: check the page")
            disputed.update(id(w) for w in slot.inside)
            continue
        _, by0, _, by1 = found.box
        # Nearly the whole slot's width: the row reads as one line, yet keeps a gap on
        # each side, so the text layer still holds 'Số: 47 /QĐ-UBND' as three words.
        inset = int(min(0.25 * line_h, 0.15 * (x1 - x0)))
        box = (x0 + inset, wy0 + by0, x1 - inset, wy0 + by1)
        read_alike = (alike or (glyphs_sure and second)) and not outdone
        confidence = READ_ALIKE if read_alike else min(HANDWRITTEN_CAP, 100 * found.confidence)
        readings.append(Word(found.text, box, confidence, slot.line, slot.block))
        replaced.update(id(w) for w in slot.inside)
        # Bits of the hand Tesseract read as words of their own inside the slot go too;
        # never a printed word of the line above that the slot's top reaches.
        _, ry0, _, ry1 = _reach(slot, line_h)
        replaced.update(id(w) for w in words if _bit_of_hand(w, slot, (x0 + inset, ry0, x1 - inset, ry1)))
        added += slot.trimmed
        joins.update(dict.fromkeys(slot.joined, slot.line))
    words = [replace(w, confidence=min(w.confidence, DISPUTED)) if id(w) in disputed else w for w in words]
    if not readings:
        return words, [], notes
    kept = [w for w in words if id(w) not in replaced] + added
    # The row's pieces become one line again, so it reads 'Số: 47 /QĐ-UBND'.
    kept = [replace(w, line=joins[w.line]) if w.line in joins else w for w in kept]
    return kept + readings, readings, notes
