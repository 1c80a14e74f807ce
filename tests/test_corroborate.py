"""Green only where two readings agree: on a real scan OCR is rarely 90% sure even of
what it read right, so the issuer, the type and the number are raised to green only
when the notation's code confirms them, and never when it names another body, the
digits were read weakly or by hand."""

from __future__ import annotations

import random
from dataclasses import replace

from classifiers import extract
from classifiers.corroborate import CONFIRMED, initials, names_issuer
from classifiers.fields import Field
from ocr.types import RecognisedPage, Word
from tests.fieldpages import build
from tests.synthetic.content import random_document


def test_initials_of_a_body_and_the_codes_they_spell():
    assert initials("BỘ GIÁO DỤC VÀ ĐÀO TẠO") == "bgddt"
    assert initials("UBND TỈNH KIÊN GIANG") == "ubndtkg"
    assert initials("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI") == "sldtbxh"
    assert names_issuer(["TB", "SYT"], "SỞ Y TẾ")
    assert names_issuer(["SGDĐT", "KHTC"], "SỞ GIÁO DỤC VÀ ĐÀO TẠO")
    assert names_issuer(["QĐ", "ĐHMĐ"], "TRƯỜNG ĐẠI HỌC MIỀN ĐÔNG")
    assert names_issuer(["UBND", "VP"], "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN")
    assert not names_issuer(["QĐ", "UBND"], "SỞ Y TẾ")
    assert not names_issuer(["TB", "SXD"], "BỘ XÂY DỰNG")  # another kind of body
    assert not names_issuer(["QĐ"], "SỞ Y TẾ")


def _page(
    notation: str, heading: str | None, ocr: float, digits: float, year: int | None = None
) -> list[RecognisedPage]:
    """A header as a real scan reads it: every word at `ocr`, the number's at `digits`."""
    doc = random_document(random.Random(3))
    doc.year = year or doc.year
    doc.secrecy = doc.urgency = None
    doc.parent, doc.issuer, doc.notation, doc.type_heading = "", "SỞ Y TẾ", notation, heading
    doc.addressees = doc.addressees or ["Các đơn vị trực thuộc"]
    (page,) = build(doc)
    number = notation.split("/")[0]
    page.words = [
        replace(w, confidence=digits if w.text.startswith(number) and number.isdigit() else ocr) for w in page.words
    ]
    return [page]


def test_issuer_type_and_number_the_code_confirms_are_green_on_a_middling_scan():
    ex = extract(_page("47/TB-SYT", "THÔNG BÁO", ocr=85.0, digits=96.0))
    fields = ex.fields
    assert fields["issuer"].value == "SỞ Y TẾ" and fields["issuer"].confidence >= CONFIRMED
    assert fields["type"].value == "Thông báo" and fields["type"].confidence >= CONFIRMED
    assert fields["so_ky_hieu"].value == "47/TB-SYT" and fields["so_ky_hieu"].confidence >= CONFIRMED


def test_a_cong_van_is_confirmed_by_a_code_without_a_type():
    fields = extract(_page("12/SYT-NVD", None, ocr=85.0, digits=95.0)).fields
    assert fields["type"].value == "Công văn" and fields["type"].confidence >= CONFIRMED
    assert fields["so_ky_hieu"].value == "12/SYT-NVD" and fields["so_ky_hieu"].confidence >= CONFIRMED


def test_nothing_is_raised_when_the_code_names_another_body_or_the_digits_are_weak():
    other = extract(_page("47/TB-STC", "THÔNG BÁO", ocr=85.0, digits=85.0)).fields
    assert other["issuer"].confidence < 0.9 and other["so_ky_hieu"].confidence < 0.9
    weak = extract(_page("47/TB-SYT", "THÔNG BÁO", ocr=85.0, digits=70.0)).fields
    assert weak["issuer"].confidence >= CONFIRMED  # the name and the code still agree
    assert weak["so_ky_hieu"].confidence <= 0.7  # no surer than the word with its digits
    disagree = extract(_page("47/QĐ-SYT", "THÔNG BÁO", ocr=85.0, digits=96.0)).fields
    assert disagree["type"].confidence < 0.9 and disagree["so_ky_hieu"].confidence < 0.9


def test_a_notation_token_read_weakly_is_confirmed_by_its_digits_read_alike():
    """Tesseract read '47/TB-SYT' at 79, as it reads most long tokens of digits and
    capitals: unconfirmed. Its digits read alike by the digit reader
    (RecognisedPage.confirmed_digits) are the number's second reading; the code is
    confirmed by the issuer and the type as before."""
    pages = _page("47/TB-SYT", "THÔNG BÁO", ocr=85.0, digits=79.0)
    assert extract(pages).fields["so_ky_hieu"].confidence < 0.9
    token = next(w for w in pages[0].words if w.text == "47/TB-SYT")
    x0, y0, x1, y1 = token.box
    pages[0].confirmed_digits = [replace(token, text="47", box=(x0, y0, x0 + (x1 - x0) // 4, y1), confidence=95.0)]
    assert extract(pages).fields["so_ky_hieu"].confidence >= CONFIRMED
    pages[0].confirmed_digits = [replace(pages[0].confirmed_digits[0], text="41")]  # not the token's digits
    assert extract(pages).fields["so_ky_hieu"].confidence < 0.9


def test_a_weak_reading_is_not_raised_by_agreement():
    fields = extract(_page("47/TB-SYT", "THÔNG BÁO", ocr=60.0, digits=96.0)).fields
    assert all(fields[k].confidence < 0.9 for k in ("issuer", "type", "so_ky_hieu"))


def test_a_mended_code_is_confirmed_only_when_the_other_fields_spell_all_of_it():
    """OCR reads a capital small ('sYT') and the code is mended: confirmed when its two
    parts are the type's and the issuer's, not when a part no field spells was mended."""
    mended = extract(_page("47/TB-sYT", "THÔNG BÁO", ocr=85.0, digits=96.0)).fields["so_ky_hieu"]
    assert (mended.value, mended.source) == ("47/TB-SYT", "repaired") and mended.confidence >= CONFIRMED
    extra = extract(_page("47/TB-sYT-NVD", "THÔNG BÁO", ocr=85.0, digits=96.0)).fields["so_ky_hieu"]
    assert extra.value == "47/TB-SYT-NVD" and extra.confidence < 0.9


def test_a_cong_van_is_known_by_its_v_v_however_weakly_its_subject_was_read():
    pages = _page("12/SYT-NVD", None, ocr=85.0, digits=95.0)
    page = pages[0]
    vv = next(w for w in page.words if w.text.startswith("V/v"))
    weak = [w for w in page.words if w.line == vv.line and w is not vv][-1]
    page.words = [replace(w, confidence=40.0) if w is weak else w for w in page.words]
    fields = extract(pages).fields
    assert fields["subject"].confidence < 0.5  # the subject is as weak as its weakest word
    assert fields["type"].value == "Công văn" and fields["type"].confidence >= CONFIRMED
    alone = extract(_page("12/QĐ-SYT", None, ocr=95.0, digits=95.0)).fields["type"]
    assert alone.value == "Công văn" and alone.confidence < 0.9  # the code names a type: no agreement


def test_a_weakly_read_code_is_confirmed_when_every_part_and_its_year_are():
    """'7/2025/QĐ-UBND' with its code read at 61: the type's code, the issuer's and the
    date's year spell all of it; a year that is not the date's leaves it as read."""

    def notation(year: int, doc_year: int) -> Field:
        pages = _page(f"47/{year}/TB-SYT", "THÔNG BÁO", ocr=85.0, digits=96.0, year=doc_year)
        words = []
        for w in pages[0].words:  # OCR parts the digits from a code it reads weakly
            if w.text == f"47/{year}/TB-SYT":
                x0, y0, x1, y1 = w.box
                cut = x0 + (x1 - x0) // 7
                words += [
                    replace(w, text="47", box=(x0, y0, cut, y1)),
                    replace(w, text=w.text[2:], box=(cut + 4, y0, x1, y1), confidence=61.0),
                ]
            else:
                words.append(w)
        pages[0].words = words
        found = extract(pages).fields
        assert found["so_ky_hieu"].value == f"47/{year}/TB-SYT" and found["date"].value[:4] == str(doc_year)
        return found["so_ky_hieu"]

    assert notation(2025, 2025).confidence >= CONFIRMED
    assert notation(2024, 2025).confidence < 0.9


def test_a_party_style_notation_names_its_type_before_the_slash():
    """'55-TB/SYT' (the Party's and Youth Union's style): TB is the type, though no code
    part after the slash names one; a công văn is not confirmed by it, a thông báo is."""
    from classifiers.corroborate import code_parts, corroborate

    assert code_parts("55-TB/ĐTN") == ["TB", "ĐTN"] and code_parts("?-TB/ĐTN") == ["TB", "ĐTN"]
    assert code_parts("12/TB-SYT") == ["TB", "SYT"] and code_parts("4180/2006/QĐ-UBND") == ["QĐ", "UBND"]
    for kind, confirmed in (("Công văn", False), ("Thông báo", True)):
        fields = {
            "so_ky_hieu": Field("so_ky_hieu", "55-TB/SYT", 0.85),
            "issuer": Field("issuer", "SỞ Y TẾ", 0.85),
            "type": Field("type", kind, 0.85),
        }
        corroborate(fields, digits_confidence=0.96, code_words_confidence=0.85)
        assert (fields["type"].confidence >= CONFIRMED) is confirmed, kind


def _filed(pages: list[RecognisedPage], units: str | None, confidence: float = 95.0) -> list[RecognisedPage]:
    """The pages with their number's code read at 61 apart from its digits (as OCR
    parts them), and their 'Lưu: VT.' item naming `units` after VT too, read at `confidence`."""
    words: list[Word] = []
    for w in pages[0].words:
        x0, y0, x1, y1 = w.box
        if w.text.startswith("47/"):
            cut = x0 + (x1 - x0) // 5
            words += [
                replace(w, text="47", box=(x0, y0, cut, y1)),
                replace(w, text=w.text[2:], box=(cut + 4, y0, x1, y1), confidence=61.0),
            ]
        elif w.text == "VT." and units:
            words += [
                replace(w, text="VT,"),
                replace(w, text=units, box=(x1 + 20, y0, x1 + 200, y1), confidence=confidence),
            ]
        else:
            words.append(w)
    pages[0].words = words
    return pages


def test_a_drafting_units_code_is_confirmed_by_the_lưu_item_naming_it():
    """'47/SYT-KHTC' with its code read weakly: SYT is the issuer's, and KHTC, the drafting
    unit's, is confirmed only where '- Lưu: VT, KHTC.' names it again, read surely."""

    def notation(units: str | None, confidence: float = 95.0) -> Field:
        fields = extract(_filed(_page("47/SYT-KHTC", None, ocr=85.0, digits=96.0), units, confidence)).fields
        assert fields["so_ky_hieu"].value == "47/SYT-KHTC" and fields["type"].value == "Công văn"
        return fields["so_ky_hieu"]

    assert notation("KHTC.").confidence >= CONFIRMED
    assert notation("KHTC.", confidence=60.0).confidence < 0.9  # named, but read weakly
    assert notation("QLD.").confidence < 0.9  # another unit
    assert notation(None).confidence < 0.9  # named nowhere else
