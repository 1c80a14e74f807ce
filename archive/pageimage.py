"""The archived image of one page, written as a one-page PDF holding just that image.

It keeps the scanner's pixels as they are: a JPEG goes in byte for byte, an image
taken out of a scanner PDF is copied as it was, and anything else is stored
losslessly. The archive then copies the image object from this small file (lazily:
qpdf reads the data only when the final PDF is written), so a long document never
holds all its images in memory."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pikepdf
from PIL import Image

from ocr.load import SourcePage

# Keys an image may not carry in PDF/A-2 (or must not set true).
_FORBIDDEN_IMAGE_KEYS = ("/Alternates", "/OPI")


def write_page_image(source: Path, page: SourcePage, out: Path) -> None:
    pdf = pikepdf.new()
    if page.passthrough and page.passthrough.kind == "pdf-xobject":
        with pikepdf.open(source) as src:
            xobj = pdf.copy_foreign(src.pages[page.passthrough.page - 1].Resources.XObject[page.passthrough.name])
            for key in _FORBIDDEN_IMAGE_KEYS:
                if key in xobj:
                    del xobj[key]
            if xobj.get("/Interpolate", False):
                xobj.Interpolate = False
            _save(pdf, xobj, out)
        return
    if page.passthrough and page.passthrough.kind == "jpeg":
        xobj = _jpeg(pdf, page.passthrough.data, page.image)
    elif page.lossy_source and page.image.mode != "1":
        # The pixels already went through a lossy codec (JPEG-in-TIFF): a high-quality
        # JPEG adds no visible loss, where lossless storage would be five times larger.
        buf = io.BytesIO()
        page.image.save(buf, "JPEG", quality=92, subsampling=0)
        xobj = _jpeg(pdf, buf.getvalue(), page.image)
    else:
        xobj = _png_flate(pdf, page.image)
    _save(pdf, xobj, out)


def _save(pdf: pikepdf.Pdf, xobj: pikepdf.Object, out: Path) -> None:
    page = pdf.add_blank_page(page_size=(100, 100))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(xobj)))
    pdf.save(out, compress_streams=False)


def _colour_space(mode: str) -> pikepdf.Name:
    return pikepdf.Name.DeviceGray if mode in ("L", "1") else pikepdf.Name.DeviceRGB


def _jpeg(pdf: pikepdf.Pdf, data: bytes, image: Image.Image) -> pikepdf.Stream:
    s = pikepdf.Stream(pdf, data)
    s.Type = pikepdf.Name.XObject
    s.Subtype = pikepdf.Name.Image
    s.Width, s.Height = image.size
    s.BitsPerComponent = 8
    s.ColorSpace = _colour_space(image.mode)
    s.Filter = pikepdf.Name.DCTDecode
    return s


# zlib strategies (Pillow's `compress_type`).
_Z_DEFAULT, _Z_HUFFMAN_ONLY = 0, 2
# A sample that deflates to more than this share of its raw size is scanner noise.
_NOISY = 0.25


def _deflate_settings(image: Image.Image) -> tuple[int, int]:
    """Deflate level and strategy for this page. The search for repeated strings pays
    on clean pages (runs of white, sharp text) but on a noisy scan it finds next to
    nothing at level 6 and costs 0.9-1.5 s of a core for an A4 page at 300 dpi. There,
    a greyscale page coded by Huffman alone after PNG's filters comes out smaller in a
    quarter of the time; a colour page (whose channels Huffman alone cannot relate) is
    smaller still at level 3, in less than half the time. A band of the page, deflated
    fast, says which kind of page this is."""
    if image.mode == "1":
        return 6, _Z_DEFAULT
    w, h = image.size
    band = image.crop((0, h // 2, w, h // 2 + max(1, h // 32)))
    buf = io.BytesIO()
    band.save(buf, "PNG", compress_level=1)
    if len(buf.getvalue()) <= _NOISY * band.width * band.height * len(band.getbands()):
        return 6, _Z_DEFAULT
    return (6, _Z_HUFFMAN_ONLY) if image.mode == "L" else (3, _Z_DEFAULT)


def _png_flate(pdf: pikepdf.Pdf, image: Image.Image) -> pikepdf.Stream:
    """Lossless: PNG's filtered, deflated scanlines are exactly a FlateDecode stream with
    PNG predictors, so Pillow's fast C encoder does the work."""
    buf = io.BytesIO()
    level, strategy = _deflate_settings(image)
    image.save(buf, "PNG", compress_level=level, compress_type=strategy)
    data = buf.getvalue()
    idat, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    bits = 1 if image.mode == "1" else 8
    colours = 3 if image.mode == "RGB" else 1
    s = pikepdf.Stream(pdf, b"".join(idat))
    s.Type = pikepdf.Name.XObject
    s.Subtype = pikepdf.Name.Image
    s.Width, s.Height = image.size
    s.BitsPerComponent = bits
    s.ColorSpace = _colour_space(image.mode)
    s.Filter = pikepdf.Name.FlateDecode
    s.DecodeParms = pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=bits, Columns=image.width)
    return s
