"""The archival PDF/A: conformance rules, text layer, image kept as scanned."""

import json
import re
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from archive.glyphless import encode_text
from archive.pdfa import text_layer
from classifiers.tones import mend_line
from ocr.types import STATED, RecognisedPage, Word, lines_of
from tests.pdfa_rules import violations


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_every_output_meets_the_pdfa2b_rules(processed):
    pdfs = sorted(processed.glob("*.pdf"))
    assert len(pdfs) == 11
    for pdf in pdfs:
        assert violations(pdf) == [], pdf.name


def test_rule_checker_catches_a_broken_file(processed, tmp_path):
    # The checker must be able to fail: break three rules and expect all three reported.
    src = processed / "clean-000.pdf"
    with pikepdf.open(src) as pdf:
        del pdf.Root.OutputIntents
        xmp = pdf.Root.Metadata.read_bytes().replace(
            b"<pdfaid:part>", b'<zz:undescribed xmlns:zz="urn:zz">1</zz:undescribed><pdfaid:part>', 1
        )
        pdf.Root.Metadata.write(xmp)
        (image,) = _images(pdf.pages[0])
        image.Interpolate = True
        pdf.save(tmp_path / "bad.pdf", fix_metadata_version=False)
    found = violations(tmp_path / "bad.pdf")
    assert any(v.startswith("6.2.2") for v in found), found
    assert any(v.startswith("6.6.2.3") and "undescribed" in v for v in found), found
    assert any(v.startswith("6.2.8") for v in found), found


def test_pdftotext_gives_back_the_ocr_text_nfc_with_diacritics(processed):
    """The words OCR read, a misread tone mended where the word it belongs to allows
    one reading only (classifiers.tones)."""
    for pdf in sorted(processed.glob("*.pdf")):
        pages = json.loads(pdf.with_suffix(".words.json").read_text())["pages"]
        ocr_words = []
        for page in pages:
            for line in lines_of(RecognisedPage.from_dict(page).words):
                texts = [w.text for w in line]
                ocr_words += mend_line(texts) if all(w.confidence < STATED for w in line) else texts
        extracted = _pdftotext(pdf)
        assert unicodedata.normalize("NFC", extracted) == extracted
        # pdftotext orders side-by-side columns its own way; the words are the same
        assert Counter(extracted.split()) == Counter(ocr_words), pdf.name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in re.sub(r"\s+", " ", extracted)


def test_the_text_layer_mends_a_misread_tone_but_keeps_what_a_file_stated():
    def layer(confidence: float) -> str:
        texts = ["kế", "hoạch", "bôi", "dưỡng"]
        words = [Word(t, (100 + 120 * i, 100, 200 + 120 * i, 140), confidence, 0, 0) for i, t in enumerate(texts)]
        return text_layer(RecognisedPage(1, 1000, 1000, 300.0, 0, 0.0, words=words), 72 / 300)

    assert encode_text("bồi") in layer(91.0) and encode_text("bôi") not in layer(91.0)
    assert encode_text("bôi") in layer(STATED)


@pytest.mark.parametrize("name", ["skew-000.pdf", "rotated90-000.pdf", "upside_down-000.pdf"])
def test_text_layer_lies_on_the_words(processed, tmp_path, name):
    """Render the page, cut out the image under each text-layer word box, and read it:
    it must be that word. So a search or selection highlights the right spot, also on
    pages that were turned and straightened by the drawing matrix."""
    pdf = processed / name
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-singlefile", str(pdf), str(tmp_path / "p")], check=True)
    rendered = Image.open(tmp_path / "p.pgm")
    bbox = _pdftotext(pdf, "-bbox")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', bbox)
    long_words = [w for w in words if len(w[4]) >= 4 and w[4].isalpha()][::4][:12]
    assert len(long_words) >= 8
    k = 300 / 72
    hits = 0
    for x0, y0, x1, y1, text in long_words:
        crop = rendered.crop(
            (int(float(x0) * k) - 4, int(float(y0) * k) - 4, int(float(x1) * k) + 4, int(float(y1) * k) + 4)
        )
        crop.save(tmp_path / "w.png", dpi=(300, 300))
        read = subprocess.run(
            ["tesseract", str(tmp_path / "w.png"), "stdout", "-l", "vie", "--psm", "7"], capture_output=True, text=True
        ).stdout.strip()
        hits += Levenshtein.normalized_similarity(unicodedata.normalize("NFC", read).casefold(), text.casefold()) >= 0.8
    assert hits >= len(long_words) - 1, (hits, len(long_words))


def test_page_size_is_physical_and_jpeg_kept_byte_for_byte(processed, corpus):
    pdf_path = processed / "clean-000.pdf"
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]  # A4 in points
        (image,) = _images(page)
        assert image.Filter == pikepdf.Name.DCTDecode
        assert image.read_raw_bytes() == (corpus / "clean-000.jpg").read_bytes()


def test_turned_scan_keeps_its_pixels_and_shows_upright(processed):
    with pikepdf.open(processed / "rotated90-000.pdf") as pdf:
        page = pdf.pages[0]
        (image,) = _images(page)
        assert (int(image.Width), int(image.Height)) == (3508, 2480)  # stored as scanned, sideways
        assert round(float(page.mediabox[2])) == 595 and round(float(page.mediabox[3])) == 842  # shown portrait


def _images(page: pikepdf.Page) -> list[pikepdf.Object]:
    return [x for x in page.Resources.XObject.values() if x.get("/Subtype") == pikepdf.Name.Image]


def test_archived_page_image_is_lossless_whichever_way_it_is_deflated(tmp_path):
    """A noisy greyscale scan is deflated by Huffman alone (the string search finds
    nothing in noise and costs four times as long), a clean page the usual way; both
    decode to the scanner's exact pixels."""
    import numpy as np
    from PIL import Image

    from archive.pageimage import _deflate_settings, write_page_image
    from ocr.load import SourcePage

    rng = np.random.default_rng(5)
    noisy = Image.fromarray(np.clip(rng.normal(225, 14, (700, 500)), 0, 255).astype(np.uint8), "L")
    clean = Image.new("RGB", (500, 700), "white")
    clean.paste((20, 20, 20), (50, 50, 450, 80))
    assert _deflate_settings(noisy) == (6, 2)  # zlib's Z_HUFFMAN_ONLY
    assert _deflate_settings(clean) == (6, 0)
    for name, im in (("noisy", noisy), ("clean", clean)):
        out = tmp_path / f"{name}.pdf"
        write_page_image(tmp_path / "scan.png", SourcePage(1, im, (300.0, 300.0), False, False, None), out)
        with pikepdf.open(out) as pdf:
            (xobj,) = pdf.pages[0].Resources.XObject.values()
            back = pikepdf.PdfImage(xobj).as_pil_image()
        assert np.array_equal(np.asarray(back), np.asarray(im)), name
