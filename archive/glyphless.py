"""The invisible font of the text layer.

Recognised text is drawn in text render mode 3 (invisible) over the page image. PDF/A
still requires the font program to be embedded, so we embed a tiny TrueType font
with one empty glyph 500 units wide and map every character code to it (as
Tesseract's own PDF renderer does). Each word is then stretched with Tz to the
width of its box, which makes selection and search highlights land on the word."""

from __future__ import annotations

import io
import zlib
from functools import lru_cache

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

FONT_NAME = "GlyphLessFont"
ADVANCE = 500  # per 1000 em: a glyph is half as wide as the font size
ASCENT, DESCENT = 800, -200


@lru_cache(maxsize=1)
def font_program() -> bytes:
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "blank"])
    fb.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({".notdef": empty, "blank": TTGlyphPen(None).glyph()})
    fb.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "blank": (ADVANCE, 0)})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT, usWinDescent=-DESCENT)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _to_unicode_cmap() -> bytes:
    # CIDs are UTF-16 code units (Identity-H), so the map is the identity. Each bfrange
    # may only vary in its last byte, hence one range per high byte; surrogates excluded.
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    chunks = [ranges[i : i + 100] for i in range(0, len(ranges), 100)]
    body = "\n".join(f"{len(c)} beginbfrange\n" + "\n".join(c) + "\nendbfrange" for c in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def add_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """Add the font objects to `pdf` once; returns the Type0 font to put in resources."""
    program = font_program()
    font_file = pikepdf.Stream(pdf, zlib.compress(program))
    font_file.Filter = pikepdf.Name.FlateDecode
    font_file.Length1 = len(program)
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + FONT_NAME),
            Flags=5,
            FontBBox=[0, DESCENT, ADVANCE, ASCENT],
            ItalicAngle=0,
            Ascent=ASCENT,
            Descent=DESCENT,
            CapHeight=ASCENT,
            StemV=80,
            FontFile2=font_file,
        )
    )
    # Every CID -> glyph 1 (the blank glyph); never .notdef, which PDF/A forbids showing.
    gid_map = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536))
    gid_map.Filter = pikepdf.Name.FlateDecode
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
            ),
            FontDescriptor=descriptor,
            DW=ADVANCE,
            CIDToGIDMap=gid_map,
        )
    )
    to_unicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap()))
    to_unicode.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=to_unicode,
        )
    )


def encode_text(text: str) -> str:
    """Hex string of UTF-16BE code units: CIDs under Identity-H, and (through the
    ToUnicode map) the characters themselves. Non-BMP characters become U+FFFD."""
    return "".join(f"{ord(ch) if ord(ch) < 0x10000 else 0xFFFD:04X}" for ch in text)
