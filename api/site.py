"""What the page modules share: the data folder and database, the templates, the
document lookup and the Vietnamese names of states."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from models.db import connect
from models.validation import VIETNAM, show_date

from .auth import Session

HERE = Path(__file__).parent
STATES = {
    "review": "Chờ duyệt",
    "approved": "Đã duyệt",
    "signed": "Đã ký số",
    "delivered": "Đã gửi",
    "secret": "Mật - lưu nội bộ",
    "rejected": "Đã từ chối",
    "merged": "Đã gộp",
}
# What the audit log's actions are called on the pages (the log itself keeps the English key).
ACTIONS = {
    "review": "vào hàng chờ duyệt",
    "approved": "duyệt",
    "signed": "ký số",
    "delivered": "đã gửi",
    "secret": "lưu nội bộ (mật)",
    "corrected": "sửa trường",
    "pages changed": "sửa trang",
    "rejected": "từ chối",
    "merged": "gộp vào văn bản khác",
    "registered": "vào sổ đến",
    "queued": "nhận tệp quét",
    "processing": "đang nhận dạng",
    "done": "nhận dạng xong",
    "failed": "lỗi",
    "will retry": "sẽ thử lại",
    "retry requested": "yêu cầu thử lại",
    "requeued after an interrupted run": "làm lại sau khi trạm dừng đột ngột",
    "seen again": "quét trùng",
    "sent": "đã gửi đi",
    "login failed": "đăng nhập sai",
    "refused": "từ chối nhận tệp",
    "secrecy lowered": "hạ độ mật (đã xác nhận)",
    "signing failed": "ký số lỗi",
    "dead-lettered": "gửi thất bại, ngừng thử",
    "created": "tạo",
    "changed": "thay đổi",
    "approval undone": "hoàn tác duyệt, trở lại chờ duyệt",
    "amended": "điều chỉnh sau khi vào sổ",
    "accepted": "nghiệm thu hồ sơ",
    "sent_back": "trả lại hồ sơ để quét lại",
    "decision undone": "hủy quyết định nghiệm thu",
}
ROLE_NAMES = {"clerk": "Văn thư", "reviewer": "Người kiểm tra", "admin": "Quản trị"}


@dataclass
class Site:
    data_dir: Path
    trust_roots: tuple[Path, ...] = ()  # for the signature status
    grace_s: float = 30.0  # how long an approval can be undone (signing waits for it)
    templates: Jinja2Templates = field(init=False)
    # Documents each session skipped (Alt+N), in order: they go to the end of that
    # clerk's queue. Kept in memory: a skip lasts as long as the sitting.
    _skipped: dict[str, list[int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(STATES=STATES, ROLE_NAMES=ROLE_NAMES, ACTIONS=ACTIONS)
        # Vietnamese stays readable in the audit's before/after (json's default escapes it).
        self.templates.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        # The office's clock (Vietnam), whatever zone the machine runs in.
        self.templates.env.filters["dmy"] = show_date
        self.templates.env.filters["when"] = lambda t: datetime.fromtimestamp(t, VIETNAM).strftime("%d/%m/%Y %H:%M:%S")

    def skipped(self, s: Session) -> list[int]:
        return self._skipped.get(s.csrf, [])

    def skip(self, s: Session, doc_id: int) -> None:
        if len(self._skipped) > 1000:  # sessions long gone; their skips mean nothing now
            self._skipped.clear()
        mine = self._skipped.setdefault(s.csrf, [])
        if doc_id in mine:
            mine.remove(doc_id)
        mine.append(doc_id)

    @property
    def page_cache(self) -> Path:
        return self.data_dir / "cache" / "pages"  # the station fills it too (archive.preview)

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.data_dir / "station.db")
        try:
            yield conn
        finally:
            conn.close()

    def render(self, request: Request, template: str, s: Session, context: dict[str, Any]) -> Response:
        return self.templates.TemplateResponse(request, template, {"user": s.user, "csrf": s.csrf, **context})

    @staticmethod
    def document(conn: sqlite3.Connection, doc_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise HTTPException(404, "không có văn bản này (no such document)")
        return row

    @staticmethod
    def is_incoming(conn: sqlite3.Connection, doc_id: int) -> bool:
        """Incoming mail is entered in the register (sổ đến); archive scans are not."""
        row = conn.execute(
            "SELECT j.profile FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            raise HTTPException(404, "không có văn bản này (no such document)")
        return row["profile"] == "incoming"


def current_site(request: Request) -> Site:
    """The app's Site, for routes (a FastAPI dependency)."""
    return request.app.state.site


def htmx_redirect(url: str) -> Response:
    """After an htmx request: the browser goes to `url` (htmx reads the header)."""
    return Response(status_code=200, headers={"HX-Redirect": url})
