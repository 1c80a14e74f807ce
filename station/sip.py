"""Submission packages of a hồ sơ for the archive: a BagIt bag (RFC 8493, SHA-256
manifests) whose payload is an E-ARK-style SIP: the documents' PDF/As under their
archival names, their metadata as JSON, and one METS file with the hồ sơ's and each
document's descriptive metadata and PREMIS events (digitisation, recognition,
signature). The bag is made in a staging folder and validated before it takes its
name, so a package that exists is whole."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import bagit
from lxml import etree

from models.jobs import sha256_of

from .archival import HosoPackage, file_name
from .catalogue import write_catalogue

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
PREMIS = "http://www.loc.gov/premis/v3"
ARCHIVAL = "urn:digitization-station:archival:1"  # the station's own element names for the metadata
SOFTWARE = f"digitization-station {version('digitization-station')}"


def write_package(package: HosoPackage, target: Path, organisation: str) -> Path:
    """The hồ sơ's bag at `target` (replaced if it exists). Returns it."""
    staging = target.with_name(target.name + ".making")
    shutil.rmtree(staging, ignore_errors=True)
    objects = staging / "objects"
    metadata = staging / "metadata"
    objects.mkdir(parents=True)
    metadata.mkdir()
    files = []
    for doc, pdf, _ in package.documents:
        name = file_name(doc["ma_ho_so"], doc["so_thu_tu"])
        shutil.copy2(pdf, objects / f"{name}.pdf")
        (metadata / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        files.append(objects / f"{name}.pdf")
    hoso = {**package.metadata, "kiem_tra_chi_tiet": [f.to_json() for f in package.flags]}
    (metadata / "hoso.json").write_text(json.dumps(hoso, ensure_ascii=False, indent=1), encoding="utf-8")
    write_catalogue(staging / "catalogue.xlsx", [package])
    (staging / "METS.xml").write_bytes(mets(package, files, staging, organisation))
    bag = bagit.make_bag(
        str(staging),
        {
            "Source-Organization": organisation,
            "External-Identifier": package.metadata["ma_ho_so"],
            "External-Description": package.metadata.get("tieu_de_ho_so") or "hồ sơ số hóa",
            "Bagging-Date": datetime.now(UTC).date().isoformat(),
            "Bag-Software-Agent": SOFTWARE,
            "Payload-Oxum-Note": f"{len(files)} documents",
        },
        checksums=["sha256"],
    )
    bag.validate()  # raises bagit.BagValidationError: a package that does not check out is not handed over
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def mets(package: HosoPackage, files: list[Path], root: Path, organisation: str) -> bytes:
    """The METS document of a hồ sơ (paths relative to the bag's payload)."""
    m = etree.Element(
        f"{{{METS}}}mets",
        nsmap={"mets": METS, "xlink": XLINK, "premis": PREMIS, "hs": ARCHIVAL},
        OBJID=package.metadata["ma_ho_so"],
        TYPE="hoSo",
        LABEL=package.metadata.get("tieu_de_ho_so") or package.metadata["ma_ho_so"],
    )
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    hdr = etree.SubElement(m, f"{{{METS}}}metsHdr", CREATEDATE=now, RECORDSTATUS="NEW")
    for role, kind, name in (("CREATOR", "ORGANIZATION", organisation), ("CREATOR", "OTHER", SOFTWARE)):
        agent = etree.SubElement(hdr, f"{{{METS}}}agent", ROLE=role, TYPE=kind)
        if kind == "OTHER":
            agent.set("OTHERTYPE", "SOFTWARE")
        etree.SubElement(agent, f"{{{METS}}}name").text = name
    _dmd(m, "dmd-hoso", "hoSo", package.metadata)
    for doc, _, _ in package.documents:
        _dmd(m, f"dmd-{doc['so_thu_tu']:03d}", "vanBan", doc)
    for (doc, _, row), path in zip(package.documents, files):
        _amd(m, f"amd-{doc['so_thu_tu']:03d}", doc, row, path)
    file_sec = etree.SubElement(m, f"{{{METS}}}fileSec")
    group = etree.SubElement(file_sec, f"{{{METS}}}fileGrp", USE="Preservation")
    for (doc, _, _), path in zip(package.documents, files):
        n = f"{doc['so_thu_tu']:03d}"
        f = etree.SubElement(
            group,
            f"{{{METS}}}file",
            ID=f"file-{n}",
            MIMETYPE="application/pdf",
            SIZE=str(path.stat().st_size),
            CHECKSUM=sha256_of(path),
            CHECKSUMTYPE="SHA-256",
            ADMID=f"amd-{n}",
        )
        etree.SubElement(
            f,
            f"{{{METS}}}FLocat",
            LOCTYPE="URL",
            **{f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": path.relative_to(root).as_posix()},
        )
    smap = etree.SubElement(m, f"{{{METS}}}structMap", TYPE="logical", LABEL="Hồ sơ")
    top = etree.SubElement(smap, f"{{{METS}}}div", TYPE="hoSo", DMDID="dmd-hoso", LABEL=package.metadata["ma_ho_so"])
    for doc, _, _ in package.documents:
        n = f"{doc['so_thu_tu']:03d}"
        div = etree.SubElement(
            top,
            f"{{{METS}}}div",
            TYPE="vanBan",
            ORDER=str(doc["so_thu_tu"]),
            DMDID=f"dmd-{n}",
            ADMID=f"amd-{n}",
            LABEL=doc["ma_luu_tru"],
        )
        etree.SubElement(div, f"{{{METS}}}fptr", FILEID=f"file-{n}")
    return etree.tostring(m, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _dmd(m: etree._Element, ident: str, kind: str, values: dict[str, Any]) -> None:
    sec = etree.SubElement(m, f"{{{METS}}}dmdSec", ID=ident)
    wrap = etree.SubElement(sec, f"{{{METS}}}mdWrap", MDTYPE="OTHER", OTHERMDTYPE=f"TT05-2025:{kind}")
    data = etree.SubElement(etree.SubElement(wrap, f"{{{METS}}}xmlData"), f"{{{ARCHIVAL}}}{kind}")
    for key, value in values.items():
        if value is None or isinstance(value, dict | list):
            continue
        etree.SubElement(data, f"{{{ARCHIVAL}}}{key}").text = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )


def _amd(m: etree._Element, ident: str, doc: dict[str, Any], row: Any, path: Path) -> None:
    """What was done to the document, as PREMIS events, one digiprovMD each (the way
    Archivematica writes them); its fixity and size are on its METS file entry."""
    amd = etree.SubElement(m, f"{{{METS}}}amdSec", ID=ident)
    created = datetime.fromtimestamp(row["created_at"], UTC).replace(microsecond=0).isoformat()
    events = [
        ("digitization", created, f"quét từ {doc['tep_quet']}, {doc['so_trang']} trang"),
        ("optical character recognition", created, "Tesseract (vie): lớp chữ ẩn và trường đăng ký"),
    ]
    if doc["ky_so"]:
        signed = datetime.fromtimestamp(row["updated_at"], UTC).replace(microsecond=0).isoformat()
        events.append(("digital signature generation", signed, "chữ ký số PAdES của cơ quan"))
    for n, (kind, when, detail) in enumerate(events, 1):
        prov = etree.SubElement(amd, f"{{{METS}}}digiprovMD", ID=f"{ident}-event-{n}")
        wrap = etree.SubElement(prov, f"{{{METS}}}mdWrap", MDTYPE="PREMIS:EVENT")
        event = etree.SubElement(etree.SubElement(wrap, f"{{{METS}}}xmlData"), f"{{{PREMIS}}}event", version="3.0")
        _identifier(event, "event", "UUID", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc['ma_luu_tru']}/{kind}")))
        etree.SubElement(event, f"{{{PREMIS}}}eventType").text = kind
        etree.SubElement(event, f"{{{PREMIS}}}eventDateTime").text = when
        etree.SubElement(
            etree.SubElement(event, f"{{{PREMIS}}}eventDetailInformation"), f"{{{PREMIS}}}eventDetail"
        ).text = detail
        agent = etree.SubElement(event, f"{{{PREMIS}}}linkingAgentIdentifier")
        etree.SubElement(agent, f"{{{PREMIS}}}linkingAgentIdentifierType").text = "software"
        etree.SubElement(agent, f"{{{PREMIS}}}linkingAgentIdentifierValue").text = SOFTWARE
        obj = etree.SubElement(event, f"{{{PREMIS}}}linkingObjectIdentifier")
        etree.SubElement(obj, f"{{{PREMIS}}}linkingObjectIdentifierType").text = "mã lưu trữ"
        etree.SubElement(obj, f"{{{PREMIS}}}linkingObjectIdentifierValue").text = doc["ma_luu_tru"]


def _identifier(parent: etree._Element, kind: str, scheme: str, value: str) -> None:
    ident = etree.SubElement(parent, f"{{{PREMIS}}}{kind}Identifier")
    etree.SubElement(ident, f"{{{PREMIS}}}{kind}IdentifierType").text = scheme
    etree.SubElement(ident, f"{{{PREMIS}}}{kind}IdentifierValue").text = value
