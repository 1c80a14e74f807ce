"""What the sender's digital signature says about the fields read from the page.

A valid, trusted signature by the body the header names confirms the issuer (and
spells it as the certificate does, tone marks and all); a document altered after it
was signed is not to be taken at its word, so none of its key fields stays green."""

from __future__ import annotations

from .extract import Extraction
from .text import fold

CONFIRMED_CONFIDENCE = 0.97
ALTERED_CAP = 0.6
KEY_FIELDS = ("so_ky_hieu", "number", "date", "issuer", "type")


def weigh_sender_signature(ex: Extraction, status: str | None, signer_names: list[str]) -> None:
    """`status`: "valid", "unverified", "altered" or None (not signed); `signer_names`:
    the bodies named on the valid, trusted signatures."""
    if status == "altered":
        for name in KEY_FIELDS:
            f = ex.fields.get(name)
            if f is not None:
                f.confidence = min(f.confidence, ALTERED_CAP)
        ex.notes.append("the sender's file was changed after it was signed: check every field against the paper")
        return
    issuer = ex.fields.get("issuer")
    if status != "valid" or issuer is None or not issuer.value:
        return
    read = _key(str(issuer.value))
    for name in signer_names:
        if _key(name) == read:
            spelled = name.upper()
            if spelled != issuer.value:
                issuer.value = spelled
            issuer.confidence = max(issuer.confidence, CONFIRMED_CONFIDENCE)
            issuer.source = "confirmed by signature"
            return


def _key(name: str) -> str:
    """Names compared without tone marks, case or spacing: the certificate writes
    'Hội đồng nhân dân Huyện Chi Lăng', the header 'HỘI ĐỒNG NHÂN DÂN HUYỆN CHI LĂNG'."""
    return " ".join(fold(name).split())
