"""Search: insensitive to diacritics, with filters."""

from models import documents, jobs, search
from models.db import connect


def _add(conn, tmp, i, text, fields, state="review"):
    f = tmp / f"s{i}.jpg"
    f.write_bytes(f"{i}".encode())
    job, _ = jobs.intake(conn, f, "incoming", None)
    record = {"pages": [{"text": text}], "fields": {k: {"value": v, "confidence": 0.9} for k, v in fields.items()}}
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        doc = documents.add(conn, job.id, str(f), record, None)
    if state != "review":
        conn.execute("UPDATE documents SET state = ? WHERE id = ?", (state, doc))  # a document further along
    return doc


def test_search_without_diacritics_and_with_filters(tmp_path):
    conn = connect(tmp_path / "s.db")
    a = _add(
        conn,
        tmp_path,
        1,
        "QUYẾT ĐỊNH Về việc kiện toàn Ban Chỉ đạo chuyển đổi số",
        {"type": "Quyết định", "issuer": "SỞ NỘI VỤ", "date": "2024-05-02", "so_ky_hieu": "12/QĐ-SNV"},
    )
    b = _add(
        conn,
        tmp_path,
        2,
        "KẾ HOẠCH đào tạo, bồi dưỡng cán bộ, công chức",
        {"type": "Kế hoạch", "issuer": "SỞ Y TẾ", "date": "2025-01-15"},
        state="delivered",
    )

    def ids(**kw):
        return [r["id"] for r in search.query(conn, **kw)]

    assert ids(text="quyet dinh") == [a]
    assert ids(text="Quyết Định") == [a]
    assert ids(text="chuyen doi so") == [a]
    assert ids(text="dao tao") == [b]  # 'd' finds 'đ'
    assert ids(text="boi duong can bo") == [b]
    assert ids(text="12/QĐ-SNV") == [a]
    assert ids(text="so y te") == [b]  # the fields are indexed too (the issuer)
    assert sorted(ids(text="so")) == sorted([a, b])  # a word matches as a prefix: số, sở
    assert ids(text="", doc_type="Kế hoạch") == [b]
    assert ids(text="", issuer="NỘI VỤ") == [a]
    assert ids(text="", date_from="2025-01-01") == [b]
    assert ids(text="", date_to="2024-12-31", state="review") == [a]
    assert ids(text='" OR 1=1 --') == []  # user text never becomes query syntax


def test_words_typed_with_diacritics_match_only_with_them(tmp_path):
    conn = connect(tmp_path / "s.db")
    can_tho = _add(conn, tmp_path, 1, "Sở Tài chính thành phố Cần Thơ", {"issuer": "SỞ TÀI CHÍNH"})
    other = _add(conn, tmp_path, 2, "căn cứ Luật Thủ đô, thọ", {"issuer": "UBND"})

    def ids(q):
        return sorted(r["id"] for r in search.query(conn, q))

    assert ids("Cần Thơ") == [can_tho]
    assert ids("cần thơ") == [can_tho]  # case does not matter
    assert ids("can tho") == sorted([can_tho, other])  # folded: both
    assert ids("thành phố Cần") == [can_tho]
