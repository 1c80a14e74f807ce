"""Assemble the searchable PDF/A-2b: page images at their physical size, an invisible
text layer on the recognised words, XMP metadata and an sRGB output intent.

The scanned image is never resampled for the archive: turning a page upright and
straightening it is done by the matrix that draws the image, so the stored pixels are
exactly the scanner's while the page shows upright and straight, and the text layer
(in the upright frame where OCR found the words) lines up with it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pikepdf

from classifiers.tones import mend_line
from ocr.types import STATED, RecognisedPage, lines_of

from .glyphless import ASCENT, DESCENT, add_font, encode_text
from .xmp import build_xmp, pdf_date

SRGB_PROFILE_PATHS = ("/usr/share/color/icc/sRGB.icc", "/usr/share/color/icc/ghostscript/srgb.icc")
PRODUCER = "digitization-station (pikepdf)"


@dataclass
class ArchivePage:
    image_pdf: Path  # a PDF whose page `image_page` holds the page image as /Im0
    image_size: tuple[int, int]  # the image's pixel size
    matrix: np.ndarray  # image pixels -> upright page frame pixels (3×3)
    page: RecognisedPage
    image_page: int = 0  # 0 for pageimage.write_page_image's files; any page of one of our PDF/As


def archived_page(pdf: pikepdf.Pdf, path: Path, index: int, rp: RecognisedPage) -> ArchivePage:
    """Page `index` (0-based) of a PDF/A this module wrote, ready to go into another
    one as it is: the same image object, placed by the same matrix (read back from the
    page's drawing command), with its recognised words. Pages are moved between
    documents this way without decoding, resampling or reading them again."""
    page = pdf.pages[index]
    image = page.Resources.XObject.Im0
    size = (int(image.Width), int(image.Height))
    for operands, _op in pikepdf.parse_content_stream(page, "cm"):  # type: ignore[misc]
        placed = np.array(
            [
                [float(operands[0]), float(operands[2]), float(operands[4])],
                [float(operands[1]), float(operands[3]), float(operands[5])],
                [0, 0, 1.0],
            ]
        )
        break
    else:
        raise ValueError(f"page {index + 1} of {path.name} has no placed image")
    frame_to_pdf, unit_to_px = _placement(rp, size)
    matrix = np.linalg.inv(frame_to_pdf) @ placed @ np.linalg.inv(unit_to_px)
    return ArchivePage(path, size, matrix, rp, index)


def _placement(rp: RecognisedPage, image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The fixed parts of the image's drawing matrix: upright frame pixels -> PDF
    points (y up), and the image's unit square -> its pixels (y down)."""
    k = 72.0 / rp.dpi
    iw, ih = image_size
    frame_to_pdf = np.array([[k, 0, 0], [0, -k, rp.height_px * k], [0, 0, 1.0]])
    unit_to_px = np.array([[iw, 0, 0], [0, -ih, ih], [0, 0, 1.0]])
    return frame_to_pdf, unit_to_px


def srgb_profile() -> bytes:
    for p in SRGB_PROFILE_PATHS:
        if os.path.exists(p):
            with open(p, "rb") as f:
                return f.read()
    raise RuntimeError("no sRGB ICC profile found (Debian package icc-profiles-free)")


def build_pdfa(
    pages: list[ArchivePage],
    out: Path,
    title: str,
    fields: dict[str, str] | None = None,
    created: datetime | None = None,
) -> None:
    """Write the PDF/A to `out` atomically (a temporary name, then rename)."""
    created = created or datetime.now().astimezone()
    pdf = pikepdf.new()
    font = add_font(pdf)
    sources: dict[Path, pikepdf.Pdf] = {}  # must stay open until save: image data is copied lazily
    try:
        for ap in pages:
            if ap.image_pdf not in sources:
                sources[ap.image_pdf] = pikepdf.open(ap.image_pdf)
            image = pdf.copy_foreign(sources[ap.image_pdf].pages[ap.image_page].Resources.XObject.Im0)
            _add_page(pdf, ap, image, font)
        _finish(pdf, title, fields or {}, created)
        tmp = out.with_name(f".{out.name}.part")
        pdf.save(tmp, min_version="1.7", compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        os.replace(tmp, out)
    finally:
        for s in sources.values():
            s.close()
        pdf.close()


def _add_page(pdf: pikepdf.Pdf, ap: ArchivePage, image: pikepdf.Object, font: pikepdf.Object) -> None:
    rp = ap.page
    k = 72.0 / rp.dpi
    width_pt, height_pt = rp.width_px * k, rp.height_px * k
    # unit square of image space -> image pixels (y down) -> page frame -> PDF points (y up)
    frame_to_pdf, unit_to_px = _placement(rp, ap.image_size)
    m = frame_to_pdf @ ap.matrix @ unit_to_px
    cm = " ".join(_num(v) for v in (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2]))
    content = [f"q {cm} cm /Im0 Do Q"]
    content.append(text_layer(rp, k))
    page = pdf.add_blank_page(page_size=(width_pt, height_pt))
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im0=image),
        Font=pikepdf.Dictionary(F0=font),
    )
    page.Contents = pdf.make_stream("\n".join(content).encode("ascii"))


def text_layer(rp: RecognisedPage, k: float) -> str:
    """Invisible text (render mode 3), one positioned run per word, stretched (Tz) to
    the word's box. A space stretched to the next word follows each word but the last
    of a line, so extraction gives single spaces and a selection runs on without gaps,
    while each word's own extent stays exactly its box."""
    if not rp.words:
        return ""
    out = ["BT 3 Tr"]
    h_pt = rp.height_px * k
    em = (ASCENT - DESCENT) / 1000.0
    for line in lines_of(rp.words):
        top = min(w.box[1] for w in line)
        bottom = max(w.box[3] for w in line)
        size = max((bottom - top) * k / em, 1.0)
        glyph = 0.5 * size  # every glyph of the font is half an em wide
        baseline = h_pt - bottom * k - DESCENT / 1000.0 * size
        out.append(f"/F0 {_num(size)} Tf")
        # Tones OCR misread are mended in the text (classifiers.tones); what a PDF's
        # own text layer stated is kept as it stood.
        texts = [w.text for w in line]
        if all(w.confidence < STATED for w in line):
            texts = mend_line(texts)
        for i, (w, text) in enumerate(zip(line, texts)):
            x0, x1 = w.box[0] * k, w.box[2] * k
            tz = max(1.0, 100.0 * (x1 - x0) / (len(text) * glyph))
            run = f"1 0 0 1 {_num(x0)} {_num(baseline)} Tm {_num(tz)} Tz <{encode_text(text)}> Tj"
            if i + 1 < len(line):
                gap = max(line[i + 1].box[0] * k - x1, 0.1)
                run += f" {_num(100.0 * gap / glyph)} Tz <0020> Tj"
            out.append(run)
    out.append("ET")
    return "\n".join(out)


def _num(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _finish(pdf: pikepdf.Pdf, title: str, fields: dict[str, str], created: datetime) -> None:
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc.N = 3
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                Info=pikepdf.String("sRGB IEC61966-2.1"),
                DestOutputProfile=pdf.make_indirect(icc),
            )
        ]
    )
    creator = "digitization-station"
    # The metadata stream stays unfiltered: PDF/A-2 forbids a Filter on it.
    meta = pikepdf.Stream(pdf, build_xmp(title, created, PRODUCER, creator, fields))
    meta.Type = pikepdf.Name.Metadata
    meta.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = pdf.make_indirect(meta)
    pdf.Root.Lang = pikepdf.String("vi")
    # The Info dictionary must say the same as the XMP, entry for entry.
    d = pdf_date(created)
    pdf.trailer.Info = pdf.make_indirect(
        pikepdf.Dictionary(
            Title=pikepdf.String(title),
            Producer=pikepdf.String(PRODUCER),
            Creator=pikepdf.String(creator),
            CreationDate=pikepdf.String(d),
            ModDate=pikepdf.String(d),
        )
    )
