"""Tone marks OCR misread in free text, mended by the word they belong to: a subject
read 'bôi dưỡng' is 'bồi dưỡng'. Only where the dictionary leaves one choice, never a
word common alone, a name, a word in capitals or the dot below; text a file states is
what the document says and stays."""

from __future__ import annotations

import random

import pytest

from classifiers import extract
from classifiers.text import clean
from classifiers.tones import mend_read, mend_tones
from tests.fieldpages import build
from tests.synthetic.content import random_document


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("đầy mạnh cải cách hành chính", "đẩy mạnh cải cách hành chính"),  # huyền for hỏi
        ("giao chỉ tiêu tuyến sinh năm học mới", "giao chỉ tiêu tuyển sinh năm học mới"),  # sắc for hỏi
        ("kế hoạch bôi dưỡng công chức", "kế hoạch bồi dưỡng công chức"),  # huyền lost
        ("Hội nghị tống kết công tác văn thư", "Hội nghị tổng kết công tác văn thư"),
        ("UBND các huyện, thành phổ", "UBND các huyện, thành phố"),  # hỏi for sắc, after a comma
        ("Cổng thồng tin điện tử tỉnh", "Cổng thông tin điện tử tỉnh"),  # a mark too many
        ("Kiêm tra công tác cải cách", "Kiểm tra công tác cải cách"),  # the text's first word keeps its capital
    ],
)
def test_a_misread_tone_is_mended_by_the_word_it_belongs_to(read: str, meant: str) -> None:
    assert mend_tones(read) == meant


@pytest.mark.parametrize(
    "right",
    [
        "quy định tại khoản 2 Điều này",  # 'tài khoản' is a word, but 'tại' is common alone
        "trình Thủ tướng Chính phủ để trình Quốc hội",  # 'đệ trình': the dot below is never added
        "đơn vị xã Tân Hòa Lợi, ông Trần Quang Vinh",  # names inside the text
        "BAN CHỈ ĐẠO TỈNH",  # capitals
        "giao chỉ tiêu cho các đơn vị",  # 'giáo chỉ' is a word, but 'chỉ tiêu' holds 'chỉ'
        "ngay sau khi thi xong",  # common alone, though 'ngày sau' is a word
    ],
)
def test_text_read_right_is_left_as_it_is(right: str) -> None:
    assert mend_tones(right) == right


def test_two_mendings_that_would_share_a_syllable_are_both_left() -> None:
    # 'bải' could be 'bãi' (bãi mìn) and 'lòm' could be 'lõm' (mìn lõm): each word would
    # take 'mìn', so neither mending is sure; each alone is made.
    assert mend_tones("bải mìn lòm") == "bải mìn lòm"
    assert mend_tones("bải mìn") == "bãi mìn"
    assert mend_tones("mìn lòm") == "mìn lõm"


def test_what_a_file_states_is_not_mended() -> None:
    assert mend_read("kế hoạch bôi dưỡng", 1.0) == "kế hoạch bôi dưỡng"
    assert mend_read("kế hoạch bôi dưỡng", 0.93) == "kế hoạch bồi dưỡng"


def test_a_subject_and_recipients_read_with_a_misread_tone_come_out_mended() -> None:
    doc = random_document(random.Random(5))
    doc.subject = "phê duyệt kế hoạch đào tạo, bôi dưỡng cán bộ"
    doc.recipients = ["Cổng thồng tin điện tử tỉnh;", "Như Điều 3;"]
    (page,) = build(doc)
    fields = extract([page]).fields
    assert fields["subject"].value == "phê duyệt kế hoạch đào tạo, bồi dưỡng cán bộ"
    assert fields["subject"].confidence < 0.9  # mended or not, free text read by OCR is never green
    assert "Cổng thông tin điện tử tỉnh" in fields["recipients"].value


def test_cleaning_sets_old_style_tones_new_but_leaves_the_tone_of_qu_on_its_y() -> None:
    assert clean("hoà bình, thuỷ lợi") == "hòa bình, thủy lợi"
    assert clean("Quỹ phát triển đất, quý I, QUỸ") == "Quỹ phát triển đất, quý I, QUỸ"
