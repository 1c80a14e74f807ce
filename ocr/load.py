"""Open scanner output (TIFF, JPEG, PNG, PDF) one page at a time.

`count_pages` checks a file and says how many pages it has; `load_page` decodes one
page. Pages are loaded on demand so a 100-page TIFF never sits in memory at once, and
a page can be loaded in whichever process will work on it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pikepdf
from PIL import Image, UnidentifiedImageError

from .errors import InputError

# 600-dpi A3 is ~70 Mpx; anything far beyond that is not a page scan but a mistake or
# a decompression bomb, and would exhaust memory in the decoder.
MAX_PIXELS = 150_000_000
# What one page may cost in memory is bounded separately, and lower: decoding,
# cleanup, deskew and recognition hold about 20 bytes per pixel at their peak (a
# 144-Mpx page took 2.96 GB in one worker), so 100 Mpx keeps a worker near 2 GB.
# A3 at 600 dpi is 70 Mpx. Callers pass a lower limit on machines with less memory.
PAGE_PIXELS = 100_000_000
MIN_SIDE_PX = 200
# Scanner software often writes a placeholder resolution (72 or 96 dpi). A stated
# resolution is only believed if it makes the page between A6 and A2 in size.
_PLAUSIBLE_LONG_SIDE_MM = (140.0, 600.0)
A4_LONG_SIDE_MM = 297.0
RASTER_DPI = 300

Kind = Literal["tiff", "jpeg", "png", "pdf", "bmp", "gif", "jp2", "webp"]
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class Passthrough:
    """Already-compressed image data that can go into the PDF unchanged.

    kind "jpeg": `data` is a JPEG file (DCTDecode). kind "pdf-xobject": the image
    XObject `name` of page `page` of the source PDF is copied as it is."""

    kind: Literal["jpeg", "pdf-xobject"]
    data: bytes = b""
    page: int = 0
    name: str = ""


@dataclass
class SourcePage:
    index: int  # 1-based
    image: Image.Image  # decoded pixels, mode "1", "L" or "RGB"
    dpi: tuple[float, float]
    dpi_assumed: bool
    lossy_source: bool  # pixels came from a lossy codec (re-encode as JPEG, not Flate)
    passthrough: Passthrough | None = None


def sniff(path: Path) -> Kind:
    """The file's real type from its first bytes (the extension is not trusted)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("the file does not exist (it may have been moved or deleted)")
    if size == 0:
        raise InputError("the file is empty (0 bytes)")
    with path.open("rb") as f:
        head = f.read(1024)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"%PDF-" in head:
        return "pdf"
    # What scanner software also saves, whatever the file is named (a bilevel BMP
    # called .jpg is a real case): the content decides.
    if head.startswith(b"BM") and len(head) > 26:
        return "bmp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "jp2"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    raise InputError("this is not a scan: the file is not a TIFF, JPEG, PNG, BMP, GIF, JPEG 2000, WebP or PDF image")


def count_pages(path: Path) -> int:
    """Number of pages, after checking that the file opens. Raises InputError."""
    kind = sniff(path)
    if kind == "pdf":
        with _open_pdf(path) as pdf:
            n = len(pdf.pages)
            active = _active_content(pdf)
        if active:
            raise InputError(
                f"the PDF carries {active}, active content that runs when the file is opened; the station "
                "does not take such files: ask the sender for a plain PDF (or print this one to PDF)"
            )
    else:
        with _open_image(path) as im:
            n = getattr(im, "n_frames", 1)
    if n < 1:
        raise InputError("the file contains no pages")
    return n


def load_page(path: Path, index: int, max_pixels: int = PAGE_PIXELS) -> SourcePage:
    """Decode page `index` (1-based). Raises InputError for anything unreadable, and for
    a page of more than `max_pixels` (checked before its pixels are decoded)."""
    kind = sniff(path)
    if kind == "pdf":
        return _load_pdf_page(path, index, max_pixels)
    with _open_image(path) as im:
        if index > 1:
            try:
                im.seek(index - 1)
            except EOFError:
                raise InputError(f"page {index} is missing from the file")
        _check_size(im.width, im.height, max_pixels)
        image = _decode(im, index)
        dpi, assumed = _resolution(im, image.size)
        compression = im.info.get("compression", "")
    lossy = kind in ("jpeg", "jp2", "webp") or compression in ("jpeg", "tiff_jpeg")
    passthrough = None
    if kind == "jpeg" and image.mode in ("L", "RGB"):
        passthrough = Passthrough("jpeg", data=path.read_bytes())
    return SourcePage(index, image, dpi, assumed, lossy, passthrough)


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"the image is too large to be a page scan (over {MAX_PIXELS // 1_000_000} megapixels)")
    except UnidentifiedImageError:
        raise InputError("the image is damaged and cannot be read (unrecognised image data)")
    except OSError as e:
        raise InputError(f"the image cannot be read ({_plain(e)})")
    _check_size(im.width, im.height)
    return im


def _check_size(w: int, h: int, limit: int = MAX_PIXELS) -> None:
    if w * h > limit:
        raise InputError(
            f"the image is {w}×{h} pixels ({w * h / 1e6:.0f} megapixels), too large to be a page scan "
            f"(limit {limit // 1_000_000} megapixels; STATION_MAX_PAGE_MEGAPIXELS raises it)"
        )
    if min(w, h) < MIN_SIDE_PX:
        raise InputError(f"the image is only {w}×{h} pixels, too small to be a page scan")


def _decode(im: Image.Image, index: int) -> Image.Image:
    try:
        im.load()
        mode = im.mode
        if mode in ("1", "L", "RGB"):
            return im.copy()
        if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        if mode.startswith("I;16") or mode in ("I", "F"):
            # 16-bit greyscale: scale to 8 bits.
            import numpy as np

            a = np.asarray(im, dtype=np.float32)
            top = float(a.max()) or 1.0
            return Image.fromarray((a * (255.0 / top)).clip(0, 255).astype("uint8"), "L")
        return im.convert("RGB")
    except OSError as e:
        where = f"page {index}" if index > 1 else "the image"
        raise InputError(f"{where} is truncated or damaged and cannot be decoded ({_plain(e)})")


def _resolution(im: Image.Image, size: tuple[int, int]) -> tuple[tuple[float, float], bool]:
    dpi = im.info.get("dpi")
    if not dpi and "resolution" in im.info:
        # TIFF in pixels per centimetre
        res = im.info["resolution"]
        unit = im.info.get("resolution_unit", 2)
        dpi = tuple(float(r) * 2.54 for r in res) if unit == 3 else res
    return plausible_dpi(dpi, size)


def plausible_dpi(dpi: tuple[float, float] | None, size: tuple[int, int]) -> tuple[tuple[float, float], bool]:
    """The resolution to use and whether it was assumed (A4) rather than stated."""
    try:
        x, y = float(dpi[0]), float(dpi[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        x = y = 0.0
    if x > 0 and y > 0:
        long_mm = max(size[0] / x, size[1] / y) * 25.4
        if _PLAUSIBLE_LONG_SIDE_MM[0] <= long_mm <= _PLAUSIBLE_LONG_SIDE_MM[1]:
            return (x, y), False
    assumed = round(max(size) / (A4_LONG_SIDE_MM / 25.4))
    return (float(assumed), float(assumed)), True


def _plain(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return msg[:160]


# --- PDF ---------------------------------------------------------------------------


def _open_pdf(path: Path) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputError("the PDF is encrypted with a password; save an unprotected copy and scan it in again")
    except pikepdf.PdfError as e:
        raise InputError(f"the PDF is damaged and cannot be opened ({_plain(e)})")


def _active_content(pdf: pikepdf.Pdf) -> str | None:
    """'JavaScript' or 'a Launch action' when any object of the PDF holds one. Such a
    file would be kept and delivered byte for byte as the sender's original, so it is
    refused at the door instead."""
    for obj in pdf.objects:
        d = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
        if not isinstance(d, pikepdf.Dictionary):
            continue
        if d.get("/S") == pikepdf.Name.JavaScript or "/JS" in d:
            return "JavaScript"
        if d.get("/S") == pikepdf.Name.Launch:
            return "a Launch action"
    return None


_IMAGE_ONLY_OPS = {"q", "Q", "cm", "Do"}
_PASSTHROUGH_FILTERS = {"/DCTDecode", "/CCITTFaxDecode", "/FlateDecode", "/JBIG2Decode"}


def _load_pdf_page(path: Path, index: int, max_pixels: int) -> SourcePage:
    with _open_pdf(path) as pdf:
        if index > len(pdf.pages):
            raise InputError(f"page {index} is missing from the PDF")
        page = pdf.pages[index - 1]
        try:
            single = _single_image(page)
        except pikepdf.PdfError as e:
            raise InputError(f"page {index} of the PDF is damaged ({_plain(e)})")
        if single is not None:
            name, xobj, dpi = single
            _check_size(int(xobj.Width), int(xobj.Height), max_pixels)
            pim = pikepdf.PdfImage(xobj)  # type: ignore[arg-type]
            filters = [str(f) for f in pim.filters]
            try:
                image = _to_page_mode(pim.as_pil_image())
            except Exception:  # noqa: BLE001 - whatever PIL cannot decode, poppler may
                # Codecs PIL lacks (JBIG2): let poppler decode the page at the image's own size.
                image = _rasterise(path, index, size=(int(xobj.Width), int(xobj.Height)))
            return SourcePage(
                index,
                image,
                dpi,
                False,
                lossy_source="/DCTDecode" in filters,
                passthrough=Passthrough("pdf-xobject", page=index, name=name),
            )
        box = page.mediabox
        w_pt, h_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    w_px, h_px = round(w_pt / 72 * RASTER_DPI), round(h_pt / 72 * RASTER_DPI)
    _check_size(w_px, h_px, max_pixels)
    image = _rasterise(path, index, size=(w_px, h_px))
    return SourcePage(index, image, (RASTER_DPI, RASTER_DPI), False, lossy_source=False)


def _single_image(page: pikepdf.Page) -> tuple[str, pikepdf.Object, tuple[float, float]] | None:
    """(name, XObject, dpi) when the page is nothing but one image covering it, drawn
    upright, in a colour space PDF/A can carry; otherwise None (the page is rasterised)."""
    xobjects: Any = page.get("/Resources", {}).get("/XObject", {})  # type: ignore[call-overload]
    images = {k: v for k, v in xobjects.items() if v.get("/Subtype") == pikepdf.Name.Image}
    if len(images) != 1:
        return None
    ops: list[Any] = pikepdf.parse_content_stream(page)
    if any(str(op) not in _IMAGE_ONLY_OPS for _, op in ops):
        return None
    name, xobj = next(iter(images.items()))
    if xobj.get("/ImageMask", False) or "/SMask" in xobj or "/Mask" in xobj:
        return None
    cs = xobj.get("/ColorSpace")
    if (
        cs is None
        or str(cs) not in ("/DeviceGray", "/DeviceRGB")
        and not (isinstance(cs, pikepdf.Array) and str(cs[0]) == "/ICCBased" and int(cs[1].get("/N", 0)) in (1, 3))
    ):
        return None
    filt = xobj.get("/Filter")
    filters = [str(f) for f in (filt if isinstance(filt, pikepdf.Array) else [filt] if filt else [])]
    if len(filters) > 1 or (filters and filters[0] not in _PASSTHROUGH_FILTERS):
        return None
    cms = [operands for operands, op in ops if str(op) == "cm"]
    if len(cms) != 1:
        return None
    a, b, c, d, _, _ = (float(v) for v in cms[0])
    box = page.mediabox
    w_pt, h_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    if b or c or a <= 0 or d <= 0 or a < 0.9 * w_pt or d < 0.9 * h_pt:
        return None
    dpi = (int(xobj.Width) / (a / 72), int(xobj.Height) / (d / 72))
    return name, xobj, dpi


def _to_page_mode(im: Image.Image) -> Image.Image:
    if im.mode in ("1", "L", "RGB"):
        return im
    if im.mode == "CMYK":
        return im.convert("RGB")
    return im.convert("RGB") if im.mode not in ("LA", "I", "I;16") else im.convert("L")


def _rasterise(path: Path, index: int, size: tuple[int, int]) -> Image.Image:
    with tempfile.TemporaryDirectory(prefix="station-raster-") as tmp:
        out = os.path.join(tmp, "page")
        cmd = [
            "pdftoppm",
            "-f",
            str(index),
            "-l",
            str(index),
            "-singlefile",
            "-scale-to-x",
            str(size[0]),
            "-scale-to-y",
            str(size[1]),
            str(path),
            out,
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise InputError(f"page {index} of the PDF took too long to draw")
        if proc.returncode != 0 or not os.path.exists(out + ".ppm"):
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"page {index} of the PDF cannot be drawn ({err[-1] if err else 'poppler failed'})")
        with Image.open(out + ".ppm") as im:
            im.load()
            return im.convert("RGB") if im.mode != "L" else im.copy()
