"""The PDF/A-2b rules (ISO 19005-2) that apply to what the station writes, checked one
by one. No validator (veraPDF) is packaged for Debian or PyPI, so the rules are
spelled out here; each returns a plain description of the violation.

Checked:
 6.1.2   header %PDF-1.n (n<=7) followed by a comment line of four bytes >= 128
 6.1.3   trailer has /ID; no /Encrypt
 6.1.7   stream dictionaries have no /F, /FFilter, /FDecodeParms
 6.1.7.2 no LZWDecode filter anywhere
 6.2.2   an OutputIntent /GTS_PDFA1 with an ICC DestOutputProfile; RGB (N=3) as
         device colour (DeviceRGB/DeviceGray) is used; ICC version below 5
 6.2.8   images: /Interpolate not true, no /Alternates, no /OPI
 6.2.11  every font program embedded; CIDFontType2 has a CIDToGIDMap; the widths in
         the PDF (DW/W) agree with the advance widths in the embedded font;
         Identity-H fonts have CIDSystemInfo
 6.2.10  text render mode 3 (invisible) is only used with such an embedded font
 6.5/6.6 no JavaScript, no /AA, no Launch actions; no EmbeddedFiles
 6.6.2.1 catalog /Metadata stream, unfiltered, XMP with pdfaid:part=2 conformance=B
 6.6.2.3 every XMP property outside the standard schemas is described by a PDF/A
         extension schema in the same packet
 6.6.3   Info entries equal their XMP counterparts (Title/dc:title,
         Producer/pdf:Producer, Creator/xmp:CreatorTool, CreationDate/xmp:CreateDate,
         ModDate/xmp:ModifyDate)
 6.1.13  page sizes between 3 and 14 400 units
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
STANDARD_NS = {NS[k] for k in ("pdfaid", "dc", "xmp", "pdf", "pdfaExtension", "pdfaSchema", "pdfaProperty", "rdf")}
STANDARD_NS |= {"http://ns.adobe.com/xap/1.0/mm/", "http://ns.adobe.com/xap/1.0/rights/"}


def violations(path: Path) -> list[str]:
    out: list[str] = []
    raw = path.read_bytes()
    m = re.match(rb"%PDF-1\.([0-7])\r?\n%(....)", raw)
    if not m:
        out.append("6.1.2: header is not %PDF-1.n followed by a binary comment")
    elif any(b < 128 for b in m.group(2)):
        out.append("6.1.2: the comment after the header has bytes below 128")
    with pikepdf.open(path) as pdf:
        if "/ID" not in pdf.trailer:
            out.append("6.1.3: trailer has no /ID")
        if pdf.is_encrypted:
            out.append("6.1.3: file is encrypted")
        out += _objects(pdf)
        out += _output_intent(pdf)
        out += _fonts(pdf)
        out += _metadata(pdf)
        for i, page in enumerate(pdf.pages, 1):
            w, h = float(page.mediabox[2]) - float(page.mediabox[0]), float(page.mediabox[3]) - float(page.mediabox[1])
            if not (3 <= w <= 14400 and 3 <= h <= 14400):
                out.append(f"6.1.13: page {i} size {w}x{h} out of range")
            if "/AA" in page:
                out.append(f"6.6.1: page {i} has additional actions")
        if "/Names" in pdf.Root and ("/EmbeddedFiles" in pdf.Root.Names or "/JavaScript" in pdf.Root.Names):
            out.append("6.8/6.6: embedded files or JavaScript in the name tree")
        if "/OpenAction" in pdf.Root or "/AA" in pdf.Root:
            out.append("6.6.1: document actions present")
    return out


def _filters(obj) -> list[str]:
    f = obj.get("/Filter")
    if f is None:
        return []
    return [str(x) for x in f] if isinstance(f, pikepdf.Array) else [str(f)]


def _objects(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        for key in ("/F", "/FFilter", "/FDecodeParms"):
            if key in obj.stream_dict:
                out.append(f"6.1.7: stream {obj.objgen} has {key}")
        if "/LZWDecode" in _filters(obj.stream_dict):
            out.append(f"6.1.7.2: stream {obj.objgen} uses LZWDecode")
        if obj.stream_dict.get("/Subtype") == pikepdf.Name.Image:
            if obj.stream_dict.get("/Interpolate", False):
                out.append(f"6.2.8: image {obj.objgen} has /Interpolate true")
            for key in ("/Alternates", "/OPI"):
                if key in obj.stream_dict:
                    out.append(f"6.2.8: image {obj.objgen} has {key}")
        if (
            obj.stream_dict.get("/Subtype") == pikepdf.Name.JavaScript
            or obj.stream_dict.get("/S") == pikepdf.Name.JavaScript
        ):
            out.append("6.6.1: JavaScript present")
    return out


def _output_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = [oi for oi in pdf.Root.get("/OutputIntents", []) if oi.get("/S") == pikepdf.Name.GTS_PDFA1]
    if len(intents) != 1:
        return ["6.2.2: expected exactly one GTS_PDFA1 output intent"]
    profile = intents[0].get("/DestOutputProfile")
    if profile is None:
        return ["6.2.2: output intent has no DestOutputProfile"]
    data = profile.read_bytes()
    out = []
    if int(profile.get("/N", 0)) != 3 or data[16:20] != b"RGB ":
        out.append("6.2.2: output profile is not an RGB profile (N=3)")
    if data[8] >= 5:
        out.append("6.2.2: ICC profile version 5 or later")
    return out


def _font_dicts(pdf: pikepdf.Pdf):
    """(name, font) for every font the pages use: page resources, annotation
    appearances (the visible signature) and the form XObjects inside them."""

    def walk(resources, seen):
        if resources is None or resources.objgen in seen and resources.objgen != (0, 0):
            return
        seen.add(resources.objgen)
        yield from resources.get("/Font", {}).items()
        for xobj in resources.get("/XObject", {}).values():
            if xobj.get("/Subtype") == pikepdf.Name.Form:
                yield from walk(xobj.get("/Resources"), seen)

    seen: set = set()
    for page in pdf.pages:
        yield from walk(page.Resources, seen)
        for annot in page.get("/Annots", []):
            ap = annot.get("/AP")
            if ap is not None and isinstance(ap.get("/N"), pikepdf.Stream):
                yield from walk(ap.N.get("/Resources"), seen)


def _fonts(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    for name, font in _font_dicts(pdf):
        fonts_to_check = [font] + list(font.get("/DescendantFonts", []))
        if font.get("/Subtype") == pikepdf.Name.Type0:
            desc = font.DescendantFonts[0]
            if "/CIDSystemInfo" not in desc:
                out.append(f"6.2.11.3: {name} has no CIDSystemInfo")
            if desc.get("/Subtype") == pikepdf.Name.CIDFontType2 and "/CIDToGIDMap" not in desc:
                out.append(f"6.2.11.3.2: {name} has no CIDToGIDMap")
        for f in fonts_to_check:
            fd = f.get("/FontDescriptor")
            if fd is None:
                continue
            prog = next((fd[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in fd), None)
            if prog is None:
                out.append(f"6.2.11.4.1: font {name} not embedded")
                continue
            if "/FontFile2" in fd:
                out += _widths_agree(name, f, TTFont(io.BytesIO(prog.read_bytes())))
    return out


def _widths_agree(name, f, tt: TTFont) -> list[str]:
    """6.2.11.5: the widths in the font dictionary are the embedded program's advances
    (in thousandths of an em; CID = glyph id with an Identity CIDToGIDMap)."""
    upem = tt["head"].unitsPerEm
    order = tt.getGlyphOrder()

    def advance(gid: int) -> int:
        return round(tt["hmtx"][order[gid]][0] * 1000 / upem) if gid < len(order) else None

    dw = int(f.get("/DW", 1000))
    if "/W" not in f:
        advances = {advance(g) for g in range(1, len(order))}
        return [] if advances == {dw} else [f"6.2.11.5: {name} DW {dw} disagrees with font advances {advances}"]
    out, w, i = [], list(f.W), 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], pikepdf.Array):
            pairs = [(first + k, float(v)) for k, v in enumerate(w[i + 1])]
            i += 2
        else:
            pairs = [(c, float(w[i + 2])) for c in range(first, int(w[i + 1]) + 1)]
            i += 3
        for cid, width in pairs:
            real = advance(cid)
            if real is not None and abs(real - width) > 1:
                out.append(f"6.2.11.5: {name} width of glyph {cid} is {width:g}, the font says {real}")
                return out
    return out


def _metadata(pdf: pikepdf.Pdf) -> list[str]:
    meta = pdf.Root.get("/Metadata")
    if meta is None:
        return ["6.6.2.1: no catalog Metadata stream"]
    out = []
    if "/Filter" in meta.stream_dict:
        out.append("6.6.2.1: metadata stream is filtered")
    xml = meta.read_bytes().decode("utf-8")
    root = ET.fromstring(re.sub(r"<\?xpacket[^>]*\?>", "", xml).strip())
    descs = root.findall(".//rdf:Description", NS)

    def find(path: str) -> str | None:
        for d in descs:
            e = d.find(path, NS)
            if e is not None:
                return "".join(e.itertext()).strip()
        return None

    if find("pdfaid:part") != "2" or find("pdfaid:conformance") != "B":
        out.append("6.6.4: XMP does not identify PDF/A-2b")
    described = {e.text for e in root.findall(".//pdfaProperty:name", NS)}
    ext_ns = {e.text for e in root.findall(".//pdfaSchema:namespaceURI", NS)}
    for d in descs:
        for child in d:
            ns, _, local = child.tag[1:].partition("}")
            if ns not in STANDARD_NS and (ns not in ext_ns or local not in described):
                out.append(f"6.6.2.3: property {local} ({ns}) not described by an extension schema")
    info = pdf.trailer.get("/Info", {})
    pairs = {"/Title": "dc:title//rdf:li", "/Producer": "pdf:Producer", "/Creator": "xmp:CreatorTool"}
    for key, xp in pairs.items():
        if key in info and str(info[key]) != (find(xp) or ""):
            out.append(f"6.6.3: Info {key} differs from XMP {xp}")
    for key, xp in {"/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}.items():
        if key in info and _pdf_date_iso(str(info[key])) != (find(xp) or ""):
            out.append(f"6.6.3: Info {key} differs from XMP {xp}")
    return out


def _pdf_date_iso(d: str) -> str:
    m = re.match(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d\d'\d\d')?", d)
    if not m:
        return d
    y, mo, da, h, mi, s, tz = m.groups()
    tz = "+00:00" if tz in (None, "Z") else tz[:3] + ":" + tz[4:6]
    return f"{y}-{mo}-{da}T{h}:{mi}:{s}{tz}"
