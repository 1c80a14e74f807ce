"""A header word OCR could not read is taken from the body where the document names
its issuer again; words read well are never changed by what the body says."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from classifiers import extract
from classifiers.layout import page_lines
from classifiers.restated import restated
from ocr.types import RecognisedPage
from tests.fieldpages import build
from tests.synthetic.content import random_document

_NAME = "BAN CHỈ ĐẠO PHÒNG CHỐNG THIÊN TAI CỦA TỈNH"


def _page(issuer: str, subject: str, header: dict[str, tuple[str, float]]) -> list[RecognisedPage]:
    """A page whose issuer words in `header` are read as given (text, confidence)."""
    doc = random_document(random.Random(5))
    doc.parent, doc.issuer, doc.subject = "", issuer, subject
    doc.secrecy = doc.urgency = None
    (page,) = build(doc)
    top = min(w.line for w in page.words)
    words = []
    for w in page.words:
        if w.line <= top + 1 and w.text in header and w.box[0] < 1200:
            text, conf = header[w.text]
            w = replace(w, text=text, confidence=conf)
        words.append(w)
    page.words = words
    return [page]


def test_an_unread_header_word_is_taken_from_the_body_naming_the_issuer():
    subject = "ban hành kế hoạch kiểm tra của Ban Chỉ đạo phòng chống thiên tai của Tỉnh"
    fields = extract(_page(_NAME, subject, {"CỦA": ("CA", 0.0)})).fields
    assert fields["issuer"].value == _NAME
    assert fields["issuer"].confidence < 0.9  # mended, not confirmed


def test_without_the_body_naming_it_the_word_stays_as_read():
    fields = extract(_page(_NAME, "ban hành kế hoạch kiểm tra năm nay", {"CỦA": ("CA", 0.0)})).fields
    assert fields["issuer"].value != _NAME


def test_a_body_read_weakly_or_naming_it_two_ways_mends_nothing():
    weak_body = "kế hoạch của Ban Chỉ đạo phòng chống thiên tai cùa Tỉnh"  # 'cùa' read as below
    page = _page(_NAME, weak_body, {"CỦA": ("CA", 0.0)})
    page[0].words = [replace(w, confidence=60.0) if w.text == "cùa" else w for w in page[0].words]
    assert extract(page).fields["issuer"].value != _NAME
    two_ways = "Ban Chỉ đạo phòng chống thiên tai của Tỉnh và Ban Chỉ đạo phòng chống thiên tai cả Tỉnh"
    assert extract(_page(_NAME, two_ways, {"CỦA": ("CA", 0.0)})).fields["issuer"].value != _NAME


def test_a_word_read_well_is_never_moved_to_another_body_the_text_names():
    issuer = "ỦY BAN NHÂN DÂN HUYỆN TUY AN"
    subject = "phối hợp với Ủy ban nhân dân huyện Tuy Hòa về đất đai"
    fields = extract(_page(issuer, subject, {})).fields
    assert fields["issuer"].value == issuer
    # Read weakly, the place word is still not taken from a text naming another place
    # unlike it ('AN' and 'Hòa').
    fields = extract(_page(issuer, subject, {"AN": ("AN", 20.0)})).fields
    assert fields["issuer"].value == issuer


_SCHOOL = "TRƯỜNG CAO ĐẲNG KỸ THUẬT MIỀN TÂY"  # on no reference list
_STATED = "kế hoạch tuyển sinh của Trường Cao đẳng Kỹ thuật Miền Tây năm nay"


def _school_page(subject: str = _STATED, notation: str = "12/TB-CĐKTMT") -> RecognisedPage:
    """A thông báo of the school, its header read at 88 as on a scan."""
    doc = random_document(random.Random(8))
    doc.parent, doc.issuer, doc.subject, doc.notation, doc.type_heading = "", _SCHOOL, subject, notation, "THÔNG BÁO"
    doc.secrecy = doc.urgency = None
    (page,) = build(doc)
    page.words = [replace(w, confidence=88.0) if w.box[1] < 400 else w for w in page.words]
    return page


@pytest.mark.parametrize(
    ("subject", "notation", "green"),
    [
        (_STATED, "12/TB-CĐKTMT", True),
        # The code does not spell it: no second confirmation.
        (_STATED, "12/TB-SGDĐT", False),
        # Only the start of a longer name the body states: not the name.
        ("kế hoạch của Trường Cao đẳng Kỹ thuật Miền Tây Nam Bộ năm nay", "12/TB-CĐKTMT", False),
        # Not stated in the body.
        ("kế hoạch tuyển sinh năm nay", "12/TB-CĐKTMT", False),
    ],
)
def test_an_issuer_no_list_knows_is_confirmed_by_the_body_stating_it_and_the_code(subject, notation, green):
    """An issuer on no reference list was never green. Read in the header and again in
    the body, word for word, and spelled by the notation's code, it is read thrice."""
    issuer = extract([_school_page(subject, notation)]).fields["issuer"]
    assert issuer.value == _SCHOOL
    assert (issuer.confidence >= 0.9) == green


@pytest.mark.parametrize(("notation", "green"), [("12/TB-CĐKTMT", True), ("12/TB-CDKTMT", False)])
def test_the_issuers_name_confirms_a_codes_đ_only_as_it_spells_it(notation, green):
    """A grey 150-dpi copy of a real scan read the Đ of a code on no list as D: folded,
    the issuer's initials still spelled it, and the wrong code was shown green. The
    name confirms the code's letters as it spells them, Đ apart from D; the name itself
    is confirmed all the same."""
    page = _school_page(notation=notation)
    page.words = [replace(w, confidence=96.0) if w.text.startswith("12") else w for w in page.words]
    fields = extract([page]).fields
    assert fields["issuer"].value == _SCHOOL and fields["issuer"].confidence >= 0.9
    assert fields["so_ky_hieu"].value == notation
    assert (fields["so_ky_hieu"].confidence >= 0.9) == green


def test_a_body_word_read_weakly_confirms_nothing():
    page = _school_page()
    page.words = [replace(w, confidence=70.0) if w.text == "Kỹ" else w for w in page.words]
    assert extract([page]).fields["issuer"].confidence < 0.9


@pytest.mark.parametrize(
    ("read", "conf"),
    [
        ("MIEN", 90.0),  # marks lost, read surely
        ("MIÊN", 90.0),  # the tone lost
        ("MIÊỀN", 90.0),  # no Vietnamese syllable
        ("MIÊN", 40.0),  # read weakly
        ("MIỄN", 85.0),  # another tone, read less surely than the body's
    ],
)
def test_a_header_word_read_with_its_marks_lost_or_garbled_is_taken_from_the_body(read, conf):
    """Caps in the header lose their marks more often than running text: a word read
    with fewer marks than the body's same word, or no syllable at all, is taken from
    the body stating the name, the other words alike."""
    fields = extract(_page(_SCHOOL, _STATED, {"MIỀN": (read, conf)})).fields
    assert fields["issuer"].value == _SCHOOL


def test_a_header_word_with_marks_the_body_lacks_is_kept():
    subject = "kế hoạch tuyển sinh của Trường Cao đẳng Kỹ thuật Mien Tây năm nay"  # the body's lost
    assert extract(_page(_SCHOOL, subject, {})).fields["issuer"].value == _SCHOOL


@pytest.mark.parametrize(
    ("read", "issuer", "mended"),
    [
        ("12/TB-CĐĐKTMT", _SCHOOL, "12/TB-CĐKTMT"),  # a letter read twice, the issuer's initials spell it once
        ("12/TB-CĐĐĐKTMT", _SCHOOL, "12/TB-CĐKTMT"),  # thrice
        ("12/ĐĐBQH-VP", "ĐOÀN ĐẠI BIỂU QUỐC HỘI TỈNH", None),  # twice as the issuer spells it: kept
    ],
)
def test_a_code_letter_read_twice_is_taken_once_where_the_issuers_initials_say_so(read, issuer, mended):
    from classifiers.corroborate import undouble_code
    from classifiers.fields import Field

    fields = {"so_ky_hieu": Field("so_ky_hieu", read, 0.8), "issuer": Field("issuer", issuer, 0.8)}
    undouble_code(fields)
    assert fields["so_ky_hieu"].value == (mended or read)
    assert (fields["so_ky_hieu"].source == "repaired") == bool(mended)


def test_a_name_mended_from_the_body_is_not_confirmed_by_the_body():
    """The body cannot vouch twice: a name whose header words were mended from it is
    right but stays below green, however the code spells it."""
    page = _school_page()
    page.words = [replace(w, text="MIEN") if w.text == "MIỀN" and w.box[1] < 400 else w for w in page.words]
    issuer = extract([page]).fields["issuer"]
    assert issuer.value == _SCHOOL and issuer.source == "restated" and issuer.confidence < 0.9


_CITY_SCHOOL = "TRƯỜNG CAO ĐẲNG KỸ THUẬT TP. HẢI PHÒNG"


@pytest.mark.parametrize(
    ("subject", "stated"),
    [
        # 'TP.' in the header, 'Thành phố' in the body: one name.
        ("kế hoạch của Trường Cao đẳng Kỹ thuật Thành phố Hải Phòng; năm nay", True),
        # An article's heading after the name ends it ('... Hải Phòng' 'Điều 2.').
        ("kế hoạch của Trường Cao đẳng Kỹ thuật Thành phố Hải Phòng Điều 2. Nay", True),
        # A capitalised word runs on: the start of a longer name, not this one.
        ("kế hoạch của Trường Cao đẳng Kỹ thuật Thành phố Hải Phòng Mới năm nay", False),
        ("kế hoạch của Trường Cao đẳng Kỹ thuật Hải Phòng năm nay", False),
    ],
)
def test_a_city_abbreviated_or_an_article_after_the_name_still_restates_it(subject, stated):
    doc = random_document(random.Random(8))
    doc.parent, doc.issuer, doc.subject, doc.notation, doc.type_heading = (
        "",
        _CITY_SCHOOL,
        subject,
        "12/TB-CĐKT",
        "THÔNG BÁO",
    )
    doc.secrecy = doc.urgency = None
    (page,) = build(doc)
    issuer = extract([page]).fields["issuer"]
    assert issuer.value == _CITY_SCHOOL
    assert restated(_CITY_SCHOOL, page_lines(page, 1), issuer.page, issuer.box) == stated


def test_an_issuer_the_office_has_registered_is_known_like_a_listed_one():
    """A body on no list, its name not stated in the body: red, unless the office has
    registered a document of it before (models.documents.registered_issuers), read as
    it stands; another body registered makes no difference."""
    page = _school_page(subject="kế hoạch tuyển sinh năm nay")
    assert extract([page]).fields["issuer"].confidence < 0.9
    assert extract([page], known_issuers={_SCHOOL}).fields["issuer"].confidence >= 0.9
    assert extract([page], known_issuers={"TRƯỜNG CAO ĐẲNG KỸ THUẬT MIỀN ĐÔNG"}).fields["issuer"].confidence < 0.9


@pytest.mark.slow
def test_the_pipeline_confirms_an_issuer_the_office_has_registered(tmp_path):
    """End to end: a college's scan whose body does not state its name, read by
    Tesseract, with and without the college among the registered issuers."""
    from station.pipeline import Options, process_files
    from tests.synthetic.content import COLLEGE
    from tests.synthetic.render import render_document

    doc = random_document(random.Random(8))
    doc.parent, doc.issuer, doc.notation, doc.type_heading = COLLEGE[0], COLLEGE[1], f"12/TB-{COLLEGE[2]}", "THÔNG BÁO"
    doc.secrecy = doc.urgency = None
    doc.body = [p for p in doc.body if COLLEGE[4] not in p]
    scan = tmp_path / "college.png"
    render_document(doc)[0].image.save(scan, dpi=(300, 300))

    def issuer(known: frozenset[str]) -> dict:
        [result] = list(process_files([scan], tmp_path / f"out{len(known)}", Options(jobs=1, known_issuers=known)))
        return result.documents[0].extraction.fields_json()["issuer"]

    unknown, known = issuer(frozenset()), issuer(frozenset({COLLEGE[1]}))
    assert unknown["value"] == known["value"] == COLLEGE[1]
    assert unknown["confidence"] < 0.9 <= known["confidence"]
