"""The receiving office's ĐẾN stamp (issue 12): its number and date come out as the
arrival stamp, never green, and none of its text leaks into the document's fields."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from classifiers import extract
from ocr import RecognisedPage, Word
from station.page_work import PageTask, run_page
from tests.fieldpages import build
from tests.synthetic import generate
from tests.synthetic.content import random_document


def _stamp(words: list[tuple[str, int, int]]) -> list[Word]:
    return [Word(t, (x, y, x + 24 * len(t), y + 45), 80.0, i, 1) for i, (t, x, y) in enumerate(words)]


def _page(marks: list[Word], seed: int = 3) -> tuple[RecognisedPage, dict]:
    doc = random_document(random.Random(seed))
    doc.secrecy = doc.urgency = None
    (page, *_) = build(doc)
    return replace(page, marks=marks), doc.truth()


def test_a_coloured_den_stamp_gives_its_number_and_date_in_the_documents_year():
    page, truth = _page(
        _stamp([("ĐẾN", 1700, 360), ("Số:", 1900, 370), ("2815", 1990, 370), ("Ngày:", 1705, 485), ("18/3", 1840, 485)])
    )
    ex = extract([page])
    stamp = ex.arrival_stamp
    assert stamp is not None and stamp.number == 2815 and stamp.day_month == "18/03"
    issued = truth["date"]
    year = int(issued[:4]) + (1 if (3, 18) < (int(issued[5:7]), int(issued[8:])) else 0)
    assert stamp.date == f"{year}-03-18"
    assert stamp.confidence < 0.9
    for k in ("so_ky_hieu", "date", "issuer", "type"):
        assert ex.fields[k].value == truth[k], k


def test_a_stamp_whose_den_was_not_read_is_still_found_from_its_coloured_lines():
    page, _ = _page(_stamp([("Số:", 1700, 370), ("856", 1790, 370), ("Ngày:", 1705, 485), ("19/3/2025", 1840, 485)]))
    stamp = extract([page]).arrival_stamp
    assert stamp is not None and stamp.number == 856 and stamp.date == "2025-03-19"


def test_no_stamp_no_arrival_entry():
    page, _ = _page([])
    assert extract([page]).arrival_stamp is None


@pytest.mark.slow
def test_den_stamps_on_synthetic_scans_are_read_and_stay_out_of_the_fields(tmp_path):
    samples = generate(tmp_path, 6, ["stamps"], seed=11)
    read = 0
    for s in samples:
        truth = json.loads(s.path.with_suffix(".truth.json").read_text(encoding="utf-8"))
        out = run_page(PageTask(s.path, 1, tmp_path / f"{s.path.stem}-p.pdf"))
        ex = extract([RecognisedPage.from_dict(out.page or {})])
        stamp, said = ex.arrival_stamp, truth["arrival_stamp"]
        assert stamp is not None, s.path.name
        assert stamp.confidence < 0.9
        read += stamp.number == said["number"] and stamp.day_month == f"{said['day']:02d}/{said['month']:02d}"
        for k in ("issuer", "type"):
            assert ex.fields[k].value == truth["fields"][k], (s.path.name, k)
        assert "ĐẾN" not in (ex.fields["subject"].value or "")
    assert read >= 3  # measured 3 of 6: OCR of stamp ink misses or misreads the rest
