"""Lay a Document out on A4 pages at 300 dpi in the Decree 30 layout (Appendix I)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .content import Document

DPI = 300
A4_PX = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))  # 2480 × 3508
INK = (25, 25, 25)
RED = (205, 35, 40)


def mm(v: float) -> int:
    return round(v / 25.4 * DPI)


def pt(v: float) -> int:
    return round(v / 72 * DPI)


_FONT_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}
_FONT_DIRS = ["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation"]


@cache
def font(style: str, size_pt: float) -> ImageFont.FreeTypeFont:
    name = _FONT_FILES[style]
    for d in _FONT_DIRS:
        try:
            return ImageFont.truetype(f"{d}/{name}", pt(size_pt))
        except OSError:
            continue
    if shutil.which("fc-match"):
        path = subprocess.run(
            ["fc-match", "-f", "%{file}", name.removesuffix(".ttf")], capture_output=True, text=True
        ).stdout
        return ImageFont.truetype(path, pt(size_pt))
    raise RuntimeError("Liberation Serif is not installed (Debian package fonts-liberation2)")


@dataclass
class RenderedPage:
    image: Image.Image
    lines: list[str] = field(default_factory=list)  # ground truth text, one entry per drawn line
    header_box: tuple[int, int, int, int] = (0, 0, 0, 0)
    signature_box: tuple[int, int, int, int] | None = None
    drawn: list[tuple[str, float, int, str, float, tuple[int, int, int]]] = field(default_factory=list)
    rules: list[tuple[int, int, int]] = field(default_factory=list)
    arrival: dict[str, int] | None = None  # what the ĐẾN stamp says, when one was stamped (degrade)


class _Page:
    def __init__(self) -> None:
        self.image = Image.new("RGB", A4_PX, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[str] = []
        # What was drawn, for a born-digital twin of the page (tests.synthetic.digital):
        # (text, left x, top y, style, size in pt, colour) and rules (x0, x1, y).
        self.drawn: list[tuple[str, float, int, str, float, tuple[int, int, int]]] = []
        self.rules: list[tuple[int, int, int]] = []

    def text(
        self, s: str, x: int, y: int, style: str, size: float, anchor: str = "l", fill=INK
    ) -> tuple[int, int, int, int]:
        """Draw one line with its top at y; anchor l/c/r is where x sits. Returns its box."""
        f = font(style, size)
        w = self.draw.textlength(s, font=f)
        x0 = x if anchor == "l" else x - w / 2 if anchor == "c" else x - w
        self.draw.text((x0, y), s, font=f, fill=fill)
        self.lines.append(s)
        self.drawn.append((s, x0, y, style, size, fill))
        return (int(x0), y, int(x0 + w), y + pt(size))

    def rule(self, xc: int, y: int, width: int) -> None:
        self.draw.line((xc - width // 2, y, xc + width // 2, y), fill=INK, width=3)
        self.rules.append((xc - width // 2, xc + width // 2, y))

    def width(self, s: str, style: str, size: float) -> float:
        return self.draw.textlength(s, font=font(style, size))


def wrap(page: _Page, text: str, style: str, size: float, max_w: float, indent: float = 0) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        limit = max_w - (indent if not lines else 0)
        if cur and page.width(trial, style, size) > limit:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines


LEFT, RIGHT = mm(30), A4_PX[0] - mm(15)
LEFT_COL_C, RIGHT_COL_C = mm(62), mm(145)
BOTTOM = A4_PX[1] - mm(20)


def render_document(doc: Document) -> list[RenderedPage]:
    pages: list[_Page] = [_Page()]
    p = pages[0]
    y = mm(20)
    # Header: issuer block (left) beside the national title (right).
    left_lines = ([(doc.parent, "regular")] if doc.parent else []) + [
        (ln, "bold") for ln in wrap(p, doc.issuer, "bold", 12.5, mm(74))
    ]
    ly = y
    for s, style in left_lines:
        p.text(s, LEFT_COL_C, ly, style, 12.5, "c")
        ly += pt(15)
    p.rule(LEFT_COL_C, ly + pt(2), mm(25))
    p.text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", RIGHT_COL_C, y, "bold", 12.5, "c")
    p.text("Độc lập - Tự do - Hạnh phúc", RIGHT_COL_C, y + pt(15), "bold", 13.5, "c")
    p.rule(RIGHT_COL_C, y + pt(15) + pt(16), mm(58))
    y = max(ly, y + pt(30)) + pt(14)
    if doc.handwritten:
        _handwritten_header(p, doc, y)
    else:
        p.text(f"Số: {doc.notation}", LEFT_COL_C, y, "regular", 13, "c")
        p.text(doc.date_line, RIGHT_COL_C, y, "italic", 13.5, "c")
    header_bottom = y + pt(14)
    y += pt(22)
    if doc.type_heading is None:
        for ln in wrap(p, f"V/v {doc.subject}", "regular", 12, mm(70)):
            p.text(ln, LEFT_COL_C, y, "regular", 12, "c")
            y += pt(14)
    for mark, colour in ((doc.secrecy, INK), (doc.urgency, RED)):
        if mark:
            box = p.text(mark, LEFT_COL_C, y + pt(4), "bold", 13, "c", fill=colour)
            p.draw.rectangle((box[0] - pt(6), box[1] - pt(3), box[2] + pt(6), box[3] + pt(5)), outline=colour, width=3)
            y += pt(24)
    y += pt(14)
    if doc.type_heading:
        # One heading in four set with wide gaps between its words, as some offices do:
        # OCR splits its line at the gap.
        wide = doc.number % 4 == 1 and " " in doc.type_heading
        heading = (" " * 9).join(doc.type_heading.split()) if wide else doc.type_heading
        p.text(heading, A4_PX[0] // 2 + mm(7), y, "bold", 14, "c")
        y += pt(18)
        for ln in wrap(p, f"Về việc {doc.subject}", "bold", 14, mm(120)):
            p.text(ln, A4_PX[0] // 2 + mm(7), y, "bold", 14, "c")
            y += pt(17)
        if doc.number % 3 == 2:
            # One paper in three sets no rule under its subject, and a decision's
            # authority follows it as closely as its own lines ('GIÁM ĐỐC SỞ NỘI VỤ').
            if doc.type_heading == "QUYẾT ĐỊNH":
                p.text(authority_line(doc), A4_PX[0] // 2 + mm(7), y + pt(4), "bold", 14, "c")
                y += pt(21)
            y += pt(8)
        else:
            p.rule(A4_PX[0] // 2 + mm(7), y + pt(3), mm(40))
            y += pt(18)
    else:
        x = LEFT + mm(30)
        first = True
        for a in doc.addressees:
            s = f"Kính gửi: {a}" if first else a
            p.text(s, x if first else x + round(p.width("Kính gửi: ", "regular", 14)), y, "regular", 14)
            first = False
            y += pt(18)
        y += pt(8)

    # Body: justified paragraphs, first-line indent, flowing onto further pages.
    size, lead = 14, pt(14 * 1.25)
    indent = mm(10)
    for para in doc.body:
        lines = wrap(p, para, "regular", size, RIGHT - LEFT, indent)
        for i, ln in enumerate(lines):
            if y + lead > BOTTOM:
                p = _Page()
                pages.append(p)
                p.text(str(len(pages)), A4_PX[0] // 2, mm(12), "regular", 13, "c")
                y = mm(25)
            x0 = LEFT + (indent if i == 0 else 0)
            if i < len(lines) - 1:
                _justify(p, ln, x0, RIGHT, y, size)
            else:
                p.text(ln, x0, y, "regular", size)
            y += lead
        y += pt(6)

    # Signature block (right) beside the recipients (left), kept together on a page.
    block_h = pt(16) * (2 + len(doc.signer_titles)) + mm(28) + pt(18)
    rec_h = pt(15) + pt(13) * (len(doc.recipients) + 1)
    if y + max(block_h, rec_h) + pt(10) > BOTTOM:
        p = _Page()
        pages.append(p)
        p.text(str(len(pages)), A4_PX[0] // 2, mm(12), "regular", 13, "c")
        y = mm(25)
    y += pt(10)
    sy = y
    ry = y
    p.text("Nơi nhận:", LEFT, ry, "bolditalic", 12)
    ry += pt(15)
    for r in doc.recipients + ["Lưu: VT, " + doc.notation.split("-")[-1] + "."]:
        p.text(f"- {r}", LEFT, ry, "regular", 11)
        ry += pt(13)
    sig_top = sy
    for ln in ([doc.signing_authority] if doc.signing_authority else []) + doc.signer_titles:
        p.text(ln, RIGHT_COL_C, sy, "bold", 13.5, "c")
        sy += pt(16)
    sy += mm(28)
    name_box = p.text(doc.signer, RIGHT_COL_C, sy, "bold", 14, "c")
    rendered = []
    for i, pg in enumerate(pages):
        rp = RenderedPage(pg.image, pg.lines, drawn=pg.drawn, rules=pg.rules)
        if i == 0:
            rp.header_box = (LEFT, mm(18), RIGHT, header_bottom)
        if pg is p:
            rp.signature_box = (RIGHT_COL_C - mm(45), sig_top, RIGHT_COL_C + mm(45), name_box[3])
        rendered.append(rp)
    return rendered


HANDWRITING = "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf"  # never trained on
PEN = (30, 60, 170)  # blue ballpoint


def _handwritten_header(p: _Page, doc: Document, y: int) -> None:
    """`Số:      /QĐ-UBND` and `..., ngày      tháng 01 năm 2025` printed with gaps,
    the number and the day written into them in blue, a little askew, as a văn thư
    does on the signed paper."""
    number = doc.notation.split("/", 1)[0]
    tail = doc.notation[len(number) :]
    # One in three văn thư writes small and raised, in a slot left narrow (seen on real
    # paper: OCR then runs the digits into the print around them).
    small = doc.number % 3 == 0
    gap = mm(10) if small else mm(16)
    lw = p.width("Số: ", "regular", 13) + gap + p.width(tail, "regular", 13)
    x = round(LEFT_COL_C - lw / 2)
    p.text("Số:", x, y, "regular", 13)
    p.text(tail, round(x + lw - p.width(tail, "regular", 13)), y, "regular", 13)
    at = round(x + p.width("Số: ", "regular", 13) + mm(1))
    # One in four writes the number joined, each digit begun over the end of the one
    # before and linked to it (seen on real paper: such digits cannot be cut apart).
    joined = doc.number % 4 == 1
    _pen(p, number, at, y - pt(4) if small else y, seed=doc.number, size=13 if small else 17, joined=joined)
    month = doc.date_line.split(" tháng ", 1)[1]
    before, after = f"{doc.place}, ngày", f"tháng {month}"
    rw = p.width(before + " ", "italic", 13.5) + mm(12) + p.width(after, "italic", 13.5)
    x = round(RIGHT_COL_C - rw / 2)
    p.text(before, x, y, "italic", 13.5)
    p.text(after, round(x + rw - p.width(after, "italic", 13.5)), y, "italic", 13.5)
    if doc.day % 4 == 3:
        # One in four prints the day's gap as a dotted leader, written over (seen on real
        # paper: OCR reads the dots into 'ngày', even as 'ngài.......').
        gap_x = round(x + p.width(before + " ", "italic", 13.5))
        p.text("." * 9, gap_x, y, "italic", 13.5)
    # One in five writes the day small, raised and in black (seen on real paper: OCR
    # reads it as a line of its own, and no colour tells it from print).
    black = doc.day % 5 == 1
    _pen(
        p,
        f"{doc.day:02d}" if doc.day < 10 and doc.number % 2 else str(doc.day),
        round(x + p.width(before + " ", "italic", 13.5) + mm(1)),
        y - pt(3) if black else y,
        seed=doc.day,
        size=12 if black else 17,
        colour=INK if black else PEN,
    )


def _pen(
    p: _Page,
    digits: str,
    x: int,
    y: int,
    seed: int,
    size: float = 17,
    joined: bool = False,
    colour: tuple[int, int, int] = PEN,
) -> None:
    f = ImageFont.truetype(HANDWRITING, pt(size))
    w = round(p.draw.textlength(digits, font=f)) + 20
    layer = Image.new("L", (w, pt(26)), 0)
    draw = ImageDraw.Draw(layer)
    if joined:
        at, end = 10.0, None
        for k, digit in enumerate(digits):
            x0, y0, x1, y1 = draw.textbbox((at, 0), digit, font=f)
            draw.text((at, 0), digit, fill=255, font=f)
            stroke = max(2, pt(size) // 14)
            if digit == "1":
                # A 1 begun on the baseline, the pen rising to its top ('ʌ'): 1s so
                # written in a row join at their feet into a zigzag (seen on real paper).
                foot = (x0 - 0.25 * (x1 - x0), y1)
                draw.line([foot, (x0 + 0.6 * (x1 - x0), y0 + 1)], fill=255, width=stroke)
                if end is not None:
                    draw.line([end, foot], fill=255, width=stroke)
            elif end is not None:  # the pen's connecting stroke
                draw.line([end, (x0 + 2, y1 - 0.35 * (y1 - y0))], fill=255, width=stroke)
            end = (x1 - 2, y1 - 0.2 * (y1 - y0))
            at += (x1 - x0) * (0.7 - 0.05 * ((seed + k) % 3))
    else:
        draw.text((10, 0), digits, fill=255, font=f)
        if seed % 2 == 0:
            # One in two lifts the pen off a 5 before its flag (seen on real paper: the
            # flag stands apart, too flat for a digit of its own).
            for k in (k for k, d in enumerate(digits) if d == "5"):
                box = draw.textbbox((10 + draw.textlength(digits[:k], font=f), 0), "5", font=f)
                layer = lift_flag(layer, tuple(round(v) for v in box), max(2, pt(size) // 20))
    layer = layer.rotate((seed % 7) - 3, resample=Image.BICUBIC, expand=False)
    ink = Image.new("RGB", layer.size, colour)
    p.image.paste(ink, (x, y - pt(8)), layer)


def lift_flag(layer: Image.Image, box: tuple[int, ...], lift: int) -> Image.Image:
    """`layer` (ink white on black) with the top fifth of the 5 in `box` lifted by
    `lift` pixels off the rest of it: its flag written apart, as a pen lifted before it."""
    x0, y0, x1, y1 = box
    cut = y0 + round(0.2 * (y1 - y0))
    ink = np.asarray(layer).copy()
    top = ink[y0:cut, x0:x1].copy()
    ink[y0:cut, x0:x1] = 0
    up = max(0, y0 - lift)
    ink[up : up + cut - y0, x0:x1] = np.maximum(ink[up : up + cut - y0, x0:x1], top)
    return Image.fromarray(ink)


def _justify(p: _Page, line: str, x0: int, x1: int, y: int, size: float) -> None:
    words = line.split()
    f = font("regular", size)
    widths = [p.draw.textlength(w, font=f) for w in words]
    gap = (x1 - x0 - sum(widths)) / max(1, len(words) - 1)
    x = float(x0)
    for w, wd in zip(words, widths):
        p.draw.text((x, y), w, font=f, fill=INK)
        p.drawn.append((w, x, y, "regular", size, INK))
        x += wd + gap
    p.lines.append(line)


def authority_line(doc: Document) -> str:
    """A decision's authority under its subject: the head of the issuing body, by
    name ('CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ...', 'GIÁM ĐỐC SỞ NỘI VỤ')."""
    head = doc.signer_titles[0]
    for prefix in ("KT. ", "TL. ", "TM. ", "TUQ. ", "Q. "):
        head = head.removeprefix(prefix)
    return f"{head} {doc.issuer}"
