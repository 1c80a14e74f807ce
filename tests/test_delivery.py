"""Delivery: export folder and HTTP (a real server on 127.0.0.1); secret documents never
leave through a networked connector."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from delivery import ExportFolder, HttpMultipart, Package, SecretDocumentError, deliver


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers.get("Idempotency-Key"), body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_port}/upload", _Receiver.received
    server.shutdown()


def _package(tmp_path, processed, secrecy):
    record = json.loads((processed / "clean-000.json").read_text())
    if secrecy:
        record["documents"][0]["fields"]["secrecy"] = {"value": secrecy, "confidence": 0.95, "page": 1, "box": None}
    else:
        record["documents"][0]["fields"].pop("secrecy", None)
    return Package.from_record(processed / "clean-000.pdf", record)


def test_http_delivery_sends_pdf_and_metadata_once(receiver, processed, tmp_path):
    url, received = receiver
    pkg = _package(tmp_path, processed, None)
    receipt = deliver(pkg, HttpMultipart(url))
    assert "201" in receipt and len(received) == 1
    key, body = received[0]
    assert key == pkg.idempotency_key
    assert pkg.pdf.read_bytes() in body and b'name="metadata"' in body


@pytest.mark.parametrize("mark", ["MẬT", "TỐI MẬT", "TUYỆT MẬT"])
def test_secret_document_never_leaves_through_a_network_connector(receiver, processed, tmp_path, mark):
    url, received = receiver
    pkg = _package(tmp_path, processed, mark)
    with pytest.raises(SecretDocumentError, match="stay on this machine") as e:
        deliver(pkg, HttpMultipart(url))
    assert e.value.final
    assert received == []  # nothing reached the server
    # ... and the local export still works for it.
    deliver(pkg, ExportFolder(tmp_path / "export"))
    assert (tmp_path / "export" / "clean-000.pdf").read_bytes() == pkg.pdf.read_bytes()


def test_secrecy_read_from_a_scan_blocks_network_delivery(receiver, tmp_path):
    """End to end: a scanned TỐI MẬT document, OCR'd, is refused by the HTTP connector."""
    import random

    from tests.conftest import run_station
    from tests.synthetic.content import random_document
    from tests.synthetic.degrade import PROFILES, degrade
    from tests.synthetic.generate import save_scan
    from tests.synthetic.render import render_document

    rng = random.Random(2)
    doc = random_document(rng, paragraphs=2)
    doc.secrecy, doc.urgency = "TỐI MẬT", "HỎA TỐC"  # urgency in red ink: read from the colour layer
    scan = save_scan(
        [degrade(p, PROFILES["clean"], rng)[0] for p in render_document(doc)], tmp_path / "secret", PROFILES["clean"]
    )
    out = tmp_path / "out"
    assert run_station("process", str(scan), "--out", str(out), "--no-sign").returncode == 0
    record = json.loads((out / "secret.json").read_text())
    fields = record["documents"][0]["fields"]
    assert fields["secrecy"]["value"] == "TỐI MẬT" and fields["urgency"]["value"] == "HỎA TỐC"
    pkg = Package.from_record(out / "secret.pdf", record)
    url, received = receiver
    with pytest.raises(SecretDocumentError):
        deliver(pkg, HttpMultipart(url))
    assert received == []


def test_unreachable_receiver_is_a_retryable_error(processed, tmp_path):
    from delivery import DeliveryError

    pkg = _package(tmp_path, processed, None)
    with pytest.raises(DeliveryError) as e:
        deliver(pkg, HttpMultipart("http://127.0.0.1:9/upload", timeout=2))
    assert not e.value.final and "cannot be reached" in str(e.value)


def test_edxml_is_parsed_back_field_by_field(processed, tmp_path):
    import base64
    import xml.etree.ElementTree as ET

    from delivery import edxml

    record = json.loads((processed / "rotated90-000.json").read_text())["documents"][0]
    pdf = processed / "rotated90-000.pdf"
    xml = edxml.build(pdf, record, {"OrganName": "issuer"}, {"OrganId": "000.00.00.H37", "OrganName": "Sở Nội vụ"})
    ns = {"e": edxml.NS}
    root = ET.fromstring(xml)
    mh = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", ns)
    f = {k: v["value"] for k, v in record["fields"].items() if v}
    number, _, notation = f["so_ky_hieu"].partition("/")
    assert mh.findtext("e:Code/e:CodeNumber", namespaces=ns) == number
    assert mh.findtext("e:Code/e:CodeNotation", namespaces=ns) == notation
    assert mh.findtext("e:PromulgationInfo/e:PromulgationDate", namespaces=ns) == f["date"].replace("-", "/")
    assert mh.findtext("e:PromulgationInfo/e:Place", namespaces=ns) == f["place"]
    assert mh.findtext("e:DocumentType/e:TypeName", namespaces=ns) == f["type"]
    assert mh.findtext("e:Subject", namespaces=ns) == f["subject"]
    assert mh.findtext("e:SignerInfo/e:FullName", namespaces=ns) == f["signer"]
    assert mh.findtext("e:SignerInfo/e:Position", namespaces=ns) == f["signer_title"]
    assert [p.text for p in mh.findall("e:ToPlaces/e:Place", ns)] == f["recipients"]
    assert mh.findtext("e:OtherInfo/e:PageAmount", namespaces=ns) == str(len(record["pages"]))
    assert mh.findtext("e:To/e:OrganId", namespaces=ns) == "000.00.00.H37"
    assert mh.findtext("e:DocumentId", namespaces=ns) == f",{f['date'].replace('-', '/')},{f['so_ky_hieu']}"
    ts = root.findtext("e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList/e:TraceHeader/e:Timestamp", namespaces=ns)
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", ts)
    assert (
        root.findtext("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference/e:ContentId", namespaces=ns) == "cid:1"
    )
    att = root.find("e:AttachmentEncoded/e:Attachment", ns)
    assert att.findtext("e:ContentId", namespaces=ns) == "cid:1"
    assert base64.b64decode(att.findtext("e:ContentTransferEncoded", namespaces=ns)) == pdf.read_bytes()


def test_edxml_and_paperless_connectors_post_with_their_auth(processed, tmp_path):
    from delivery import EdxmlHttp, Paperless

    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        pkg = _package(tmp_path, processed, None)
        deliver(pkg, EdxmlHttp(f"{base}/edxml", {"OrganId": "000.00.00.H37"}, token="t0k"))
        deliver(pkg, Paperless(base, "p4per"))
        (p1, h1, b1), (p2, h2, b2) = got
        assert (
            p1 == "/edxml" and h1["Authorization"] == "Bearer t0k" and h1["Content-Type"].startswith("application/xml")
        )
        assert b"QCVN_102_2016" in b1
        assert p2 == "/api/documents/post_document/" and h2["Authorization"] == "Token p4per"
        assert b'name="document"' in b2 and pkg.pdf.read_bytes() in b2
        secret = _package(tmp_path, processed, "MẬT")
        for connector in (EdxmlHttp(f"{base}/edxml"), Paperless(base, "p4per")):
            with pytest.raises(SecretDocumentError):
                deliver(secret, connector)
        assert len(got) == 2
    finally:
        server.shutdown()
