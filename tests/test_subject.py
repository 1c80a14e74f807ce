"""The subject (trích yếu) under the type heading, as real papers set it: it ends where
the next block begins, however close that block stands: the decision's authority in
capitals, the 'Kính gửi:' row of a notice; and it is found in brackets too, its
'Về việc' read with a mark lost."""

from __future__ import annotations

from classifiers.heading import find_type_heading, subject_after_heading
from classifiers.layout import page_lines
from ocr.types import RecognisedPage, Word

W, H, CHAR, LINE = 2480, 3508, 24, 50


def _page(rows: list[tuple[str, int, str]]) -> RecognisedPage:
    """Rows of (text, top y, 'c' centred or 'l' from the left margin), each word
    CHAR pixels a character; rows within 10 pixels of one height are one line of OCR's."""
    words = []
    for text, y, where in rows:
        line = round(y / 20)
        width = len(text) * CHAR
        x = (W - width) // 2 if where == "c" else 300
        for token in text.split():
            words.append(Word(token, (x, y, x + len(token) * CHAR, y + LINE), 95.0, line, line))
            x += (len(token) + 1) * CHAR
    return RecognisedPage(1, W, H, 300.0, 0, 0.0, words=words)


def _subject(rows: list[tuple[str, int, str]]) -> str | None:
    lines = page_lines(_page(rows), 1)
    found = find_type_heading(lines, 0)
    assert found is not None
    subject = subject_after_heading(lines, found[1])
    return subject.value if subject else None


def test_a_decisions_subject_ends_at_its_authority_in_capitals():
    rows = [
        ("QUYẾT ĐỊNH", 900, "c"),
        ("Ban hành Kế hoạch kiểm tra công tác văn thư", 970, "c"),
        ("năm 2026 của các đơn vị trực thuộc", 1030, "c"),
        ("GIÁM ĐỐC SỞ NỘI VỤ", 1100, "c"),  # as close as the subject's own lines
        ("Căn cứ Luật Văn thư, lưu trữ ngày 11 tháng 11 năm 2011;", 1180, "l"),
    ]
    assert _subject(rows) == "Ban hành Kế hoạch kiểm tra công tác văn thư năm 2026 của các đơn vị trực thuộc"


def test_a_notices_subject_ends_at_the_kinh_gui_row_split_at_its_colon():
    rows = [
        ("THÔNG BÁO", 900, "c"),
        ("Về việc nhận hồ sơ xét học bổng năm học 2026 - 2027", 970, "c"),
        ("Kính gửi:", 1040, "l"),
        ("Ban Chấp hành Đoàn các khoa", 1038, "c"),  # a little higher: its piece of the row comes first
        ("Thực hiện kế hoạch năm học, Đoàn trường thông báo như sau:", 1120, "l"),
    ]
    assert _subject(rows) == "nhận hồ sơ xét học bổng năm học 2026 - 2027"


def test_a_subject_in_brackets_with_its_ve_viec_read_without_a_mark():
    rows = [
        ("THÔNG BÁO", 900, "c"),
        ("( Vê việc triển khai chuẩn đầu ra)", 970, "c"),
        ("Thực hiện kế hoạch năm học, nhà trường thông báo như sau:", 1060, "l"),
    ]
    assert _subject(rows) == "triển khai chuẩn đầu ra"


def test_a_subject_set_in_capitals_is_kept_whole():
    rows = [
        ("QUYẾT ĐỊNH", 900, "c"),
        ("VỀ VIỆC THÀNH LẬP HỘI ĐỒNG THI ĐUA", 970, "c"),
        ("KHEN THƯỞNG NĂM 2026", 1030, "c"),
        ("Căn cứ Luật Thi đua, khen thưởng;", 1120, "l"),
    ]
    assert _subject(rows) == "THÀNH LẬP HỘI ĐỒNG THI ĐUA KHEN THƯỞNG NĂM 2026"


def test_a_subject_opened_by_v_v_under_the_heading_and_a_rule_typed_as_underscores():
    rows = [
        ("THÔNG BÁO", 900, "c"),
        ("V/v tham gia bảo hiểm y tế năm 2026", 970, "c"),
        ("Thực hiện kế hoạch năm học, nhà trường thông báo như sau:", 1060, "l"),
    ]
    assert _subject(rows) == "tham gia bảo hiểm y tế năm 2026"
    rows[1] = ("Về việc tổ chức thi tốt nghiệp năm 2026 ___________", 970, "c")
    assert _subject(rows) == "tổ chức thi tốt nghiệp năm 2026"
