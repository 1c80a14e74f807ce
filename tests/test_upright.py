"""Which way up a page is, from its ink (ocr.upright), and what the guess does to
reading: a right guess reads a turned page once, a wrong one costs time, never text."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr import load_page, recognise
from ocr.engine import engine
from ocr.geometry import estimate_skew
from ocr.recognize import clean
from ocr.upright import Lie, guess_rotation
from tests.synthetic import generate, load_truth


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, tuple[np.ndarray, float, float]]:
    """Cleaned upright pages of a few kinds: name -> (grey, dpi, skew applied)."""
    out = tmp_path_factory.mktemp("upright")
    found = {}
    for sample in generate(out, 1, ["clean", "noisy", "skew", "bilevel"], seed=31):
        page = load_page(sample.path, 1)
        found[sample.path.stem.split("-")[0]] = (clean(page)[0], page.dpi[0], load_truth(sample.path)["skew"][0])
    # The cheapest office setting: black and white at 200 dpi.
    grey, dpi, skew = found["clean"]
    small = Image.fromarray(grey).resize((grey.shape[1] * 2 // 3, grey.shape[0] * 2 // 3), Image.LANCZOS)
    found["bilevel200"] = (np.asarray(small.point(lambda v: 255 if v > 150 else 0)), 200.0, skew)
    return found


@pytest.mark.parametrize("kind", ["clean", "noisy", "skew", "bilevel", "bilevel200"])
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_the_ink_says_which_way_up_a_page_is(pages, kind, turn):
    grey, dpi, skew = pages[kind]
    turned = np.ascontiguousarray(np.rot90(grey, turn // 90))  # counter-clockwise, as a sheet fed turned
    lie = guess_rotation(turned, dpi)
    assert lie.rotation == turn  # clockwise degrees that undo it
    # The skew it measured on the way is the page's, to within the degree it needs.
    near = lie.skew_near(turn)
    assert near is not None and abs(near - skew) <= 1.0


def test_no_guess_without_lines_of_text():
    rng = np.random.default_rng(3)
    blotches = np.full((3508, 2480), 255, np.uint8)
    for _ in range(40):  # a photo-like page: big dark shapes, no lines of text
        x, y = rng.integers(0, 2200), rng.integers(0, 3200)
        blotches[y : y + rng.integers(50, 300), x : x + rng.integers(50, 300)] = 0
    assert guess_rotation(blotches, 300).rotation is None
    assert guess_rotation(np.full((3508, 2480), 255, np.uint8), 300) == Lie(None, None)


def test_skew_searched_near_the_guess_is_the_skew_searched_everywhere(pages):
    from ocr.cleanup import ink_mask

    grey, dpi, _ = pages["skew"]
    half = np.ascontiguousarray(grey[::2, ::2])
    lie = guess_rotation(grey, dpi)
    assert estimate_skew(ink_mask(half), ink_mask(grey), lie.skew_near(0)) == pytest.approx(
        estimate_skew(ink_mask(half), ink_mask(grey)), abs=0.02
    )


class _Counting:
    """The real engine, counting its calls."""

    def __init__(self) -> None:
        self.inner = engine()
        self.name, self.reads, self.osd = self.inner.name, 0, 0

    def version(self) -> str:
        return self.inner.version()

    def orientation(self, grey, dpi):
        self.osd += 1
        return self.inner.orientation(grey, dpi)

    def words(self, grey, dpi, lang, psm=3):
        if psm == 3:
            self.reads += 1
        return self.inner.words(grey, dpi, lang, psm)


@pytest.fixture(scope="module")
def upside_down(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("upside"), 1, ["upside_down"], seed=32)[0]


def test_a_page_fed_upside_down_is_read_once(upside_down):
    eng = _Counting()
    page, _ = recognise(load_page(upside_down.path, 1), eng=eng)
    assert page.rotation == 180 and page.mean_confidence > 80
    assert (eng.reads, eng.osd) == (1, 0)


def test_a_wrong_guess_costs_a_reading_not_the_text(upside_down, monkeypatch):
    monkeypatch.setattr("ocr.recognize.guess_rotation", lambda grey, dpi: Lie(0, 0, 0.0))
    eng = _Counting()
    page, _ = recognise(load_page(upside_down.path, 1), eng=eng)
    assert page.rotation == 180 and page.mean_confidence > 80
    assert eng.reads == 2 and eng.osd == 1
