"""Orientation and skew on rendered Vietnamese text."""

import math

import numpy as np
import pytest
from PIL import Image

from ocr.geometry import estimate_skew, upright_transform
from ocr.load import SourcePage
from ocr.recognize import recognise
from tests.synthetic.content import random_document
from tests.synthetic.render import render_document


@pytest.fixture(scope="module")
def page_image() -> Image.Image:
    import random

    return render_document(random_document(random.Random(3)))[0].image.convert("L")


def _skew(im: Image.Image) -> float:
    half = im.resize((im.width // 2, im.height // 2))
    return estimate_skew(np.asarray(half) < 128, np.asarray(im) < 128)


@pytest.mark.parametrize("angle", [-9.5, -3.0, -0.7, 0.0, 0.4, 3.0, 7.25])
def test_skew_is_found_to_a_tenth_of_a_degree(page_image, angle):
    turned = page_image.rotate(angle, resample=Image.BICUBIC, fillcolor=255)  # PIL: counter-clockwise
    assert abs(_skew(turned) - angle) <= 0.1


@pytest.mark.parametrize("angle", [0.0, 0.29, -1.37, 3.0])
def test_skew_of_a_sparse_last_page(angle):
    """Only the recipients beside the signature block: short lines, two columns."""
    import random

    pages = render_document(random_document(random.Random("7-rotated90-0")))
    assert len(pages[-1].lines) < 15
    turned = pages[-1].image.convert("L").rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    assert abs(_skew(turned) - angle) <= 0.1


def test_upright_transform_maps_corners():
    w, h = 2000, 3000
    m, size = upright_transform(w, h, 90, 0.0)
    assert size == (3000, 2000)
    # clockwise quarter turn: the top-left corner goes to the top-right
    assert np.allclose(m @ [0, 0, 1], [3000, 0, 1])
    assert np.allclose(m @ [0, h, 1], [0, 0, 1])
    m, size = upright_transform(w, h, 180, 0.0)
    assert np.allclose(m @ [0, 0, 1], [w, h, 1])
    m, _ = upright_transform(w, h, 0, 2.0)
    # undoing a counter-clockwise skew turns the page clockwise: the right end of a
    # centre line moves down (y grows)
    x, y, _ = m @ [w, h / 2, 1]
    assert y == pytest.approx(h / 2 + (w / 2) * math.sin(math.radians(2.0)))


@pytest.mark.parametrize("ccw", [90, 180, 270])
def test_turned_pages_come_out_upright(page_image, ccw):
    turned = page_image.rotate(ccw, expand=True)
    page, _ = recognise(SourcePage(1, turned, (300.0, 300.0), False, False))
    assert page.rotation == ccw  # the clockwise turn that undoes a counter-clockwise one
    assert (page.width_px, page.height_px) == (2480, 3508)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text
