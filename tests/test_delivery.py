"""Delivery: export folder and HTTP (a real server on 127.0.0.1); secret documents never
leave through a networked connector."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from station.delivery import ExportFolder, HttpMultipart, Package, SecretDocumentError, deliver


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
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
    scan = save_scan([degrade(p, PROFILES["clean"], rng)[0] for p in render_document(doc)],
                     tmp_path / "secret", PROFILES["clean"])
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
    from station.delivery import DeliveryError

    pkg = _package(tmp_path, processed, None)
    with pytest.raises(DeliveryError) as e:
        deliver(pkg, HttpMultipart("http://127.0.0.1:9/upload", timeout=2))
    assert not e.value.final and "cannot be reached" in str(e.value)
