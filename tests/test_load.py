"""Loading scanner output: formats, resolution, streaming, and bad input."""

import io
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ocr import InputError, count_pages, load_page
from ocr.load import plausible_dpi


def _page(size=(1240, 1754), colour="white") -> Image.Image:
    im = Image.new("RGB", size, colour)
    im.paste((0, 0, 0), (100, 100, 600, 140))
    return im


@pytest.mark.parametrize("compression", ["group4", "tiff_lzw", "jpeg"])
def test_multipage_tiff_pages_and_resolution(tmp_path, compression):
    pages = [_page() for _ in range(3)]
    if compression == "group4":
        pages = [p.convert("1") for p in pages]
    path = tmp_path / "scan.tif"
    pages[0].save(path, compression=compression, dpi=(150, 150), save_all=True, append_images=pages[1:])
    assert count_pages(path) == 3
    p3 = load_page(path, 3)
    assert p3.index == 3 and p3.image.size == (1240, 1754)
    assert p3.dpi == (150, 150) and not p3.dpi_assumed
    assert p3.lossy_source == (compression == "jpeg")
    assert p3.image.mode == ("1" if compression == "group4" else "RGB")


def test_jpeg_is_passed_through_byte_for_byte(tmp_path):
    path = tmp_path / "a.jpg"
    _page().save(path, quality=85, dpi=(150, 150))
    page = load_page(path, 1)
    assert page.passthrough.kind == "jpeg" and page.passthrough.data == path.read_bytes()


def test_placeholder_resolution_is_replaced_by_a4_assumption(tmp_path):
    path = tmp_path / "a.png"
    _page((2480, 3508)).save(path, dpi=(72, 72))  # scanner software's placeholder
    page = load_page(path, 1)
    assert page.dpi_assumed and round(page.dpi[0]) == 300
    assert plausible_dpi(None, (1654, 2339)) == ((200.0, 200.0), True)
    assert plausible_dpi((300, 300), (2480, 3508)) == ((300.0, 300.0), False)


def test_png_with_alpha_is_flattened_on_white(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGBA", (400, 400), (0, 0, 0, 0)).save(path)
    page = load_page(path, 1)
    assert page.image.mode == "RGB" and page.image.getpixel((10, 10)) == (255, 255, 255)


def test_pdf_single_image_page_is_taken_as_it_is(tmp_path):
    import img2pdf

    jpg = io.BytesIO()
    _page().save(jpg, "JPEG", dpi=(150, 150))
    path = tmp_path / "scan.pdf"
    path.write_bytes(img2pdf.convert([jpg.getvalue(), jpg.getvalue()]))
    assert count_pages(path) == 2
    page = load_page(path, 2)
    assert page.passthrough.kind == "pdf-xobject" and page.passthrough.page == 2
    assert page.image.size == (1240, 1754) and round(page.dpi[0]) == 150 and page.lossy_source


def test_pdf_with_vector_content_is_rasterised(tmp_path):
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Contents = pdf.make_stream(b"0 0 0 rg 72 700 200 20 re f")
    path = tmp_path / "vector.pdf"
    pdf.save(path)
    loaded = load_page(path, 1)
    assert loaded.passthrough is None and loaded.image.size == (2479, 3508)
    assert loaded.image.convert("L").getpixel((400, 3508 - 710 * 300 // 72)) < 50  # the rectangle is drawn


# --- bad input: one plain sentence each --------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="empty"):
        count_pages(_write(tmp_path, "a.tif", b""))


def test_not_an_image(tmp_path):
    with pytest.raises(InputError, match="not a TIFF, JPEG, PNG, BMP, GIF, JPEG 2000, WebP or PDF"):
        count_pages(_write(tmp_path, "a.jpg", b"Hello, this is a text file\n" * 10))


def test_truncated_jpeg(tmp_path):
    buf = io.BytesIO()
    _page().save(buf, "JPEG")
    path = _write(tmp_path, "a.jpg", buf.getvalue()[: len(buf.getvalue()) // 3])
    with pytest.raises(InputError, match="truncated or damaged"):
        load_page(path, 1)


def test_corrupt_png(tmp_path):
    buf = io.BytesIO()
    _page().save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[60:400] = b"\x00" * 340
    with pytest.raises(InputError):
        load_page(_write(tmp_path, "a.png", bytes(data)), 1)


def test_encrypted_pdf(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    path = tmp_path / "secret.pdf"
    pdf.save(path, encryption=pikepdf.Encryption(user="pw", owner="pw"))
    with pytest.raises(InputError, match="encrypted with a password"):
        count_pages(path)


def test_corrupt_pdf(tmp_path):
    with pytest.raises(InputError, match="PDF"):
        count_pages(_write(tmp_path, "a.pdf", b"%PDF-1.7\n" + b"garbage " * 50))


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # A 40000 x 40000 PNG header: 1.6 gigapixels promised by a file of a few bytes.
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 40000, 40000, 1, 0, 0, 0, 0))
    png = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(InputError, match="too large"):
        count_pages(_write(tmp_path, "bomb.png", png))


def test_missing_page_of_pdf(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    path = tmp_path / "one.pdf"
    pdf.save(path)
    with pytest.raises(InputError, match="page 3 is missing"):
        load_page(path, 3)


@pytest.mark.parametrize(
    "name,fmt,mode",
    [
        ("scan.jpg", "BMP", "1"),
        ("scan.gif", "GIF", "1"),
        ("scan.jp2", "JPEG2000", "L"),
        ("scan.webp", "WEBP", "L"),
        ("scan.tif", "BMP", "L"),
    ],
)
def test_what_scanner_software_saves_is_decoded_by_content_not_name(tmp_path, name, fmt, mode):
    """A scanner's bilevel BMP saved with a .jpg name was refused: the content decides."""
    from ocr import count_pages, load_page

    im = Image.new(mode, (1700, 2300), 255 if mode == "L" else 1)
    im.paste(0, (200, 200, 900, 260))  # a line of 'text'
    path = tmp_path / name
    im.save(path, fmt)
    assert count_pages(path) == 1
    page = load_page(path, 1)
    assert page.image.size == (1700, 2300)
    assert page.lossy_source == (fmt in ("JPEG2000", "WEBP"))
