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
    organisation: str  # the certificate's O, else its CN: who signed, as a body
    signed_at: str | None  # ISO 8601, +07:00
    level: str  # B-B, B-T, B-LT, B-LTA
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature checks out
    trusted: bool  # the signer's certificate chains to a trusted root
    changed_after_signing: bool
    covers_whole_file: bool = False  # nothing at all was appended after this signature
    common_name: str = ""  # the certificate's CN (an office, or a person)
    readable: bool = True  # False: the signature's data could not even be parsed
    modification: str = "none"  # what later revisions did: none, form filling (more signatures), other
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
    signatures, problems = read_signatures(path, trust_roots)
    result.signatures = signatures
    result.problems += problems
    return result


def read_signatures(path: Path, trust_roots: list[Path]) -> tuple[list[SignatureReport], list[str]]:
    """Every signature in the PDF at `path`, checked against `trust_roots`, and what
    kept them from being read. Never raises for a bad file: a broken or unsigned file
    is an answer, not an error."""
    problems: list[str] = []
    reports: list[SignatureReport] = []
    try:
        with path.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            sigs = reader.embedded_regular_signatures
            if not sigs:
                return [], ["the file carries no signature"]
            has_dss = "/DSS" in reader.root
            doc_timestamps = len(reader.embedded_timestamp_signatures)
            vc = validation_context(trust_roots)
            for sig in sigs:
                try:
                    reports.append(_report(sig, vc, has_dss, doc_timestamps))
                except Exception as e:  # noqa: BLE001 - one unreadable signature must not hide the others
                    reports.append(_unreadable(str(sig.field_name), e))
    except Exception as e:  # noqa: BLE001 - a broken file must give an answer, not a traceback
        problems.append(f"the signatures cannot be read ({type(e).__name__}: {e})")
    return reports, problems


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
    modification = status.modification_level
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        # Later revisions that only add validation data or document time-stamps are fine.
        level_ok = modification in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        if not level_ok or status.coverage == SignatureCoverageLevel.UNCLEAR:
            changed = True
            problems.append("the file was changed after signing (a later revision was added)")
    return SignatureReport(
        field_name=str(sig.field_name),
        signer=str(signer),
        organisation=_organisation(cert),
        common_name=str(cert.subject.native.get("common_name") or "") if cert is not None else "",
        signed_at=when.astimezone(VIETNAM).isoformat(timespec="seconds") if when else None,
        level=level,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        changed_after_signing=changed,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modification=modification.name.lower().replace("_", " ") if modification is not None else "unknown",
        problems=problems,
    )


def _unreadable(field_name: str, e: Exception) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        signer="unknown",
        organisation="",
        signed_at=None,
        level="",
        intact=False,
        valid=False,
        trusted=False,
        changed_after_signing=False,
        modification="unknown",
        readable=False,
        problems=[f"this signature cannot be checked: its data is malformed ({type(e).__name__})"],
    )


def _organisation(cert) -> str:
    """The signing body: the certificate's organisation, else its common name (public
    CAs in Viet Nam put the office's name in either)."""
    if cert is None:
        return ""
    native = cert.subject.native
    return str(native.get("organization_name") or native.get("common_name") or "")
