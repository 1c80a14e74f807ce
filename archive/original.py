"""The file as received: kept byte for byte, its digest recorded, its signatures checked.

A PDF that a sending office signed is the legal record; the station's PDF/A is a
searchable copy of it. So the received file is never rewritten: it is copied beside
the PDF/A under a name that says what it is, its SHA-256 goes into the record, and
every signature in it is checked with pyHanko against the CA certificates this office
trusts. Real e-office documents carry several signatures: the leader signs first, then
the văn thư adds the number and date and signs for the office, so an early signature
followed by later revisions is normal; what decides is whether the last signature
covers the whole file and whether anything signed was altered.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from .verify import SignatureReport, read_signatures

Status = Literal["valid", "unverified", "altered"]

# The review page's words for each outcome (Vietnamese, as the clerk reads it).
STATUS_TEXT: dict[str, str] = {
    "valid": "hợp lệ",
    "unverified": "không xác minh được",
    "altered": "tài liệu bị sửa sau khi ký",
}
SUFFIX = ".ban-goc"  # "bản gốc": the original as received, beside "<name>.pdf", the station's copy


@dataclass
class Original:
    received_as: str  # the file's name in the hot folder
    sha256: str
    size: int
    signatures: list[SignatureReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kept_as: str | None = None  # the copy's name beside the PDF/A, when kept

    @property
    def status(self) -> Status | None:
        """The sender's signature, in one word: None when the file is not signed."""
        if not self.signatures:
            return None
        if any(s.readable and not s.intact for s in self.signatures):
            return "altered"
        if not all(s.readable for s in self.signatures):
            return "unverified"  # a signature pyHanko cannot parse proves nothing either way
        last = self.signatures[-1]
        if not last.covers_whole_file and last.changed_after_signing:
            return "altered"  # something was added after the last signature, unsigned
        return "valid" if last.valid and last.trusted else "unverified"

    @property
    def summary(self) -> str:
        """One line for the review page and the log."""
        if self.status is None:
            return ""
        readable = [s for s in self.signatures if s.readable] or self.signatures
        last = readable[-1]
        who = " - ".join(dict.fromkeys(n for n in (last.common_name, last.organisation) if n)) or last.signer
        when = f", {last.signed_at}" if last.signed_at else ""
        why = f" ({self._why()})" if self.status == "unverified" else ""
        return f"Chữ ký số của cơ quan gửi: {STATUS_TEXT[self.status]}: {who}{when}{why}"

    def _why(self) -> str:
        """Why a signature could not be confirmed, for the clerk (the English details
        stay in `problems` of each signature)."""
        if not all(s.readable for s in self.signatures):
            return "có chữ ký có dữ liệu hỏng, không kiểm tra được"
        last = self.signatures[-1]
        if not last.valid:
            return "chữ ký không khớp với chứng thư số của người ký"
        return "chứng thư số của người ký không thuộc tổ chức chứng thực mà cơ quan này tin cậy"

    def signer_names(self) -> list[str]:
        """The names on the signatures that check out and are trusted: the bodies a
        header issuer may be confirmed against."""
        if self.status != "valid":
            return []
        names: list[str] = []
        for s in self.signatures:
            if s.valid and s.trusted:
                names += [n for n in (s.common_name, s.organisation) if n]
        return names

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Original:
        """Back from the record (what `to_json` wrote, the derived keys left out)."""
        names = {f.name for f in fields(SignatureReport)}
        sigs = [SignatureReport(**{k: v for k, v in s.items() if k in names}) for s in d.get("signatures", [])]
        return cls(d["received_as"], d["sha256"], d["size"], sigs, list(d.get("problems", [])), d.get("kept_as"))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status
        d["summary"] = self.summary
        for s, r in zip(d["signatures"], self.signatures):
            s["ok"] = r.ok
        return d


def examine(path: Path, trust_roots: list[Path], is_pdf: bool) -> Original:
    """Digest and signatures of the received file (read only, never changed)."""
    original = Original(path.name, _sha256(path), path.stat().st_size)
    if is_pdf:
        signatures, problems = read_signatures(path, trust_roots)
        original.signatures = signatures
        original.problems = [p for p in problems if p != "the file carries no signature"]
    return original


def keep(path: Path, original: Original, out_dir: Path, stem: str) -> Path:
    """Copy the received file beside the PDF/A, byte for byte, and check the copy."""
    target = out_dir / f"{stem}{SUFFIX}{path.suffix.lower() or '.pdf'}"
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(path, tmp)
    if _sha256(tmp) != original.sha256:
        tmp.unlink(missing_ok=True)
        raise OSError("the copy of the received file does not match it (the file changed while being read?)")
    os.replace(tmp, target)
    original.kept_as = target.name
    return target


def _sha256(path: Path) -> str:
    """Read in pieces: a received file may be far larger than a page. (models.jobs has
    the same for the job's digest; archive and models do not import each other.)"""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
