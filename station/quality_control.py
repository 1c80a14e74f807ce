"""Quality control of a hồ sơ before the archivist accepts it: per page (resolution,
skew left after deskew, too dark or too light, OCR confidence, text cut at the edge,
two pages fed at once) and per hồ sơ (pages and documents against the list, blank
pages dropped or kept, files that failed). Derived from the records the station
committed, so it is the same on the page, on the terminal and in the export."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from classifiers.text import fold
from models import batches

ERROR, WARNING, INFO = "error", "warning", "info"
_DUPLICATE_SCORE = 92.0  # two pages this alike (0-100) are the same page fed twice
_DUPLICATE_MIN_CHARS = 200  # shorter texts (a cover, a table of figures) are alike by nature
_DARK_GREY = 170.0  # mean grey of a page below this: too dark (a printed page is ≈ 220-250)
_FAINT_INK = 140.0  # a page with words whose darkest ink is lighter than this: faint text


@dataclass(frozen=True)
class Flag:
    code: str  # low_dpi, missing_pages, extra_pages, documents, blank_dropped, blank_kept, skew, dark,
    # light, low_confidence, duplicate_feed, cut_edge, failed, intake
    level: str  # error: likely to need rescanning; warning: to look at; info: for the record
    message: str  # in Vietnamese, for the archivist
    page: str | None = None  # "file, trang N"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class _Page:
    ref: str
    data: dict[str, Any]


def check(conn: sqlite3.Connection, hoso: sqlite3.Row, options: dict[str, Any]) -> list[Flag]:
    """Every quality problem of one hồ sơ, in the order of its pages."""
    flags = [Flag("intake", ERROR, note) for note in json.loads(hoso["intake_notes"] or "[]")]
    pages: list[_Page] = []
    dropped = 0
    for job in batches.jobs_of(conn, hoso["id"]):
        if job["state"] == "failed":
            flags.append(Flag("failed", ERROR, f"Tệp {job['name']} không đọc được: {job['error']}"))
            continue
        if job["state"] != "done" or not job["result"]:
            continue
        result = json.loads(job["result"])
        dropped_here = result.get("dropped_pages", [])
        for doc in result.get("documents", []):
            for p in doc["pages"]:
                pages.append(_Page(f"{job['name']}, trang {p['index']}", p))
        dropped += len(dropped_here)
    for p in pages:
        flags.extend(_page_flags(p, options))
    flags.extend(_duplicates(pages))
    kept = len(pages)
    expected = hoso["expected_pages"]
    if expected is not None and kept != expected and not _unfinished(conn, hoso["id"]):
        if kept < expected:
            flags.append(
                Flag(
                    "missing_pages", ERROR, f"Thiếu {expected - kept} trang: quét được {kept}, danh mục ghi {expected}"
                )
            )
        else:
            flags.append(
                Flag("extra_pages", WARNING, f"Thừa {kept - expected} trang: quét được {kept}, danh mục ghi {expected}")
            )
    want_docs = hoso["expected_documents"]
    if want_docs is not None and not _unfinished(conn, hoso["id"]):
        got = len(batches.documents_of(conn, hoso["id"]))
        if got != want_docs:
            flags.append(Flag("documents", WARNING, f"Tách được {got} văn bản, danh mục ghi {want_docs}"))
    if dropped:
        flags.append(Flag("blank_dropped", INFO, f"Đã bỏ {dropped} trang trắng hoặc tờ phân cách"))
    return flags


def _unfinished(conn: sqlite3.Connection, hoso_id: int) -> bool:
    return any(j["state"] in ("queued", "processing") for j in batches.jobs_of(conn, hoso_id))


def _page_flags(p: _Page, options: dict[str, Any]) -> list[Flag]:
    d, q = p.data, p.data.get("quality", {})
    out = []
    if d.get("dpi") and d["dpi"] < options["min_dpi"] - 0.5:
        out.append(Flag("low_dpi", ERROR, f"Độ phân giải {d['dpi']:.0f} dpi, dưới {options['min_dpi']} dpi", p.ref))
    if d.get("blank"):
        out.append(Flag("blank_kept", INFO, "Trang trắng được giữ lại", p.ref))
        return out  # the rest says nothing of a blank page
    if q.get("skew_left") is not None and abs(q["skew_left"]) > options["max_skew"]:
        out.append(Flag("skew", WARNING, f"Còn nghiêng {q['skew_left']:+.1f}° sau khi chỉnh", p.ref))
    if q.get("grey") is not None and q["grey"] < _DARK_GREY:
        out.append(Flag("dark", WARNING, f"Trang quá tối (độ sáng trung bình {q['grey']:.0f}/255)", p.ref))
    elif q.get("ink") is not None and d.get("words") and q["ink"] > _FAINT_INK:
        out.append(Flag("light", WARNING, "Trang quá nhạt: chữ mờ", p.ref))
    if d.get("words") and d.get("mean_confidence", 100) < options["min_confidence"]:
        out.append(
            Flag("low_confidence", WARNING, f"Độ tin cậy nhận dạng thấp ({d['mean_confidence']:.0f}/100)", p.ref)
        )
    if q.get("cut_edges"):
        names = {"left": "trái", "right": "phải", "top": "trên", "bottom": "dưới"}
        edges = ", ".join(names[e] for e in q["cut_edges"])
        out.append(Flag("cut_edge", ERROR, f"Chữ chạm mép {edges}: trang có thể bị cắt", p.ref))
    return out


def _duplicates(pages: list[_Page]) -> list[Flag]:
    """Pages whose text is (nearly) the same: the feeder took one sheet twice, or a
    sheet was rescanned into the same hồ sơ."""
    texts = [" ".join(fold(p.data.get("text", "")).split()) for p in pages]
    idx = [i for i, t in enumerate(texts) if len(t) >= _DUPLICATE_MIN_CHARS]
    if len(idx) < 2:
        return []
    scores = cdist([texts[i] for i in idx], [texts[i] for i in idx], scorer=fuzz.ratio, score_cutoff=_DUPLICATE_SCORE)
    out = []
    for a in range(len(idx)):
        for b in range(a + 1, len(idx)):
            if scores[a][b]:
                first, second = pages[idx[a]], pages[idx[b]]
                out.append(
                    Flag(
                        "duplicate_feed",
                        ERROR,
                        f"Giống hệt {first.ref} ({scores[a][b]:.0f}%): có thể nạp một tờ hai lần",
                        second.ref,
                    )
                )
    return out


def summary(flags: list[Flag]) -> dict[str, int]:
    return {level: sum(1 for f in flags if f.level == level) for level in (ERROR, WARNING, INFO)}
