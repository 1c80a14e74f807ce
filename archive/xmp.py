"""XMP metadata for the archival PDF: PDF/A-2b identification, Dublin Core, and the
document's registration fields in our own namespace.

PDF/A allows properties outside the standard schemas only when the file itself
describes them (a PDF/A extension schema), so the description of every field we
write travels in the same packet."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

NS = "https://digitization-station.example/ns/vbd/1.0/"
PREFIX = "vbd"

# Field name -> description. The names match the JSON `fields` keys.
FIELDS: dict[str, str] = {
    "so_ky_hieu": "Number and notation as printed after Số: (e.g. 123/QĐ-UBND)",
    "number": "Document number",
    "date": "Issue date (YYYY-MM-DD)",
    "place": "Place of issue",
    "issuer": "Issuing body",
    "parent_issuer": "Parent body of the issuer",
    "type": "Document type (Decree 30/2020/NĐ-CP, Appendix III)",
    "subject": "Subject (trích yếu)",
    "signer": "Full name of the signer",
    "signer_title": "Title of the signer",
    "signing_authority": "Signing authority prefix (TM., KT., TL., TUQ., Q.)",
    "secrecy": "Secrecy mark",
    "urgency": "Urgency mark",
    "recipients": "Recipients (Nơi nhận)",
    "source_file": "Name of the scanned file this document was made from",
    "page_count": "Number of pages",
    "ocr_engine": "OCR engine and version that read the pages",
}


def xmp_date(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def pdf_date(dt: datetime) -> str:
    off = dt.strftime("%z")
    tz = "Z" if off in ("", "+0000") else f"{off[:3]}'{off[3:]}'"
    return dt.strftime("D:%Y%m%d%H%M%S") + tz


def build_xmp(
    title: str, created: datetime, producer: str, creator_tool: str, fields: dict[str, str], language: str = "vi"
) -> bytes:
    props = "".join(f"   <{PREFIX}:{k}>{escape(v)}</{PREFIX}:{k}>\n" for k, v in fields.items() if k in FIELDS and v)
    schema_props = "".join(
        '       <rdf:li rdf:parseType="Resource">\n'
        f"        <pdfaProperty:name>{k}</pdfaProperty:name>\n"
        "        <pdfaProperty:valueType>Text</pdfaProperty:valueType>\n"
        "        <pdfaProperty:category>external</pdfaProperty:category>\n"
        f"        <pdfaProperty:description>{escape(d)}</pdfaProperty:description>\n"
        "       </rdf:li>\n"
        for k, d in FIELDS.items()
    )
    date = xmp_date(created)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"
    xmlns:{PREFIX}="{NS}">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>{escape(creator_tool)}</xmp:CreatorTool>
   <pdf:Producer>{escape(producer)}</pdf:Producer>
{props}   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Registration fields of a Vietnamese administrative document</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{NS}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
{schema_props}       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
{" " * 2000}
<?xpacket end="w"?>"""
    return packet.encode("utf-8")
