"""The secrecy lock: once a document is known to be secret, it stays secret.

A mark the station recognised, or that anybody set, becomes the document's lock
(`record["secrecy_lock"]`). Editing the field can raise the lock but never lower it,
except by an administrator with a written reason; even then the lock holds until a
second person confirms the release. Delivery and the document's `secrecy` column use
`effective`, the higher of the field and the lock, so clearing the field on the review
page cannot send a secret document out."""

from __future__ import annotations

from typing import Any

from errors import Forbidden

from .db import now
from .record import DocumentRecord

LEVELS = ("MẬT", "TỐI MẬT", "TUYỆT MẬT")  # lowest first


class SecrecyLocked(Forbidden):
    """An edit tried to lower a secrecy mark without the right to do so."""


def rank(level: str | None) -> int:
    """0 for no mark, 1..3 for MẬT..TUYỆT MẬT (unknown text counts as MẬT: better safe)."""
    if not level:
        return 0
    level = level.strip().upper()
    return LEVELS.index(level) + 1 if level in LEVELS else 1


def _field(record: DocumentRecord) -> str | None:
    return ((record.get("fields") or {}).get("secrecy") or {}).get("value") or None


def effective(record: DocumentRecord) -> str | None:
    """The mark that decides where the document may go."""
    lock = (record.get("secrecy_lock") or {}).get("level")
    field = _field(record)
    return max((lock, field), key=rank) if rank(lock) or rank(field) else None


def lock_on_intake(record: DocumentRecord) -> None:
    """The recognised mark becomes the lock (called when the document is stored)."""
    mark = _field(record)
    if mark:
        record["secrecy_lock"] = {"level": mark, "set_by": "station", "at": now()}


def release_pending(record: DocumentRecord) -> dict[str, Any] | None:
    release = (record.get("secrecy_lock") or {}).get("release")
    return release if release and not release.get("confirmed_by") else None


def edit(record: DocumentRecord, new: str | None, actor: str, role: str, reason: str = "") -> str | None:
    """Check and apply a change of the secrecy field; returns a note for the audit log
    (None when nothing special happened). Raises SecrecyLocked when refused."""
    lock = record.get("secrecy_lock") or {}
    held = lock.get("level")
    if rank(new) >= rank(held):
        if rank(new) > rank(held):
            record["secrecy_lock"] = {"level": new, "set_by": actor, "at": now()}
        return None
    if role != "admin":
        raise SecrecyLocked(
            f"văn bản đã được xác định là {held}: chỉ quản trị viên mới được hạ độ mật, "
            "kèm lý do (only an administrator may lower a secrecy mark, with a reason)"
        )
    if not reason.strip():
        raise SecrecyLocked("cần ghi lý do hạ độ mật (a written reason is required to lower a secrecy mark)")
    lock["release"] = {
        "from": held,
        "to": new or None,
        "by": actor,
        "reason": reason.strip(),
        "at": now(),
        "confirmed_by": None,
    }
    record["secrecy_lock"] = lock
    return f"hạ độ mật {held} → {new or 'không mật'} chờ người thứ hai xác nhận: {reason.strip()}"


def confirm_release(record: DocumentRecord, actor: str, role: str) -> dict[str, Any]:
    """A second person (reviewer or admin, not the one who asked) confirms lowering the
    mark; the lock then takes the lower level. Returns the release."""
    release = release_pending(record)
    if release is None:
        raise SecrecyLocked("không có yêu cầu hạ độ mật nào đang chờ (no release is waiting)")
    if role not in ("admin", "reviewer"):
        raise SecrecyLocked("chỉ người kiểm tra hoặc quản trị viên mới xác nhận được (reviewer or admin only)")
    if actor == release["by"]:
        raise SecrecyLocked("người yêu cầu không tự xác nhận được: cần người thứ hai (a second person must confirm)")
    release["confirmed_by"], release["confirmed_at"] = actor, now()
    record["secrecy_lock"]["level"] = release["to"]
    return release


def carry(old: DocumentRecord, new: DocumentRecord) -> None:
    """Keep the stronger lock when a document's record is replaced (pages changed,
    documents merged or split): its own, the other's, or the new field's."""
    # The new record's lock first: on a tie it wins (it may carry a pending release).
    locks = [r["secrecy_lock"] for r in (new, old) if r.get("secrecy_lock")]
    if _field(new):
        locks.append({"level": _field(new), "set_by": "station", "at": now()})
    if locks:
        new["secrecy_lock"] = max(locks, key=lambda lock: rank(lock.get("level")))
