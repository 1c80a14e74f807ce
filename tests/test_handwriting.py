"""Handwritten number and day: the slots between the printed words, the digit reader
of the project's own, and the fields it fills (never green)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from classifiers import extract
from ocr import handwriting, load_page, recognise
from ocr.digits import DigitReader, normalise, segment
from ocr.handwriting import find_slots
from ocr.types import Word
from tests.synthetic import generate
from tests.synthetic.render import HANDWRITING, lift_flag


def _line(*parts: tuple[str, int, int]) -> list[Word]:
    return [Word(text, (x0, 100, x1, 130), 95.0, 0, 0) for text, x0, x1 in parts]


def test_the_number_slot_lies_between_so_and_the_slash():
    (slot,) = find_slots(_line(("Số:", 100, 150), ("/QĐ-UBND", 260, 420)))
    assert slot.kind == "number" and slot.box[0] == 150 and slot.box[2] == 260
    assert slot.box[1] < 100 < 130 < slot.box[3]  # handwriting rises above the printed line


def test_a_printed_number_has_no_slot_and_a_merged_one_is_cut_out():
    assert find_slots(_line(("Số:", 100, 150), ("47/QĐ-UBND", 160, 420))) == []
    (slot,) = find_slots(_line(("Số:#jÉ", 100, 200), ("/TB-SYT", 260, 400)))
    assert [w.text for w in slot.trimmed] == ["Số:"] and slot.inside[0].text == "Số:#jÉ"
    assert slot.trimmed[0].box[2] == slot.box[0] < 200


def test_a_hand_run_into_the_print_still_leaves_a_slot():
    """Real scans: Tesseract reads small raised digits into one word with the print
    around them ('Số:4/TB-KHN'), reads 'ngày' as wide as itself and the day written over
    it, misreads 'Số:' as 'Sé:'. Its digits read at 45 are a weak reading the digit
    readers must outdo; at 24 a faint one."""
    (slot,) = find_slots([Word("Số:4/TB-KHN", (100, 100, 330, 130), 45.0, 0, 0), *_line(("Thông", 400, 470))])
    assert slot.kind == "number" and slot.weak == "4"
    assert [w.text for w in slot.trimmed] == ["Số:", "/TB-KHN"] and 100 < slot.box[0] < slot.box[2] < 330
    (slot,) = find_slots([Word("Số:4/TB-KHN", (100, 100, 330, 130), 24.0, 0, 0)])
    assert slot.kind == "number" and slot.weak == "4" and slot.faint
    assert find_slots([Word("Số:347/TB-KHN", (100, 100, 380, 130), 93.0, 0, 0)]) == []  # print, read surely
    (day,) = find_slots(_line(("Huế,", 40, 100), ("ngày", 110, 260), ("tháng", 270, 370), ("Thông", 400, 500)))
    assert day.kind == "day" and 110 < day.box[0] < 200 and day.box[2] == 270
    (number,) = find_slots(_line(("Sé:", 100, 150), ("/TB-KHN", 260, 420)))
    assert number.kind == "number" and (number.box[0], number.box[2]) == (150, 260)
    (party,) = find_slots(_line(("Số:", 100, 150), ("-", 260, 270), ("TB/ĐTN", 280, 420)))
    assert (party.box[0], party.box[2]) == (150, 260)  # the Party's style: 47-TB/ĐTN


def test_a_thin_first_digit_taken_into_ngay_is_left_in_the_slot():
    """A grey 150-dpi copy of a real scan: Tesseract read 'ngày' surely, its box
    taking in the leading 1 of a written two-digit day (a digit a fifth of a letter wide:
    the box a letter and a bit wider than print), and both readers, seeing only the
    second digit, read it alike (green, wrong). The slot starts where the print ends; a
    box wider by less than a letter (a spot, an italic's overhang) is taken as read."""
    row = (("Kiên", 20, 100), ("Giang,", 110, 230))
    (day,) = find_slots(_line(*row, ("ngày", 240, 344), ("tháng", 400, 500), ("12", 510, 550)))
    assert day.kind == "day" and (day.box[0], day.box[2]) == (320, 400)  # 4 letters of 20 pixels
    (day,) = find_slots(_line(*row, ("ngày", 240, 335), ("tháng", 400, 500), ("12", 510, 550)))
    assert (day.box[0], day.box[2]) == (335, 400)


def test_a_bilevel_scans_so_read_small_keeps_its_colon_and_its_slot():
    """A bilevel scan's capital S read small ('số:'): the colon still says it is the
    header's number line, and the hand's digits between it and the slash get a slot.
    A 'số' with no colon, or one after other words of its line, cites a document
    within a sentence: no slot."""
    (slot,) = find_slots(_line(("số:", 100, 150), ("9#}", 170, 240), ("/SNV-TCCB", 260, 420)))
    assert slot.kind == "number" and (slot.box[0], slot.box[2]) == (150, 260)
    assert find_slots(_line(("số", 100, 150), ("9#}", 170, 240), ("/SNV-TCCB", 260, 420))) == []
    cited = _line(("báo", 20, 90), ("số:", 100, 150), ("3#", 170, 240), ("/TB-HSV", 260, 420))
    assert find_slots(cited) == []  # 'Thông báo số: 34/TB-HSV' within a sentence


def test_the_day_slot_lies_between_ngay_and_thang():
    (slot,) = find_slots(_line(("Huế,", 100, 160), ("ngày", 170, 230), ("tháng", 330, 400), ("01", 410, 440)))
    assert slot.kind == "day" and (slot.box[0], slot.box[2]) == (230, 330)
    assert find_slots(_line(("ngày", 170, 230), ("17", 240, 270), ("tháng", 280, 350))) == []


def test_a_dotted_leader_read_into_ngay_is_the_days_slot():
    """'ngày ....... tháng' with the day written over the dots, the italic 'ngày' read
    'ngài': the dots are the slot's (the hand writes on them), the letters are print.
    'tháng' read 'thúng' still ends the day's slot; 'thông tin năm' holds no month's."""
    (slot,) = find_slots(_line(("Minh,", 40, 100), ("ngài.......", 110, 260), ("tháng", 270, 370)))
    assert slot.kind == "day" and 140 < slot.box[0] < 180 and slot.box[2] == 270
    assert [w.text for w in slot.trimmed] == ["ngài"]
    (slot,) = find_slots(_line(("ngày", 110, 170), ("thúng", 270, 370), ("5", 380, 395), ("năm", 405, 460)))
    assert slot.kind == "day" and (slot.box[0], slot.box[2]) == (170, 270)  # 'tháng' crowded by the hand
    assert find_slots(_line(("thông", 110, 190), ("tin", 200, 240), ("năm", 250, 300))) == []  # no date


def _written(digit: str, rng: np.random.Generator) -> np.ndarray:
    font = ImageFont.truetype(HANDWRITING, int(rng.integers(40, 70)))
    canvas = Image.new("L", (120, 120), 0)
    ImageDraw.Draw(canvas).text((30, 10), digit, fill=255, font=font)
    ink = np.asarray(canvas.rotate(float(rng.uniform(-8, 8)), resample=Image.BICUBIC)) > 127
    return normalise(ink)


def test_the_digit_reader_reads_a_hand_it_was_never_trained_on():
    """Kaushan Script is kept out of training (scripts/train_digits.py)."""
    rng = np.random.default_rng(5)
    labels = [d for d in range(10) for _ in range(20)]
    frames = np.stack([_written(str(d), rng) for d in labels])
    predicted = DigitReader().probabilities(frames).argmax(axis=1)
    accuracy = float(np.mean(predicted == np.array(labels)))
    assert accuracy >= 0.8, accuracy


@pytest.mark.parametrize("number", ["3257", "67", "1138", "49"])
def test_digits_written_joined_are_cut_apart_and_read(number):
    """Joined digits are cut where the ink is thinnest, more often than needed; the
    pieces are grouped back by what reads best, so two digits written in one stroke
    are not one '0', nor four digits a '4' and a '0'."""
    canvas = Image.new("L", (60 * len(number) + 40, 120), 0)
    ImageDraw.Draw(canvas).text((10, 5), number, fill=255, font=ImageFont.truetype(HANDWRITING, 70))
    ink = (np.asarray(canvas) > 127).astype(np.uint8)
    ink = cv2.dilate(ink, np.ones((3, 3), np.uint8))  # a broad pen: neighbours touch
    assert len(segment(ink, 40)) >= len(number)
    reading = DigitReader().read(ink, 40)
    assert reading is not None and reading.text == number, reading


def test_a_slot_with_two_digits_apart_is_never_read_as_one():
    canvas = Image.new("L", (200, 120), 0)
    font = ImageFont.truetype(HANDWRITING, 70)
    ImageDraw.Draw(canvas).text((10, 5), "1", fill=255, font=font)
    ImageDraw.Draw(canvas).text((60, 5), "1", fill=255, font=font)
    reading = DigitReader().read(np.asarray(canvas) > 127, 40)
    assert reading is not None and reading.text == "11", reading


def _with_a_flag_apart(extra: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """'25' in a hand, its 5's flag written apart; `extra`: a flat stroke added (x0, y0, x1, y1)."""
    canvas = Image.new("L", (200, 120), 0)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(HANDWRITING, 70)
    draw.text((10, 15), "2", fill=255, font=font)
    draw.text((80, 15), "5", fill=255, font=font)
    canvas = lift_flag(canvas, tuple(round(v) for v in draw.textbbox((80, 15), "5", font=font)), 4)
    ink = (np.asarray(canvas) > 127).astype(np.uint8)
    if extra is not None:
        x0, y0, x1, y1 = extra
        ink[y0:y1, x0:x1] = 1
    return ink


def test_a_5s_flag_written_apart_is_read_with_its_5():
    """The flag is too flat for a digit; dropped as a speck, it left a 5 read unsurely
    (as a 3 or a 7 on real paper). A flat stroke far above, or at the foot (a dash of
    the dotted leader), belongs to no digit."""
    ink = _with_a_flag_apart()
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    assert n - 1 == 3 and min(stats[1:, cv2.CC_STAT_HEIGHT]) < 0.3 * 40  # 2, 5's body, flat flag
    assert sum(int(p.mask.sum()) for p in segment(ink, 40)) == int(ink.sum())  # nothing dropped
    reading = DigitReader().read(ink, 40)
    assert reading is not None and reading.text == "25" and reading.confidence >= 0.9, reading
    rows = np.nonzero(ink.any(axis=1))[0]
    above, foot = (85, 0, 115, 4), (85, rows[-1] + 3, 115, rows[-1] + 7)
    for stroke in (above, foot):
        pieces = segment(_with_a_flag_apart(stroke), 40)
        assert sum(int(p.mask.sum()) for p in pieces) == int(ink.sum())  # the stroke left out


def test_digits_touching_a_rule_are_read_without_it():
    """A number written up against the issuer's underline is one piece of ink with it:
    the rule goes, the digits stay (a real scan's three written digits were read as two others)."""
    canvas = Image.new("L", (260, 120), 0)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(HANDWRITING, 70)
    draw.text((40, 15), "349", fill=255, font=font)
    top = int(np.nonzero(np.asarray(canvas).any(axis=1))[0][0])
    draw.rectangle((0, top, 259, top + 2), fill=255)  # the rule, through the digits' tops
    ink = (np.asarray(canvas) > 127).astype(np.uint8)
    reading = DigitReader().read(ink, 40)
    assert reading is not None and reading.text == "349", reading


def test_a_thin_stroke_broken_on_a_light_scan_is_read_with_its_digit():
    """An italic 8 whose left hairlines broke off on a light photocopy (a real printed month
    read as '09'): the small bits beside its spine, within its height, are its own. A
    dot beside it is not a stroke and stays out."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf", 56)
    canvas = Image.new("L", (160, 100), 0)
    draw = ImageDraw.Draw(canvas)
    draw.text((20, 10), "38", fill=255, font=font)
    x0, y0, x1, y1 = (round(v) for v in draw.textbbox((20 + draw.textlength("3", font=font), 10), "8", font=font))
    ink = (np.asarray(canvas) > 127).astype(np.uint8)
    for y in (y0 + (y1 - y0) // 4, y0 + (y1 - y0) // 2, y0 + 3 * (y1 - y0) // 4):
        ink[y : y + 2, x0 : (x0 + x1) // 2] = 0  # the left hairlines cut through
    assert cv2.connectedComponents(ink)[0] - 1 >= 3  # bits apart from the 8's spine
    reading = DigitReader().read(ink, 40)
    assert reading is not None and reading.text == "38", reading
    ink[y1 - 6 : y1 - 2, x1 - 2 : x1 + 2] = 1  # a dot beside the 8's foot
    assert sum(int(p.mask.sum()) for p in segment(ink, 40)) == int(ink.sum()) - 16
    # A bit the slot's side cuts, beside the first digit, is a neighbour's letter's.
    cut = ink[:, int(np.nonzero(ink.any(axis=0))[0][0]) - 4 :].copy()  # two columns of paper between
    cut[y0 + 12 : y0 + 24, 0:2] = 1
    assert sum(int(p.mask.sum()) for p in segment(cut, 40)) == int(cut.sum()) - 16 - 24


@pytest.mark.slow
def test_a_foot_from_above_is_dropped_but_not_a_digit_standing_as_high_as_another():
    """A stroke the slot's top cuts, in its upper half, is the foot of a letter above,
    unless a digit beside it stands as high: then both are a hand written raised."""
    ink = np.zeros((60, 80), np.uint8)
    ink[0:22, 10:20] = 255  # cut by the top, upper half only
    foot = segment(ink, 20.0)
    ink[2:40, 40:46] = 255  # a digit beside it, from as high down past the middle
    raised = segment(ink, 20.0)
    assert foot == [] and [p.box[0] for p in raised] == [10, 40]


def test_handwritten_number_and_day_on_a_scanned_page(tmp_path):
    """Synthetic scans whose number and day are written in blue by a hand the reader
    never saw: read into the fields; green only where two readers read the digits
    alike, and then right; a number it cannot read stays '?/CODE' with the guess in
    the notes; the printed parts stay as printed."""
    samples = generate(tmp_path, 4, ["handwritten"], seed=12)
    numbers = days = green = 0
    for s in samples:
        page, _ = recognise(load_page(s.path, 1))
        # The page's record names the readers of its hand with their versions.
        assert page.engine.endswith(" + station-digits 5 + station-digit-lines 1"), page.engine
        extraction = extract([page])
        fields = extraction.fields_json()
        number, day = s.truth["so_ky_hieu"], s.truth["date"]
        got = fields["so_ky_hieu"]
        assert got["value"].endswith(number[number.index("/") :])
        if got["value"].startswith("?"):
            assert got["confidence"] < 0.5  # the printed code kept, the digits left to the clerk
        else:
            assert got["source"] == "handwritten" and got["value"] == number  # filled in: right
            numbers += 1
        assert fields["date"]["value"][:8] == day[:8]  # year and month, as printed
        if fields["date"]["source"] == "handwritten":
            days += fields["date"]["value"] == day
        for f in (got, fields["date"]):
            if f["source"] == "handwritten" and f["confidence"] >= 0.9:
                assert f["value"] in (number, day)  # green: right
                green += 1
    assert green >= 2, green
    assert numbers >= 2 and days >= 3, (numbers, days)


def test_the_month_slot_and_a_printed_word_that_took_some_of_the_handwriting():
    (slot,) = find_slots(_line(("tháng", 100, 200), ("Ẩnăm", 300, 400), ("2019", 410, 480)))
    assert slot.kind == "month" and slot.box[0] == 200 and slot.box[2] < 400
    assert [w.text for w in slot.trimmed] == ["năm"]
    assert find_slots(_line(("tháng", 100, 200), ("12", 210, 240), ("năm", 250, 330))) == []


def test_weakly_read_digits_make_a_number_slot_that_remembers_them():
    """Only a slot Tesseract read as digits, weakly, is checked against its reading;
    a day slot whose printed word took a digit of the hand ('ngàyl2') is not."""
    weak = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("364", (160, 100, 220, 130), 44.0, 0, 0)]
    weak.append(Word("/TB-SYT", (225, 100, 400, 130), 95.0, 0, 0))
    (slot,) = find_slots(weak)
    assert slot.kind == "number" and slot.weak == "364"
    sure = [replace(w, confidence=95.0) for w in weak]
    assert find_slots(sure) == []
    (day,) = find_slots(_line(("ngàyl2", 170, 260), ("tháng", 330, 400), ("01", 410, 440)))
    assert day.kind == "day" and day.weak == ""


def test_a_days_digits_read_as_print_but_wide_or_raised_get_a_slot():
    """A bilevel scan turns the pen black, and Tesseract reads the hand's day as print:
    '1' for 17 in a word as wide as two digits, or '02' standing raised above the row.
    The digit readers read the slot; Tesseract's reading is a weak one (faint when a
    digit was lost, so more digits may outdo it). A printed day is left as read."""
    row = [("Huế,", 40, 100), ("ngày", 110, 180), ("tháng", 300, 400), ("01", 410, 440)]
    (day,) = find_slots(_line(*row[:2], ("1", 195, 255), *row[2:]))
    assert day.kind == "day" and day.weak == "1" and day.faint and (day.box[0], day.box[2]) == (180, 300)
    raised = [*_line(*row), Word("02", (200, 86, 240, 118), 93.0, 0, 0)]
    (day,) = find_slots(raised)
    assert day.weak == "02" and not day.faint
    assert find_slots(_line(*row[:2], ("05", 200, 230), *row[2:])) == []  # as wide as print, on the row


def test_a_black_day_tesseract_read_short_is_read_by_the_digit_readers():
    page = Image.new("L", (700, 300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(_SANS, 26)
    draw.text((40, 100), "ngày", fill=0, font=font)
    draw.text((300, 100), "tháng 01", fill=0, font=font)
    draw.text((150, 92), "17", fill=0, font=ImageFont.truetype(HANDWRITING, 34))
    words = _line(("ngày", 40, 100), ("tháng", 300, 370), ("01", 380, 410)) + [
        Word("1", (150, 96, 200, 130), 96.0, 0, 0)
    ]
    (slot,) = find_slots(words)
    _, readings, notes = handwriting.read_slots(np.asarray(page), words, [slot])
    assert [w.text for w in readings] == ["17"] and readings[0].confidence < handwriting.READ_ALIKE
    assert any("may be 17 rather than 1" in n for n in notes)


def _printed_in_slot(digits: str, x: int, size: int = 26) -> np.ndarray:
    """A page strip with `digits` on the number's row (y 100-130), in a print face the
    digit reader was trained on, so that it reads them surely."""
    page = Image.new("L", (500, 300), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", size)
    ImageDraw.Draw(page).text((x, 100), digits, fill=0, font=font)
    return np.asarray(page)


@pytest.mark.parametrize(("reader_reads", "taken"), [("361", True), ("2551", False), ("56", False), ("36147", True)])
def test_weak_digits_give_way_only_to_as_many_sure_ones(reader_reads, taken):
    """Tesseract reads a hand's hooked 1 as a 4 ('364' at 44): a sure reader corrects it
    digit for one digit. One digit more or fewer is a cutting matter (a slash's foot
    read as a 1, '2551' for a printed 255): Tesseract's stay, disputed, with a note.
    Two digits more, read the same by both digit readers, are digits Tesseract missed:
    taken, never green. 'Số:364' is one word, whose confidence is the printed letters' too."""
    words = [Word("Số:364", (100, 100, 220, 130), 83.0, 0, 0), Word("/TB-SYT", (270, 100, 440, 130), 95.0, 0, 0)]
    page = _printed_in_slot(reader_reads, 185)  # what the slot really holds, read surely
    kept, readings, notes = handwriting.read_slots(page, words, find_slots(words))
    if taken:
        assert [w.text for w in readings] == [reader_reads] and not any("364" in w.text for w in kept)
        if len(reader_reads) > 3:
            assert readings[0].confidence < handwriting.READ_ALIKE and reader_reads in notes[0]
    else:
        assert readings == [] and [w.text for w in kept] == [w.text for w in words] and reader_reads in notes[0]
        assert kept[0].confidence == handwriting.DISPUTED  # no surer than a disputed reading


@pytest.mark.parametrize(("tesseract", "slot_holds", "taken"), [("4", "467", True), ("353", "35", False)])
def test_faint_digits_give_way_to_more_digits_never_to_fewer(tesseract, slot_holds, taken):
    """Tesseract's digits read at 20 with the code: more digits read surely in the slot
    are taken (red, with a note: a small hand's 467 read as '4'); fewer are a slot cut
    short of what Tesseract saw (the last 3 of '353/CTr-UBND' in the code's box):
    Tesseract's stay, disputed, never the short reading read alike."""
    words = [
        Word("Số:", (100, 100, 150, 130), 95.0, 0, 0),
        Word(f"{tesseract}/TB-KHN", (160, 100, 440, 130), 20.0, 0, 0),
    ]
    (slot,) = find_slots(words)
    assert slot.weak == tesseract and slot.faint
    kept, readings, notes = handwriting.read_slots(_printed_in_slot(slot_holds, slot.box[0] + 5, 40), words, [slot])
    if taken:
        assert [(w.text, w.confidence < handwriting.READ_ALIKE) for w in readings] == [(slot_holds, True)]
        assert f"may be {slot_holds} rather than {tesseract}" in notes[0]
    else:
        assert readings == [] and kept == words and f"may be {slot_holds} rather than {tesseract}" in notes[0]


def test_a_raised_slot_reads_but_never_takes_the_printed_line_above():
    """A number written small stands raised: its slot reaches up into the issuer's last
    line, whose printed words stay when the slot's reading replaces what was in it."""
    above = Word("PHẨM", (160, 64, 230, 94), 91.0, 1, 0)
    bit = Word("~", (165, 100, 185, 130), 30.0, 0, 0)
    words = [
        above,
        Word("Số:", (100, 100, 150, 130), 95.0, 0, 0),
        bit,
        Word("/TB-KHN", (240, 100, 400, 130), 95.0, 0, 0),
    ]
    (slot,) = find_slots(words)
    assert slot.box[1] < 79 < slot.box[3]  # the slot takes in the line above's middle
    page = _printed_in_slot("68", 160)
    kept, readings, _ = handwriting.read_slots(page, words, [slot])
    assert [w.text for w in readings] == ["68"] and above in kept and bit not in kept


def test_a_black_day_written_raised_and_read_as_a_line_of_its_own_is_read_whole():
    """A day written small and raised over the gap before 'tháng', its last digit
    reaching over the printed word's start. Tesseract reads it weakly as a word of a
    line of its own: that word is the hand's, neither print to blank out nor a bound
    the black hand's slot may not pass, so both digits are read."""
    words = [
        Word("ngày", (100, 100, 170, 130), 95.0, 0, 0),
        Word("tháng", (230, 100, 320, 130), 95.0, 0, 0),
        Word("PP", (205, 72, 240, 96), 40.0, 1, 0),  # the hand, read as a line of its own
    ]
    (slot,) = find_slots(words)
    assert slot.kind == "day" and slot.box[2] == 230
    page = Image.new("L", (500, 300), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 26)
    ImageDraw.Draw(page).text((206, 68), "28", fill=0, font=font)
    _, readings, _ = handwriting.read_slots(np.asarray(page), words, [slot])
    assert [w.text for w in readings] == ["28"]


def test_a_black_day_written_above_the_slots_top_is_read_whole_and_never_alike_when_cut():
    """A day written raised in black runs through the top of its slot as measured: the
    cut reaches a line higher (the printed words above are blanked out), so both digits
    are read; Tesseract read it surely as a word of a line of its own ('1ó'), and a
    digit in a date's slot is the hand's, not print. Were the digits still cut by the
    top, no two readers' agreement would make them green: a part may be missing."""
    words = [Word("ngày", (100, 100, 170, 130), 95.0, 0, 0), Word("tháng", (240, 100, 330, 130), 95.0, 0, 0)]
    (slot,) = find_slots(words)
    assert slot.box[1] == 79
    page = Image.new("L", (500, 300), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 26)
    ImageDraw.Draw(page).text((185, 58), "28", fill=0, font=font)  # ink from y 64 to 83
    _, readings, _ = handwriting.read_slots(np.asarray(page), words, [slot])
    assert [w.text for w in readings] == ["28"]
    read_as_a_line = [*words, Word("1ó", (185, 64, 215, 83), 82.0, 1, 0)]
    kept, readings, _ = handwriting.read_slots(np.asarray(page), read_as_a_line, [slot])
    assert [w.text for w in readings] == ["28"] and "1ó" not in [w.text for w in kept]
    # At the page's top edge the slot can reach no higher: digits cut there are read,
    # never alike, where the same digits whole are.
    at_top = replace(slot, box=(slot.box[0], 2, slot.box[2], 40))
    big = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 40)
    confidences = []
    for y in (-4, -11):  # whole (ink from y 5 to 34); its top 2 pixels cut off by the page's edge
        page = Image.new("L", (500, 300), 255)
        ImageDraw.Draw(page).text((180, y), "28", fill=0, font=big)
        (reading,) = handwriting.read_slots(np.asarray(page), words, [at_top])[1]
        confidences.append((reading.text, reading.confidence))
    assert confidences[0] == ("28", handwriting.READ_ALIKE)
    assert confidences[1][1] < handwriting.READ_ALIKE, confidences


def test_a_slot_tesseract_read_as_digits_gets_no_note_for_a_reading_that_is_no_number():
    """Printed '03/ĐL-BTC' read weakly: a slot measured short holds only its '0', which
    is no number; Tesseract's digits stand, and the clerk is not told it 'may be 0'."""
    words = [Word("Số:", (100, 100, 150, 130), 93.0, 0, 0), Word("03/ĐL-BTC", (160, 100, 400, 130), 54.0, 0, 0)]
    page = _printed_in_slot("0", 170, size=40)  # the slot holds only the printed number's first digit
    (slot,) = find_slots(words)
    assert slot.weak == "03"
    kept, readings, notes = handwriting.read_slots(page, words, [slot])
    assert readings == [] and kept == words and notes == []


def test_a_slot_beside_a_lone_dash_is_as_tall_as_the_printed_line():
    """'Số:.... - TB/ĐTN': the printed words around the slot are the dotted 'Số:' (taken
    as part of the slot) and a dash; the slot's height comes from print, not the dash."""
    words = [
        Word("Số:....", (100, 100, 190, 130), 90.0, 0, 0),
        Word("-", (260, 112, 270, 117), 90.0, 0, 0),
        Word("TB/ĐTN", (280, 100, 420, 130), 95.0, 0, 0),
    ]
    (slot,) = find_slots(words)
    assert slot.box[1] < 100 and slot.box[3] > 130, slot.box


_PEN_BLUE = (35, 65, 190)
_SANS = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"


def _header_row(hand: str, hand_x: int, colour: tuple[int, int, int], slash_x: int) -> np.ndarray:
    """An RGB strip: 'Số:' and '/TB-KHN' printed in black on the number's row (y 100-130),
    `hand` written between them in `colour` from `hand_x` (in a face the digit reader
    reads surely)."""
    page = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(_SANS, 26)
    draw.text((100, 100), "Số:", fill=(0, 0, 0), font=font)
    draw.text((slash_x, 100), "/TB-KHN", fill=(0, 0, 0), font=font)
    draw.text((hand_x, 96), hand, fill=colour, font=font)
    return np.asarray(page)


def test_a_pens_digits_are_followed_past_a_slot_measured_short():
    """Tesseract's word for the code can start inside the hand's digits, so the slot
    measured from it ends too soon. In a pen's blue the strokes are the hand's whatever
    the measure says: all of '247' is read, and the black code stays out. In black,
    nothing tells the hand's strokes from print: the slot is read as measured."""
    words = [Word("Số:", (100, 100, 145, 130), 95.0, 0, 0), Word("/TB-KHN", (180, 100, 400, 130), 95.0, 0, 0)]
    (slot,) = find_slots(words)
    assert slot.box[2] == 180
    blue = _header_row("247", 150, _PEN_BLUE, 197)
    _, readings, _ = handwriting.read_slots(blue, words, [slot])
    assert [w.text for w in readings] == ["247"]
    black = _header_row("247", 150, (0, 0, 0), 197)
    _, readings, _ = handwriting.read_slots(black, words, [slot])
    assert [w.text for w in readings] != ["247"]
    # Begun over 'Số:', its first digit is cut by the slot's side: what is read of it
    # is never read alike, never green.
    cut = _header_row("247", 138, (0, 0, 0), 197)
    _, readings, _ = handwriting.read_slots(cut, words, [slot])
    assert all(w.confidence < handwriting.READ_ALIKE for w in readings), readings


def test_print_on_a_scan_with_a_colour_cast_is_not_a_pens():
    """A whole scan tinted blue-grey tints its print: only ink clearly bluer than the
    rest of the window's ink is a pen's."""
    tinted = _header_row("58", 160, (70, 75, 100), 215)
    tinted = cv2.add(tinted, np.full_like(tinted, (0, 0, 20)))  # the paper and print tinted alike
    grey = cv2.cvtColor(tinted, cv2.COLOR_RGB2GRAY)
    _, dark = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    assert np.count_nonzero(handwriting._pen(tinted, dark)) == 0
    pen = _header_row("58", 160, _PEN_BLUE, 215)
    grey = cv2.cvtColor(pen, cv2.COLOR_RGB2GRAY)
    _, dark = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    found = handwriting._pen(pen, dark)
    assert np.count_nonzero(found[:, 155:205]) > 0.5 * np.count_nonzero(dark[:, 155:205])
    assert np.count_nonzero(found[:, :150]) == 0  # 'Số:' is print


def _with_written_day(confidence: float):
    """A generated header whose day the văn thư wrote by hand, read with `confidence`."""
    import random

    from tests.fieldpages import build
    from tests.synthetic.content import random_document

    doc = random_document(random.Random(8))
    doc.secrecy = doc.urgency = None
    (page,) = build(doc)
    at = next(i for i, w in enumerate(page.words) if w.text == "ngày") + 1
    day = replace(page.words[at], confidence=confidence)
    page.words[at] = day
    page.handwritten = [day]
    return doc, extract([page])


def test_a_day_two_readers_read_alike_counts_as_read_and_one_readers_is_to_check():
    """The hand's day read alike by the digit reader and by Tesseract held to digits
    may be green with the printed month and year; read by one, the date is red."""
    doc, alike = _with_written_day(handwriting.READ_ALIKE)
    date = alike.fields["date"]
    assert date.value == doc.truth()["date"] and date.source == "handwritten" and date.confidence >= 0.9
    assert any("alike by two readers" in n for n in alike.notes)
    _, one = _with_written_day(handwriting.HANDWRITTEN_CAP)
    assert one.fields["date"].source == "handwritten" and one.fields["date"].confidence < 0.9
    assert any("check them" in n for n in one.notes)


def test_a_hands_digits_two_digit_readers_read_alike_count_as_read():
    """The glyph reader and the line reader, each sure of '47' on the same ink."""
    words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (240, 100, 400, 130), 95.0, 0, 0)]
    page = _printed_in_slot("47", 165, size=40)
    _, readings, _ = handwriting.read_slots(page, words, find_slots(words))
    assert [(w.text, w.confidence) for w in readings] == [("47", handwriting.READ_ALIKE)]


def test_digits_beside_a_faint_digit_broken_into_bits_are_never_read_alike():
    """A faint third digit that came out as bits too small for a digit: both readers
    read the other two alike, surely, a digit short. That reading stays to check."""
    words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (260, 100, 400, 130), 95.0, 0, 0)]
    page = _printed_in_slot("47", 165, size=40).copy()
    for y in range(104, 134, 8):  # a faint 1 after the 7, in bits
        page[y : y + 4, 228:231] = 0
    _, readings, _ = handwriting.read_slots(page, words, find_slots(words))
    assert [w.text for w in readings] == ["47"] and readings[0].confidence < handwriting.READ_ALIKE


@pytest.mark.parametrize(
    ("second", "confidence"), [("47", handwriting.READ_ALIKE), ("41", handwriting.HANDWRITTEN_CAP)]
)
def test_without_the_line_reader_tesseract_is_the_second_reader(monkeypatch, second, confidence):
    """An install without the line reader's model: the glyph reader, sure of '47', is
    backed by Tesseract held to digits on the same ink; where Tesseract reads other
    digits, the reading stays one to check."""
    monkeypatch.setattr(handwriting, "line_reader", lambda: None)
    words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (240, 100, 400, 130), 95.0, 0, 0)]
    page = _printed_in_slot("47", 165, size=40)
    if second != "47":
        monkeypatch.setattr(handwriting, "read_digit_line", lambda line: second)
    _, readings, _ = handwriting.read_slots(page, words, find_slots(words))
    assert [(w.text, w.confidence) for w in readings] == [("47", confidence)]


_WITHOUT_ENGLISH = """
import sys
sys.path.insert(0, sys.argv[1])
from ocr import handwriting
from ocr.handwriting import find_slots
from ocr.types import Word
from tests.test_handwriting import _printed_in_slot

handwriting.line_reader = lambda: None  # the glyph reader alone, as before the line reader
words = [Word("Số:", (100, 100, 150, 130), 95.0, 0, 0), Word("/TB-SYT", (240, 100, 400, 130), 95.0, 0, 0)]
_, readings, _ = handwriting.read_slots(_printed_in_slot("47", 165, size=40), words, find_slots(words))
print([(w.text, w.confidence) for w in readings])
"""


def test_without_the_second_readers_language_data_a_hands_digits_stay_to_check(tmp_path):
    """An install whose Tesseract has its Vietnamese data but not the English, and
    without the line reader, reads the slot with the glyph reader alone: red (the same
    page reads alike with Tesseract: the test above)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from ocr.tesseract import tessdata_dir

    for name in ("vie", "osd"):
        (tmp_path / f"{name}.traineddata").symlink_to(Path(tessdata_dir()) / f"{name}.traineddata")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "TESSDATA_PREFIX": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ENGLISH, str(root)], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str([("47", handwriting.HANDWRITTEN_CAP)]), out.stderr


@pytest.mark.parametrize(("third", "taken"), [("155", True), ("455", False)])
def test_a_dispute_of_as_many_digits_is_settled_by_tesseract_on_the_slots_ink(monkeypatch, third, taken):
    """The page's reading has '455' (weakly), the digit reader '155' (fairly sure): Tesseract
    held to digits on the slot's ink alone is a third reader. Agreeing with the digit
    reader, its digits are taken (below green: the digit reader was not sure of them);
    agreeing with the page's reading, the dispute stands."""
    from ocr.digits import DigitReading

    class Reader:
        def read(self, ink, line_height):
            return DigitReading("155", 0.8, (5, 5, 60, 40))

    monkeypatch.setattr(handwriting, "reader", lambda: Reader())
    monkeypatch.setattr(handwriting, "line_reader", lambda: None)
    monkeypatch.setattr(handwriting, "read_digit_line", lambda line: third)
    words = [Word("Số:455", (100, 100, 220, 130), 83.0, 0, 0), Word("/2020/NĐ-CP", (270, 100, 440, 130), 95.0, 0, 0)]
    page = _printed_in_slot("155", 185)
    kept, readings, notes = handwriting.read_slots(page, words, find_slots(words))
    if taken:
        assert [(w.text, w.confidence) for w in readings] == [("155", 80.0)] and notes == []
    else:
        assert readings == [] and "155" in notes[0] and kept[0].confidence == handwriting.DISPUTED
