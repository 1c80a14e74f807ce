"""The line reader: a slot's digits read whole, for a hand that joins them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import handwriting
from ocr.digit_lines import DigitLineReader, decode
from ocr.digits import DigitReader, DigitReading
from ocr.handwriting import find_slots
from ocr.types import Word
from tests.synthetic.render import HANDWRITING


def test_decoding_drops_blanks_and_joins_a_digit_read_over_several_columns():
    columns = [0, 2, 2, 0, 2, 4, 4, 0]  # class 0 blank, class d + 1 digit d
    probabilities = np.full((len(columns), 11), 0.01, np.float32)
    for t, k in enumerate(columns):
        probabilities[t, k] = 0.9
    probabilities[2, 2] = 0.99  # the first 1 surer in its second column
    probabilities[4, 2] = 0.6  # the second 1 unsure
    text, confidence = decode(probabilities)
    assert text == "113" and confidence == pytest.approx(0.6)
    assert decode(np.eye(11, dtype=np.float32)[[0, 0, 0]]) == ("", 0.0)


def joined(number: str, rng: np.random.Generator, lead_in: bool = False) -> np.ndarray:
    """`number` in a hand neither reader was trained on, as a cursive hand writes it:
    each digit over the end of the one before, a connecting stroke between them;
    `lead_in`: each 1 begun on the baseline, the pen rising to its top ('ʌ'), the
    stroke from the digit before running to that foot."""
    font = ImageFont.truetype(HANDWRITING, 60)
    canvas = Image.new("L", (70 * len(number) + 60, 120), 0)
    draw = ImageDraw.Draw(canvas)
    x = 20.0
    previous_end = None
    for digit in number:
        x0, y0, x1, y1 = draw.textbbox((x, 10), digit, font=font)
        draw.text((x, 10), digit, fill=255, font=font)
        if lead_in and digit == "1":
            foot = (x0 - 0.25 * (x1 - x0), y1)
            draw.line([foot, (x0 + 0.6 * (x1 - x0), y0 + 1)], fill=255, width=4)
            if previous_end is not None:
                draw.line([previous_end, foot], fill=255, width=4)
        elif previous_end is not None:
            draw.line([previous_end, (x0 + 3, y1 - 0.35 * (y1 - y0))], fill=255, width=4)
        previous_end = (x1 - 3, y1 - 0.2 * (y1 - y0))
        x += (x1 - x0) * (1 - float(rng.uniform(0.25, 0.4)))  # the next digit starts over this one's end
    return (np.asarray(canvas) > 127).astype(np.uint8)


def test_the_line_reader_reads_joined_numbers_the_glyph_reader_cannot_cut():
    """Numbers of two to four digits written joined, in a hand never trained on: the
    line reader reads most of them whole; cutting them into digits fails more often."""
    rng = np.random.default_rng(3)
    numbers = [str(int(rng.integers(10 ** (n - 1), 10**n))) for n in (2, 3, 4) for _ in range(15)]
    lines, glyphs = DigitLineReader(), DigitReader()
    whole = cut = 0
    for number in numbers:
        ink = joined(number, rng)
        read = lines.read(ink)
        whole += read is not None and read.text == number
        by_glyph = glyphs.read(ink, 40)
        cut += by_glyph is not None and by_glyph.text == number
    assert whole >= 0.7 * len(numbers) and whole > cut, (whole, cut)


def test_ones_begun_on_the_baseline_and_joined_at_their_feet_are_never_shown_green():
    """1s written each from the baseline up ('ʌ'), in one run with the digits around
    them ('ʌʌʌ3' for 1113), as on real paper: the readers take a lead-in stroke for a 1
    of its own about as often as not ('1121' for 121), and neither is sure of such a
    reading, so it is filled in red, to check; never green."""
    rng = np.random.default_rng(5)
    numbers = ["11", "111", "1113", "211", "113", "1101", "311", "1119", "121", "1711", "151", "1114"] * 2
    words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (500, 100, 660, 130), 95.0, 0, 0)]
    shown = []
    for number in numbers:
        ink = joined(number, rng, lead_in=True)[:, :340]
        page = np.full((300, 800), 255, np.uint8)
        page[60 : 60 + ink.shape[0], 155 : 155 + ink.shape[1]][ink > 0] = 0
        _, readings, _ = handwriting.read_slots(page, words, find_slots(words))
        shown += [(number, w.text, w.confidence) for w in readings]
    assert len(shown) == len(numbers)  # each filled in
    assert not [s for s in shown if s[1] != s[0] and s[2] >= handwriting.READ_ALIKE], shown


@pytest.mark.parametrize(
    ("glyphs", "whole", "taken", "alike", "noted"),
    [
        (("2147", 0.3), ("2117", 0.95), "2117", False, False),  # joined: the whole reading
        (("47", 0.97), ("47", 0.99), "47", True, False),  # both sure, alike
        (("47", 0.85), ("47", 0.99), "47", False, False),  # the glyph reader not sure: not alike
        (("47", 0.97), ("47", 0.85), "47", False, False),  # the line reader unsure: not alike
        (("47", 0.95), ("41", 0.97), "41", False, True),  # both sure of different digits
        (("47", 0.4), ("41", 0.45), None, False, False),  # neither sure enough to show
    ],
)
def test_the_surer_of_two_readings_is_taken_and_alike_only_when_both_are_sure(glyphs, whole, taken, alike, noted):
    box = (0, 0, 10, 10)
    found, same, note = handwriting._two_readings(
        DigitReading(glyphs[0], glyphs[1], box), DigitReading(whole[0], whole[1], box), "number"
    )
    assert (found.text if found else None, same, bool(note)) == (taken, alike, noted)


def test_a_slot_written_joined_is_filled_in_from_the_line_reader_and_left_to_check():
    """The glyph reader is unsure of '197' written joined, the line reader sure: its
    reading is filled in, red (one reader's)."""
    words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (400, 100, 560, 130), 95.0, 0, 0)]
    ink = joined("197", np.random.default_rng(1))
    glyphs = DigitReader().read(ink, 40)
    assert glyphs is not None and glyphs.confidence < 0.9
    page = np.full((300, 700), 255, np.uint8)
    h, w = ink.shape
    page[70 : 70 + h, 150 : 150 + w][ink > 0] = 0
    _, readings, _ = handwriting.read_slots(page, words, find_slots(words))
    assert [(w.text, w.confidence) for w in readings] == [("197", handwriting.HANDWRITTEN_CAP)]
