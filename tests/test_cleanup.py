"""Colour-stamp dropout and blank pages."""

import numpy as np
from PIL import Image, ImageDraw

from ocr.cleanup import flatten_background, is_blank, to_grey_dropout


def test_red_and_blue_ink_drop_out_black_text_under_it_stays():
    im = Image.new("RGB", (400, 200), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rectangle((10, 10, 100, 60), fill=(205, 35, 40))  # red seal ink
    d.rectangle((150, 10, 250, 60), fill=(40, 60, 190))  # blue ĐẾN stamp ink
    d.rectangle((300, 10, 390, 60), fill=(20, 20, 20))  # black text
    d.rectangle((50, 100, 150, 150), fill=(15, 5, 5))  # black text under red ink (multiplied)
    g = to_grey_dropout(im)
    assert g[30, 50] > 240 and g[30, 200] > 240
    assert g[30, 340] < 40 and g[120, 100] < 40


def test_yellowed_paper_is_flattened_to_white_and_faded_ink_kept():
    im = np.full((800, 600), 200, np.uint8)
    im[:, :300] = 170  # a stain: darker paper on the left
    im[400:420, 50:550] = 110  # faded text line across both
    flat = flatten_background(im)
    assert flat[100, 100] > 245 and flat[100, 500] > 245
    assert flat[410, 100] < 190 and flat[410, 500] < 160


def test_blank_page_with_scanner_dust_is_blank():
    a = np.full((877, 620), 250, np.uint8)
    rng = np.random.default_rng(1)
    ys, xs = rng.integers(0, 877, 40), rng.integers(0, 620, 40)
    a[ys, xs] = 0  # isolated specks
    assert is_blank(a)
    a[400:410, 100:500:12] = 0  # a row of glyph-sized marks
    for x in range(100, 500, 12):
        a[400:412, x : x + 6] = 0
    assert not is_blank(a)


def test_coloured_ink_is_measured_against_the_paper():
    """On yellowed paper the paper is as coloured as a faint stamp: only the stamp is
    coloured ink, not the paper with the black text as holes in it."""
    from ocr.cleanup import colour_ink

    im = Image.new("RGB", (400, 200), (236, 218, 170))  # yellowed paper (chroma ~66)
    d = ImageDraw.Draw(im)
    d.rectangle((10, 10, 100, 60), fill=(200, 40, 40))  # red stamp ink
    d.rectangle((300, 10, 390, 60), fill=(30, 28, 20))  # black text
    d.rectangle((150, 10, 240, 60), fill=(206, 111, 89))  # a faded red stamp, as a yellowed scan has it
    ink = colour_ink(im)
    assert ink is not None
    assert ink[30, 50] < 40  # the stamp
    # Dark enough to read: red on yellowed paper adds less colour than on white.
    assert ink[30, 200] < 80
    assert ink[150, 200] > 240 and ink[30, 340] > 240  # paper and black text are not coloured ink
    assert colour_ink(im.convert("L")) is None
