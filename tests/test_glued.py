"""A number line Tesseract read as one word: the hand's digits written tight between
'Số:' and the printed code, no gap and no slash in its reading ('Só42ÐKTHN')."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr import handwriting
from ocr.glued import split_glued_numbers
from ocr.handwriting import find_slots
from ocr.types import Word
from tests.synthetic.render import HANDWRITING

_SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def _tight_row(number: str) -> tuple[np.ndarray, int, int]:
    """A grey strip, 'Số:' and '/KTHN' printed at 300 dpi with `number` written in black
    between them, a pen's stroke from each; and where the hand's ink begins and ends."""
    page = Image.new("L", (900, 200), 255)
    draw = ImageDraw.Draw(page)
    serif, hand = ImageFont.truetype(_SERIF, 50), ImageFont.truetype(HANDWRITING, 52)
    draw.text((100, 70), "Số:", fill=0, font=serif)
    start = 100 + round(draw.textlength("Số:", font=serif)) + 6
    draw.text((start, 62), number, fill=0, font=hand)
    end = start + round(draw.textlength(number, font=hand))
    draw.text((end + 4, 70), "/KTHN", fill=0, font=serif)
    ink = np.where(np.asarray(page)[:, start - 4 : end + 4] < 128)[1]
    return np.asarray(page), start - 4 + int(ink.min()), start - 4 + int(ink.max())


def test_a_glued_number_line_is_split_where_so_ends_and_the_slash_begins():
    grey, left, right = _tight_row("4728")
    glued = Word("Só42ÐKTHN", (95, 55, 600, 135), 34.7, 3, 4)
    assert find_slots([glued]) == []  # read as it was, no slot: the number is lost
    pieces = split_glued_numbers(grey, [glued], above=1000, dpi=300)
    assert pieces[0].text.startswith("S") and pieces[-1].text == "/KTHN"
    assert pieces[0].box[2] <= left + 3 and pieces[-1].box[0] >= right - 3
    (slot,) = find_slots(pieces)
    assert slot.kind == "number" and slot.box[0] <= left + 3 and slot.box[2] >= right - 3
    _, readings, _ = handwriting.read_slots(grey, pieces, [slot])
    # Bounded by words read weakly, the reading is never counted as read alike.
    assert all(w.confidence < handwriting.READ_ALIKE for w in readings)


def test_a_word_read_surely_or_a_row_with_its_slash_is_left_as_read():
    grey, _, _ = _tight_row("4728")
    sure = Word("Số:4728/KTHN", (95, 55, 600, 135), 91.0, 3, 4)
    assert split_glued_numbers(grey, [sure], above=1000, dpi=300) == [sure]
    weak = Word("Só42ĐÐ", (95, 55, 480, 135), 34.7, 3, 4)
    row = [weak, Word("/HTĐ", (485, 55, 600, 135), 90.0, 3, 4)]
    assert split_glued_numbers(grey, row, above=1000, dpi=300) == row
    # Below the header's rows, a 'Số' is not the number line's.
    assert (
        split_glued_numbers(grey, [Word("Só42ÐKTHN", (95, 55, 600, 135), 34.7, 3, 4)], above=10, dpi=300)[0].text
        == "Só42ÐKTHN"
    )


def test_a_first_digit_begun_inside_a_weak_labels_box_is_read_whole():
    # Tesseract's weak 'Số:' took in the left half of the first digit: the slot, cut at
    # the label's box, would hold half a 2; the strokes its edge cuts are taken whole.
    grey, left, right = _tight_row("236")
    hand = ImageFont.truetype(HANDWRITING, 52)
    half_a_digit = round(ImageDraw.Draw(Image.new("L", (1, 1))).textlength("2", font=hand) / 2)
    so = Word("Số:", (95, 55, left + half_a_digit, 135), 34.7, 3, 4)
    code = Word("/KTHN", (right + 6, 55, right + 200, 135), 34.7, 3, 4)
    (slot,) = find_slots([so, code])
    assert slot.loose and slot.box[0] > left
    _, readings, _ = handwriting.read_slots(grey, [so, code], [slot])
    assert [w.text for w in readings] == ["236"]
    # Read whole, yet bounded by words read weakly: never counted as read alike.
    assert readings[0].confidence < handwriting.READ_ALIKE
