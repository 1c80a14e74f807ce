"""Born-digital twins of the synthetic documents: PDFs with a real text layer, as Word or
an e-office system exports them, with the troubles seen on real files.

- `unicode`: Liberation Serif embedded, text in Unicode (what Word writes today);
- `tcvn3` / `vni`: the text stored in an old 8-bit Vietnamese encoding under a plain
  WinAnsi font, as a document typed with .VnTime or VNI-Times fonts comes out;
- `number_as_image`: the number of "Số:" stamped as a picture, the rest text (e-office
  systems that write the number onto the signed file);
- `lost_letters`: the bold font's Unicode map lacks some capitals, so the layer drops
  them ("CÔNG NG ỆP"), as a real exported PDF did;
- `scan_with_ocr_layer`: the page is a scan with an invisible, garbled OCR layer on it.

Geometry comes from the same layout as the scans (render.py), so the fields are the
same and the truth is the document's."""

from __future__ import annotations

import io
import random
import unicodedata
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

from ocr.vietnamese import _TCVN3, _VNI_LETTERS, _VNI_MARKS

from .content import Document
from .render import _FONT_DIRS, _FONT_FILES, A4_PX, DPI, font, render_document

_STYLE_CODE = {"regular": "", "bold": "B", "italic": "I", "bolditalic": "BI"}
_PT = 72 / DPI  # points per rendered pixel


def digital_pdf(
    doc: Document, path: Path, encoding: str = "unicode", number_as_image: bool = False, lost_letters: str = ""
) -> Path:
    """Write `doc` as a born-digital PDF at `path`."""
    pdf = FPDF(unit="pt", format=(A4_PX[0] * _PT, A4_PX[1] * _PT))
    pdf.set_auto_page_break(False)
    if encoding == "unicode":
        for style, code in _STYLE_CODE.items():
            pdf.add_font("Serif", code, _font_file(style))
    for page in render_document(doc):
        pdf.add_page()
        for text, x, y, style, size, colour in page.drawn:
            pdf.set_text_color(*colour)
            if number_as_image and text.startswith("Số: ") and "/" in text:
                _number_as_image(pdf, text, x, y, style, size, encoding)
                continue
            _text(pdf, text, x, y, style, size, encoding)
        for x0, x1, y in page.rules:
            pdf.set_line_width(3 * _PT)
            pdf.line(x0 * _PT, y * _PT, x1 * _PT, y * _PT)
    pdf.output(str(path))
    if lost_letters:
        _lose_letters(path, lost_letters)
    return path


def _lose_letters(path: Path, letters: str) -> None:
    """Drop `letters` from the ToUnicode maps of the bold fonts: the glyphs are drawn,
    but a text extractor finds no character for them."""
    import re

    import pikepdf

    codes = "|".join(f"{ord(c):04X}" for c in letters)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            for f in page.Resources.Font.values():
                if "Bold" not in str(f.get("/BaseFont", "")) or "/ToUnicode" not in f:
                    continue
                lines = f.ToUnicode.read_bytes().decode().split("\n")
                kept = [ln for ln in lines if not re.fullmatch(rf"<[0-9A-F]{{4}}> <({codes})>", ln)]
                count = sum(1 for ln in kept if re.fullmatch(r"<[0-9A-F]{4}> <[0-9A-F]{4,}>", ln))
                f.ToUnicode.write(re.sub(r"\d+ beginbfchar", f"{count} beginbfchar", "\n".join(kept)).encode())
        pdf.save(path)


def scan_with_ocr_layer(image: Image.Image, path: Path, lines: list[str], seed: int = 0) -> Path:
    """A scanned page (`image`, 300 dpi) with an invisible OCR layer of garbled text, as
    scanner software writes it: the station must read the pixels, not this layer."""
    rng = random.Random(seed)
    pdf = FPDF(unit="pt", format=(A4_PX[0] * _PT, A4_PX[1] * _PT))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=85)
    pdf.image(buf, 0, 0, A4_PX[0] * _PT, A4_PX[1] * _PT)
    pdf.set_font("Times", size=11)
    pdf.text_mode = "INVISIBLE"
    for i, line in enumerate(lines):
        pdf.text(60, 60 + 14 * i, _garble(line, rng))
    pdf.output(str(path))
    return path


def _font_file(style: str) -> str:
    for d in _FONT_DIRS:
        p = Path(d) / _FONT_FILES[style]
        if p.exists():
            return str(p)
    return str(font(style, 12).path)


def _text(pdf: FPDF, text: str, x: float, y: int, style: str, size: float, encoding: str) -> None:
    ascent = font(style, size).getmetrics()[0]
    if encoding == "unicode":
        pdf.set_font("Serif", _STYLE_CODE[style], size)
        pdf.text(x * _PT, (y + ascent) * _PT, text)
        return
    # A legacy font: WinAnsi bytes that mean Vietnamese letters only in that font.
    pdf.set_font("Times", _STYLE_CODE[style], size)
    pdf.text(x * _PT, (y + ascent) * _PT, to_tcvn3(text) if encoding == "tcvn3" else to_vni(text))


def _number_as_image(pdf: FPDF, text: str, x: float, y: int, style: str, size: float, encoding: str) -> None:
    """'Số:      /QĐ-UBND' printed with a gap, as the template leaves it, and the digits
    stamped into the gap as a picture, as an e-office system does on issuing."""
    number, tail = text.removeprefix("Số: ").split("/", 1)
    tail = "/" + tail
    f = font(style, size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    lead_w, tail_w = probe.textlength("Số: ", font=f), probe.textlength(tail, font=f)
    gap = 16 / 25.4 * DPI
    centre = x + probe.textlength(text, font=f) / 2
    left = centre - (lead_w + gap + tail_w) / 2
    _text(pdf, "Số:", left, y, style, size, encoding)
    _text(pdf, tail, left + lead_w + gap, y, style, size, encoding)
    stamp = Image.new("L", (round(probe.textlength(number, font=f)) + 8, round(size / _PT * 1.3)), 255)
    ImageDraw.Draw(stamp).text((4, 0), number, font=f, fill=0)
    buf = io.BytesIO()
    stamp.save(buf, "PNG")
    at = left + lead_w + (gap - stamp.width) / 2
    pdf.image(buf, at * _PT, y * _PT, stamp.width * _PT, stamp.height * _PT)


# --- the legacy encodings, from Unicode (the tests' side) ------------------------------

_TO_TCVN3 = {u: t for t, u in _TCVN3.items()}
_TONE_OF = {v: k for k, v in _VNI_MARKS.items() if k.islower()}
_VNI_OF = {v: k for k, v in _VNI_LETTERS.items()}


def to_tcvn3(text: str) -> str:
    """As typed with an ABC font (.VnTime): capitals with tone marks do not exist there,
    so a capital takes its lower-case code (the way an ABC document loses case)."""
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c in _TO_TCVN3:
            out.append(_TO_TCVN3[c])
        elif c.lower() in _TO_TCVN3 and not c.isascii():
            out.append(_TO_TCVN3[c.lower()])
        else:
            out.append(c)
    return "".join(out)


def to_vni(text: str) -> str:
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c in _VNI_OF:
            out.append(_VNI_OF[c])
            continue
        d = unicodedata.normalize("NFD", c)
        base, marks = d[0], d[1:]
        if not marks:
            out.append(c)
            continue
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m == "\u031b"))
        rest = "".join(m for m in marks if m != "\u031b")
        if letter in _VNI_OF:
            out.append(_VNI_OF[letter])
        else:
            out.append(letter)
        if rest:
            # Circumflex/breve first, then the tone, as one VNI mark.
            order = sorted(rest, key=lambda m: m not in ("\u0302", "\u0306"))
            mark = _TONE_OF["".join(order)]
            out.append(mark.upper() if c.isupper() else mark)
    return "".join(out)


def _garble(line: str, rng: random.Random) -> str:
    """What a poor scanner OCR makes of a line: tone marks lost, letters swapped."""
    plain = "".join(ch for ch in unicodedata.normalize("NFD", line) if not unicodedata.combining(ch))
    plain = plain.replace("đ", "d").replace("Đ", "D")
    swaps = {"o": "0", "l": "1", "e": "c", "a": "o", "n": "ri", "h": "b"}
    return (
        "".join(swaps.get(ch, ch) if rng.random() < 0.3 else ch for ch in plain)
        .encode("latin-1", "replace")
        .decode("latin-1")
    )
