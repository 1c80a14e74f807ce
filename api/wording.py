"""The audit log told as sentences a clerk reads: what happened, in Vietnamese, with
field names as the page shows them, dates as offices write them, and no JSON or
server paths (a file is named, not located)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from models.validation import LABELS, VIETNAM, show_date

from .site import ACTIONS

ENTITIES = {"document": "văn bản", "register": "sổ đến", "user": "người dùng", "job": "tệp quét", "outbox": "lần gửi"}
FIELD_NAMES = {k: v.lower() for k, v in LABELS.items()} | {"number": "số"}
# Other keys of the log's before/after, as words; keys not named here are not shown.
DETAILS = {
    "reason": "lý do",
    "error": "lỗi",
    "file": "tệp",
    "profile": "thư mục",
    "into": "gộp vào văn bản",
    "duplicate_of": "có thể trùng văn bản",
    "level": "chữ ký PAdES",
    "receipt": "biên nhận",
    "username": "tên đăng nhập",
    "role": "vai trò",
    "address": "từ máy",
    "handler": "giao cho",
    "due": "hạn xử lý",
    "received_on": "ngày đến",
    "pages": "số trang",
    "note": "ghi chú",
    "units": "danh sách",
    "requested_by": "đề nghị bởi",
    "active": "hoạt động",
}
_PATH = re.compile(r"(?:/[^\s/'\"():]+)+/([^\s/'\"():]+)")


def describe(entry: dict[str, Any]) -> dict[str, Any]:
    """One audit entry with `text`: its sentence, and `when`, `who`, `what`."""
    before, after = entry.get("before") or {}, entry.get("after") or {}
    parts = [ACTIONS.get(entry["action"], entry["action"])]
    if entry["entity"] == "register" and "so_den" in after:
        parts.append(f"số đến {after['so_den']}/{after.get('year', '')}")
    changed = [k for k in after if k in FIELD_NAMES]
    parts += [f"{FIELD_NAMES[k]}: «{_value(k, before.get(k))}» → «{_value(k, after[k])}»" for k in changed]
    if after.get("overridden"):
        parts.append("duyệt dù còn: " + "; ".join(after["overridden"]))
    if isinstance(after.get("documents"), dict):
        parts.append(", ".join(f"văn bản #{i}: {d.get('pages', '?')} trang" for i, d in after["documents"].items()))
    parts += [f"{label}: {_value(k, after[k])}" for k, label in DETAILS.items() if after.get(k) not in (None, "", [])]
    return {
        **entry,
        "when": datetime.fromtimestamp(entry["at"], VIETNAM).strftime("%d/%m/%Y %H:%M:%S"),
        "what": f"{ENTITIES.get(entry['entity'], entry['entity'])} {entry['entity_id']}",
        "text": " · ".join(p for p in parts if p),
    }


def _value(key: str, value: Any) -> str:
    if value in (None, "", []):
        return "(trống)"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if key in ("date", "due", "received_on"):
        return show_date(str(value))
    if isinstance(value, bool):
        return "có" if value else "không"
    return without_paths(str(value))


def without_paths(text: str) -> str:
    """A server path in a message becomes the file's name alone."""
    return _PATH.sub(r"\1", text)


_ENGLISH_TAIL = re.compile(r"\s*\(([\x20-\x7e]*)\)\s*$")


def for_clerk(message: str) -> str:
    """An error as the page shows it: the Vietnamese part alone (the station's messages
    end with an English gloss in brackets for the log), no server paths."""
    m = _ENGLISH_TAIL.search(message)
    if m and m.start() > 0 and re.search(r"[a-z]{3,}", m.group(1)):
        message = message[: m.start()]
    return without_paths(message).strip()
