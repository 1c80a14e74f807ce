"""edXML (QCVN 102:2016): the message management systems exchange documents in.
Dates are yyyy/MM/dd, time-stamps yyyy/MM/dd HH:mm:ss; the PDF travels base64-encoded
as an attachment referenced from the manifest."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
ET.register_namespace("edXML", NS)


@lru_cache(maxsize=1)
def codes() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "data" / "edxml_codes.json").read_text(encoding="utf-8"))


def _el(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    e = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        e.text = str(text)
    return e


def build(
    pdf: Path,
    record: dict[str, Any],
    sender: dict[str, str],
    receiver: dict[str, str],
    now: datetime | None = None,
    original: Path | None = None,
) -> bytes:
    """The edXML message of one document (`record`: the document's JSON record); the
    sender's `original`, when there is one, is a second attachment."""
    now = now or datetime.now()
    f = {k: (v or {}).get("value") for k, v in record.get("fields", {}).items()}
    root = ET.Element(f"{{{NS}}}edXML")
    env = _el(root, "edXMLEnvelope")
    header = _el(env, "edXMLHeader")
    _message_header(
        _el(header, "MessageHeader"), f, sender, receiver, len(record.get("pages", [])), record.get("arrival")
    )
    trace = _el(_el(header, "TraceHeaderList"), "TraceHeader")
    _el(trace, "OrganId", receiver.get("OrganId", ""))
    _el(trace, "Timestamp", now.strftime("%Y/%m/%d %H:%M:%S"))
    manifest = _el(_el(env, "edXMLBody"), "edXMLManifest")
    encoded = _el(root, "AttachmentEncoded")
    files = [(pdf, f.get("subject") or pdf.name)]
    if original is not None:
        files.append((original, "Bản gốc nhận được, nguyên vẹn chữ ký số của cơ quan gửi"))
    for n, (path, description) in enumerate(files, 1):
        ref = _el(manifest, "Reference")
        _el(ref, "ContentId", f"cid:{n}")
        _el(ref, "ContentType", "application/pdf")
        _el(ref, "Description", description)
        _el(ref, "AttachmentName", path.name)
        att = _el(encoded, "Attachment")
        _el(att, "ContentId", f"cid:{n}")
        _el(att, "AttachmentName", path.name)
        _el(att, "ContentType", "application/pdf")
        _el(att, "ContentTransferEncoded", base64.b64encode(path.read_bytes()).decode("ascii"))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _message_header(
    mh: ET.Element,
    f: dict[str, Any],
    sender: dict[str, str],
    receiver: dict[str, str],
    pages: int,
    arrival: dict[str, Any] | None = None,
) -> None:
    """The document's registration data in QCVN 102's MessageHeader."""
    so_ky_hieu = f.get("so_ky_hieu") or ""
    number, _, notation = so_ky_hieu.partition("/")  # 09/2025/QĐ-TTg: the year stays in the notation
    issued = f.get("date")
    issued_slash = issued.replace("-", "/") if issued else ""
    for tag, organ in (("From", sender), ("To", receiver)):
        o = _el(mh, tag)
        for key in ("OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax", "Website"):
            _el(o, key, organ.get(key, ""))
    _el(mh, "DocumentId", f"{sender.get('OrganId', '')},{issued_slash},{so_ky_hieu}")
    code = _el(mh, "Code")
    _el(code, "CodeNumber", number)
    _el(code, "CodeNotation", notation)
    prom = _el(mh, "PromulgationInfo")
    _el(prom, "Place", f.get("place") or "")
    _el(prom, "PromulgationDate", issued_slash)
    dtype = _el(mh, "DocumentType")
    _el(dtype, "Type", codes()["document_type"].get(f.get("type") or "", codes()["document_type"]["default"]))
    _el(dtype, "TypeDetail", notation.split("-")[0] if notation else "")
    _el(dtype, "TypeName", f.get("type") or "")
    _el(mh, "Subject", (f.get("subject") or "")[:500])
    _el(mh, "Content", "")
    signer = _el(mh, "SignerInfo")
    _el(signer, "Competence", f.get("signing_authority") or "")
    _el(signer, "Position", f.get("signer_title") or "")
    _el(signer, "FullName", f.get("signer") or "")
    arrival = arrival or {}
    _el(mh, "DueDate", arrival["due"].replace("-", "/") if arrival.get("due") else "")
    places = _el(mh, "ToPlaces")
    # Registered here: the unit it was handed to; otherwise the sender's own recipients.
    for r in [arrival["handler"]] if arrival.get("handler") else f.get("recipients") or []:
        _el(places, "Place", r)
    other = _el(mh, "OtherInfo")
    _el(other, "Priority", codes()["priority"].get(f.get("urgency") or "", "0"))
    _el(other, "SphereOfPromulgation", "")
    _el(other, "TyperNotation", "")
    _el(other, "PromulgationAmount", "1")
    _el(other, "PageAmount", str(pages))
    _el(other, "Appendixes", "")
    _el(mh, "SteeringType", "0")
