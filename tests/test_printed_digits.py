"""The printed number read a second time, by the digit reader: agreement confirms it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import printed_digits
from ocr.printed_digits import CONFIRMED, DOUBTED, REREAD, read_again
from ocr.types import Word

SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def _number_line(number: str) -> tuple[np.ndarray, list[Word]]:
    """A grey page strip printing 'Số: <number>/QĐ-UBND', and its words as Tesseract
    would box them."""
    font = ImageFont.truetype(SERIF, 40)
    page = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "Số:", fill=0, font=font)
    so = draw.textbbox((40, 30), "Số:", font=font)
    text = f"{number}/QĐ-UBND"
    x = so[2] + 14
    draw.text((x, 30), text, fill=0, font=font)
    box = draw.textbbox((x, 30), text, font=font)
    words = [Word("Số:", tuple(so), 93.0, 0, 0), Word(text, tuple(box), 84.0, 0, 0)]  # type: ignore[arg-type]
    return np.asarray(page), words


def test_digits_both_engines_read_alike_are_confirmed():
    grey, words = _number_line("47")
    confirmed, notes, _, _ = read_again(grey, words, above=200)
    assert confirmed[1].confidence == CONFIRMED and confirmed[0].confidence == 93.0 and not notes


def test_digits_the_engines_read_differently_keep_tesseracts_reading_unless_it_was_weak():
    grey, words = _number_line("47")
    misread = [words[0], Word("41/QĐ-UBND", words[1].box, 84.0, 0, 0)]
    assert read_again(grey, misread, above=200)[0][1] == misread[1]  # Tesseract fairly sure: kept
    weak = [words[0], Word("41/QĐ-UBND", words[1].box, 62.0, 0, 0)]
    (_, reread), notes, _, _ = read_again(grey, weak, above=200)
    assert (reread.text, reread.confidence) == ("47/QĐ-UBND", REREAD) and "'41' read again as '47'" in notes[0]


def test_only_the_number_after_so_and_the_dates_digits_in_the_header_are_read_again():
    grey, words = _number_line("47")
    assert read_again(grey, words, above=10)[0][1].confidence == 84.0  # below the header zone
    alone = [words[1]]  # a citation in the body ('... 47/QĐ-UBND') has no 'Số:' before it
    assert read_again(grey, alone, above=200)[0][0].confidence == 84.0


def test_a_dates_printed_day_is_confirmed():
    font = ImageFont.truetype(SERIF, 40)
    page = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "ngày", fill=0, font=font)
    before = draw.textbbox((40, 30), "ngày", font=font)
    x = before[2] + 12
    draw.text((x, 30), "25", fill=0, font=font)
    box = draw.textbbox((x, 30), "25", font=font)
    words = [Word("ngày", tuple(before), 95.0, 0, 0), Word("25", tuple(box), 81.0, 0, 0)]  # type: ignore[arg-type]
    assert read_again(np.asarray(page), words, above=200)[0][1].confidence == CONFIRMED


def test_a_code_read_weakly_is_not_vouched_for_by_its_digits():
    """'47/QĐ-UBND' read at 70 (Tesseract is rarely sure of a long token of digits and
    capitals, even on a clean page): the token stays whole and as read, its letters
    Tesseract's alone; its digits, read alike by the digit reader, are confirmed apart,
    in their own box. Engines that disagree confirm nothing."""
    grey, words = _number_line("47")
    weak = [words[0], Word(words[1].text, words[1].box, 70.0, 0, 0)]
    kept, notes, _, (digits,) = read_again(grey, weak, above=200)
    assert kept == weak and not notes
    assert (digits.text, digits.confidence) == ("47", CONFIRMED)
    assert digits.box[0] == words[1].box[0] and digits.box[2] < words[1].box[2]
    misread = [words[0], Word("41/QĐ-UBND", words[1].box, 70.0, 0, 0)]
    assert read_again(grey, misread, above=200)[3] == []


def _year_line(year: str) -> tuple[np.ndarray, list[Word]]:
    """'năm <year>' in an italic serif, as the date line prints it; Tesseract's words."""
    font = ImageFont.truetype(SERIF.replace("Regular", "Italic"), 40)
    page = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "năm", fill=0, font=font)
    before = draw.textbbox((40, 30), "năm", font=font)
    x = before[2] + 12
    draw.text((x, 30), year, fill=0, font=font)
    box = draw.textbbox((x, 30), year, font=font)
    return np.asarray(page), [Word("năm", tuple(before), 95.0, 0, 0), Word(year, tuple(box), 75.0, 0, 0)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("reader_reads", "taken"), [("2026", True), ("2029", False)])
def test_a_reader_sure_but_not_very_sure_overrules_weak_digits_only_with_tesseract_on_the_word_alone(
    monkeypatch, reader_reads, taken
):
    """Amid the line Tesseract read an italic 6 as 8 ('2028' at 75). The digit reader
    reads the word again sure (0.93) but not very sure: its digits replace Tesseract's
    only when Tesseract, shown the word's ink alone and held to digits, reads them too
    (it does: 2026); otherwise the page's reading stays."""
    grey, words = _year_line("2026")
    weak = [words[0], Word("2028", words[1].box, 75.0, 0, 0)]
    monkeypatch.setattr(printed_digits, "_read", lambda digits, grey, w, n: (reader_reads, 0.93, w.box[2] - w.box[0]))
    (_, after), notes, _, _ = read_again(grey, weak, above=200)
    if taken:
        assert (after.text, after.confidence) == ("2026", REREAD) and "'2028' read again as '2026'" in notes[0]
    else:
        assert after == weak[1] and notes == []


def test_printed_digits_broken_across_by_a_light_scan_are_read_whole():
    """A thin italic face on a light scan breaks: a 9's tail comes apart from its bowl,
    a 2's foot from its arc. The pieces one above another are one glyph, and the year
    is confirmed."""
    grey, words = _year_line("2019")
    grey = grey.copy()
    _, top, _, bottom = words[1].box
    cut = top + round(0.62 * (bottom - top))
    grey[cut : cut + 2, :] = 255  # a white band across every digit
    (_, year), _, _, _ = read_again(grey, words, above=200)
    assert year.confidence == CONFIRMED


@pytest.mark.parametrize(
    ("line", "printed", "misread", "digits"),
    [(_year_line, "2022", "2012", "2012"), (_number_line, "47", "41/QĐ-UBND", "41")],
)
def test_digits_read_surely_amid_the_line_but_otherwise_on_their_own_are_doubted(line, printed, misread, digits):
    """A light scan's broken 2 read as 1 at 96 amid the line ('2012'): shown its own ink,
    held to digits, Tesseract reads 2022. The year stays as read, no longer green, with a
    note; a year it reads alike on its own stays as sure as it was. The number's word
    holds its code too: Tesseract is shown the digits' ink alone, up to the last digit,
    not the code after them."""
    grey, words = line(printed)
    wrong = [words[0], Word(misread, words[1].box, 96.0, 0, 0)]
    (_, word), notes, (other,), _ = read_again(grey, wrong, above=200)
    assert (word.text, word.confidence) == (misread, DOUBTED)
    assert f"'{digits}' may be '{printed[: len(digits)]}'" in notes[0]
    # The other reading is kept, in the word's box, for the classifiers to weigh.
    assert other.text == printed + misread[len(digits) :] and other.box == word.box and other.confidence == DOUBTED
    right = [words[0], Word(words[1].text, words[1].box, 96.0, 0, 0)]
    assert read_again(grey, right, above=200) == (right, [], [], [])


def test_a_days_digits_wider_than_what_was_read_are_doubted_however_surely_read():
    """A hand's 17 written in the day's gap of a bilevel scan, read by Tesseract as
    print, '1' at 96: the word is wider than one printed digit, so a digit was lost; a
    printed 5 read as 5 stays as sure as it was."""
    font = ImageFont.truetype(SERIF, 40)
    page = Image.new("L", (900, 120), 255)
    draw = ImageDraw.Draw(page)
    draw.text((40, 30), "ngày", fill=0, font=font)
    before = draw.textbbox((40, 30), "ngày", font=font)
    for text, x in (("17", before[2] + 12), ("5", before[2] + 200)):
        draw.text((x, 30), text, fill=0, font=font)
    seventeen = draw.textbbox((before[2] + 12, 30), "17", font=font)
    five = draw.textbbox((before[2] + 200, 30), "5", font=font)
    ngay = Word("ngày", tuple(before), 95.0, 0, 0)  # type: ignore[arg-type]
    lost = [ngay, Word("1", tuple(seventeen), 96.0, 0, 0)]  # type: ignore[arg-type]
    (_, day), notes, _, _ = read_again(np.asarray(page), lost, above=200)
    assert day.confidence == DOUBTED and any("'1' may be more digits" in n for n in notes)
    kept = [replace(ngay, box=(five[0] - 100, five[1], five[0] - 12, five[3])), Word("5", tuple(five), 96.0, 0, 0)]  # type: ignore[arg-type]
    assert read_again(np.asarray(page), kept, above=200) == (kept, [], [], [])
