"""Verification of signed PDFs: is each signature intact and trusted, who signed and
when, at which PAdES level, was anything changed after signing, and is the PDF/A
identification still there. The same result serves `station verify` and the review
page (as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .signing import VIETNAM


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    signed_at: str | None  # ISO 8601, +07:00
    level: str  # B-B, B-T, B-LT, B-LTA
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature checks out
    trusted: bool  # the signer's certificate chains to a trusted root
    changed_after_signing: bool
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.changed_after_signing


@dataclass
class VerifyResult:
    path: str
    signatures: list[SignatureReport] = field(default_factory=list)
    pdfa: str | None = None  # "PDF/A-2B" when the identification is intact
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures) and not self.problems

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        for s, r in zip(d["signatures"], self.signatures):
            s["ok"] = r.ok
        return d


def validation_context(trust_roots: list[Path]) -> ValidationContext:
    roots = list(load_certs_from_pemder([str(p) for p in trust_roots])) if trust_roots else []
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def verify_pdf(path: Path, trust_roots: list[Path]) -> VerifyResult:
    result = VerifyResult(str(path))
    try:
        with pikepdf.open(path) as pdf:
            meta = pdf.open_metadata()
            part, conf = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
            result.pdfa = f"PDF/A-{part}{conf}" if part and conf else None
    except pikepdf.PdfError as e:
        result.problems.append(f"the file is damaged and cannot be read ({e})")
        return result
    if result.pdfa is None:
        result.problems.append("the PDF/A identification is missing from the metadata")
    try:
        with path.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            sigs = reader.embedded_regular_signatures
            if not sigs:
                result.problems.append("the file carries no signature")
                return result
            has_dss = "/DSS" in reader.root
            doc_timestamps = len(reader.embedded_timestamp_signatures)
            for sig in sigs:
                result.signatures.append(_report(sig, validation_context(trust_roots), has_dss, doc_timestamps))
    except Exception as e:  # noqa: BLE001 - a broken file must give an answer, not a traceback
        result.problems.append(f"the signatures cannot be read ({type(e).__name__}: {e})")
    return result


def _report(sig, vc: ValidationContext, has_dss: bool, doc_timestamps: int) -> SignatureReport:
    status = validate_pdf_signature(sig, vc)
    problems = []
    cert = status.signing_cert
    signer = cert.subject.human_friendly if cert is not None else "unknown"
    when = status.timestamp_validity.timestamp if status.timestamp_validity else status.signer_reported_dt
    level = "B-B"
    if status.timestamp_validity is not None:
        level = "B-T"
        if has_dss:
            level = "B-LTA" if doc_timestamps else "B-LT"
    if not status.intact:
        problems.append("the document was altered after signing: its content no longer matches the signature")
    elif not status.valid:
        problems.append("the signature does not check out against the signer's certificate")
    if not status.trusted:
        problems.append("the signer's certificate does not lead to a trusted certification authority here")
    changed = False
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        # Later revisions that only add validation data or document time-stamps are fine.
        level_ok = status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        if not level_ok or status.coverage == SignatureCoverageLevel.UNCLEAR:
            changed = True
            problems.append("the file was changed after signing (a later, unsigned revision was added)")
    return SignatureReport(
        field_name=str(sig.field_name),
        signer=str(signer),
        signed_at=when.astimezone(VIETNAM).isoformat(timespec="seconds") if when else None,
        level=level,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        changed_after_signing=changed,
        problems=problems,
    )
