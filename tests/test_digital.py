"""Documents that arrive digital (issue 13): the text layer is read instead of OCR, the
old Vietnamese encodings are converted, and the sender's signed file is kept, checked
and delivered as it came."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import unicodedata
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from archive.keys import issue, make_ca
from archive.verify import verify_pdf
from classifiers import extract
from classifiers.extract import Extraction
from delivery import ExportFolder, Package
from ocr import RecognisedPage
from ocr.types import STATED
from ocr.vietnamese import syllable_share, to_unicode
from station.page_work import PageTask, run_page
from station.pipeline import DocumentResult
from tests.conftest import run_station
from tests.pki import LocalPKI
from tests.synthetic.content import random_document
from tests.synthetic.digital import digital_pdf, scan_with_ocr_layer, to_tcvn3, to_vni
from tests.synthetic.render import render_document

KEYS = ("so_ky_hieu", "date", "issuer", "type")
NEVER_OCR = "tests.fault_engines:CrashingEngine"  # any OCR call would fail the page


def _doc(seed: int):
    doc = random_document(random.Random(f"digital-{seed}"), paragraphs=2)
    return doc, doc.truth()


def _read(pdf: Path, tmp: Path, engine: str = "tesseract") -> RecognisedPage:
    out = run_page(PageTask(pdf, 1, tmp / f"{pdf.stem}-page.pdf", engine=engine))
    assert out.error is None, (out.error, out.debug)
    return RecognisedPage.from_dict(out.page or {})


def _fields(page: RecognisedPage) -> dict:
    return extract([page]).fields_json()


def _words(text: str) -> list[str]:
    return sorted(unicodedata.normalize("NFC", text).split())


# --- legacy encodings -------------------------------------------------------------------


def test_tcvn3_and_vni_text_is_converted_from_the_forms_people_know():
    # The national motto as it comes out of .VnTime (ABC) and VNI-Times documents.
    assert to_unicode("Céng hßa x· héi chñ nghÜa ViÖt Nam") == ("Cộng hòa xã hội chủ nghĩa Việt Nam", "tcvn3")
    assert to_unicode("§éc lËp - Tù do - H¹nh phóc") == ("Độc lập - Tự do - Hạnh phúc", "tcvn3")
    assert to_unicode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == ("Cộng hòa xã hội chủ nghĩa Việt Nam", "vni")
    assert to_unicode("Ñoäc laäp - Töï do - Haïnh phuùc") == ("Độc lập - Tự do - Hạnh phúc", "vni")
    # A capitals font (.VnTimeH) writes capitals with the lower-case codes.
    assert to_unicode("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM")[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    # "ƣ" for "ư" (a converter's habit), and Unicode left as it is.
    assert to_unicode("Trƣờng Đại học")[0] == "Trường Đại học"
    assert to_unicode("Quyết định số 12, Hà Nội") == ("Quyết định số 12, Hà Nội", "unicode")


@pytest.mark.parametrize("encode", [to_tcvn3, to_vni], ids=["tcvn3", "vni"])
def test_every_vietnamese_letter_survives_a_round_trip_through_a_legacy_encoding(encode):
    letters = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    text = " ".join(f"{c}n" for c in letters)  # one syllable-ish word per letter
    assert to_unicode(encode(text))[0] == text


def test_a_readable_layer_is_vietnamese_and_a_garbled_one_is_not():
    assert syllable_share("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015") > 0.9
    # What a poor OCR makes of it: tone marks gone, letters swapped (rn for m, 0 for o).
    garbled = "Can cu Luat T0 cbuc chinh quyen dia phuorig rigay 19 tbang 6 narn 2015"
    assert syllable_share(garbled) < 0.8


# --- the text layer first -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["unicode", "tcvn3", "vni"])
def test_a_born_digital_page_is_read_from_its_text_layer_without_ocr(encoding, tmp_path):
    doc, truth = _doc(1)
    pdf = digital_pdf(doc, tmp_path / f"{encoding}.pdf", encoding)
    page = _read(pdf, tmp_path, engine=NEVER_OCR)  # would fail if OCR were called
    assert page.engine == "pdf text layer"
    if encoding != "unicode":
        assert any(f"converted from {encoding.upper()}" in n for n in page.notes)
    fields = _fields(page)
    for k in KEYS:
        assert fields[k]["value"] == truth[k], k
        assert fields[k]["confidence"] >= 0.9, k
    if encoding == "unicode":
        # The page text is the PDF's own text, word for word.
        own = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
        assert _words(page.text) == _words(own)


def test_a_number_stamped_as_an_image_is_read_by_ocr_and_the_rest_from_the_layer(tmp_path):
    doc, truth = _doc(2)
    pdf = digital_pdf(doc, tmp_path / "stamped.pdf", number_as_image=True)
    own = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    number = truth["so_ky_hieu"].split("/")[0]
    assert f"Số: {number}" not in own  # the digits are not in the layer
    page = _read(pdf, tmp_path)
    assert page.engine.startswith("pdf text layer + tesseract")
    assert _fields(page)["so_ky_hieu"]["value"] == truth["so_ky_hieu"]
    # Only the picture was OCR'd: the body keeps the layer's exact words.
    assert sum(w.confidence == STATED for w in page.words) > 0.9 * len(page.words)


def test_a_font_that_lost_letters_has_its_lines_read_again_by_ocr(tmp_path):
    doc, truth = _doc(1)
    pdf = digital_pdf(doc, tmp_path / "lossy.pdf", lost_letters="CHI")
    own = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "CỘNG HÒA" not in own  # the layer lost the letters
    page = _read(pdf, tmp_path)
    assert any("lost letters" in n for n in page.notes)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text
    fields = _fields(page)
    for k in KEYS:
        assert fields[k]["value"] == truth[k], k


def test_a_scanners_garbled_ocr_layer_is_ignored_and_the_scan_is_read(tmp_path):
    doc, truth = _doc(3)
    rendered = render_document(doc)[0]
    pdf = scan_with_ocr_layer(rendered.image, tmp_path / "scanned.pdf", rendered.lines)
    page = _read(pdf, tmp_path)
    assert "pdf text layer" not in page.engine
    assert any("OCR layer over a scan" in n for n in page.notes)
    fields = _fields(page)
    for k in KEYS:
        assert fields[k]["value"] == truth[k], k


def test_an_image_only_pdf_page_is_read_by_ocr(tmp_path):
    import img2pdf

    doc, truth = _doc(4)
    png = tmp_path / "page.png"
    render_document(doc)[0].image.save(png, dpi=(300, 300))
    pdf = tmp_path / "image-only.pdf"
    pdf.write_bytes(img2pdf.convert(str(png)))
    page = _read(pdf, tmp_path)
    assert page.engine.startswith("tesseract") and "pdf text layer" not in page.engine
    assert _fields(page)["so_ky_hieu"]["value"] == truth["so_ky_hieu"]


def test_a_pdf_carrying_javascript_is_refused_in_plain_words(tmp_path):
    import pikepdf

    from ocr import InputError, count_pages

    doc, _ = _doc(6)
    pdf_path = digital_pdf(doc, tmp_path / "active.pdf")
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
        pdf.Root.OpenAction = action
        pdf.save(pdf_path)
    with pytest.raises(InputError, match="JavaScript.*ask the sender for a plain PDF"):
        count_pages(pdf_path)


# --- the sender's signed original -----------------------------------------------------


def _pem_signer(key, cert, ca_cert) -> signers.SimpleSigner:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    from asn1crypto import x509 as asn1_x509

    def asn1(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    return signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([asn1(ca_cert)]),
    )


def _sign(src: Path, dst: Path, signer: signers.SimpleSigner, field: str) -> Path:
    with src.open("rb") as f:
        writer = IncrementalPdfFileWriter(f, strict=False)
        out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field), signer=signer)
    dst.write_bytes(out.getvalue())
    return dst


@pytest.fixture(scope="module")
def signed_inputs(tmp_path_factory):
    """Signed born-digital documents as offices send them, and a trusted CA for them."""
    d = tmp_path_factory.mktemp("signed-inputs")
    pki = LocalPKI.create(d / "pki")
    doc, truth = _doc(5)
    office = truth["issuer"].title()  # the certificate writes the name in its own case
    office_key, office_cert = issue(pki.ca_key, pki.ca_cert, office, truth.get("parent_issuer") or office)
    person_key, person_cert = issue(pki.ca_key, pki.ca_cert, "Nguyễn Văn Ký", office)
    other_ca_key, other_ca_cert = make_ca("A CA this office does not trust")
    stranger_key, stranger_cert = issue(other_ca_key, other_ca_cert, office, office)
    base = digital_pdf(doc, d / "base.pdf")
    inputs = d / "in"
    inputs.mkdir()
    valid = _sign(base, inputs / "valid.pdf", _pem_signer(office_key, office_cert, pki.ca_cert), "VanThu")
    # Two signers, as e-office systems do: the leader, then the văn thư for the office.
    first = _sign(base, d / "leader.pdf", _pem_signer(person_key, person_cert, pki.ca_cert), "LanhDao")
    _sign(first, inputs / "two-signers.pdf", _pem_signer(office_key, office_cert, pki.ca_cert), "VanThu")
    _sign(base, inputs / "untrusted.pdf", _pem_signer(stranger_key, stranger_cert, other_ca_cert), "VanThu")
    # One byte changed inside what the signature covers.
    data = bytearray(valid.read_bytes())
    at = data.index(b"/CreationDate") + len(b"/CreationDate (D:2")
    data[at] = ord("1") if data[at] != ord("1") else ord("2")
    (inputs / "altered.pdf").write_bytes(bytes(data))
    out = d / "out"
    proc = run_station("process", str(inputs), "--out", str(out), "--no-sign", "--trust", str(pki.ca_pem))
    assert proc.returncode == 0, proc.stderr
    return {"in": inputs, "out": out, "truth": truth, "ca": pki.ca_pem, "office": office}


def _record(signed_inputs, name: str) -> dict:
    return json.loads((signed_inputs["out"] / f"{name}.json").read_text(encoding="utf-8"))["documents"][0]


def test_a_validly_signed_input_is_kept_byte_for_byte_and_confirms_its_issuer(signed_inputs):
    doc = _record(signed_inputs, "valid")
    original = doc["original"]
    received = signed_inputs["in"] / "valid.pdf"
    kept = signed_inputs["out"] / original["kept_as"]
    assert kept.name == "valid.ban-goc.pdf"
    assert original["sha256"] == hashlib.sha256(received.read_bytes()).hexdigest()
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == original["sha256"]
    assert original["status"] == "valid"
    assert "hợp lệ" in original["summary"] and signed_inputs["office"] in original["summary"]
    (sig,) = original["signatures"]
    assert sig["intact"] and sig["valid"] and sig["trusted"] and sig["covers_whole_file"]
    assert sig["signed_at"] and sig["signed_at"].endswith("+07:00")
    # The kept copy still verifies for pyHanko, as it did when it arrived.
    (report,) = verify_pdf(kept, [signed_inputs["ca"]]).signatures
    assert report.ok
    issuer = doc["fields"]["issuer"]
    assert issuer["value"] == signed_inputs["truth"]["issuer"]
    assert issuer["source"] == "confirmed by signature" and issuer["confidence"] >= 0.95


def test_a_copy_with_one_byte_changed_is_reported_as_altered_and_nothing_stays_green(signed_inputs):
    doc = _record(signed_inputs, "altered")
    assert doc["original"]["status"] == "altered"
    assert "bị sửa sau khi ký" in doc["original"]["summary"]
    for k in KEYS:
        assert doc["fields"][k]["confidence"] < 0.9, k


def test_an_untrusted_signer_is_reported_as_such_not_as_valid(signed_inputs):
    doc = _record(signed_inputs, "untrusted")
    assert doc["original"]["status"] == "unverified"
    assert "không xác minh được" in doc["original"]["summary"]
    assert "không thuộc tổ chức chứng thực mà cơ quan này tin cậy" in doc["original"]["summary"]
    assert any("trusted certification authority" in p for p in doc["original"]["signatures"][0]["problems"])
    assert doc["fields"]["issuer"]["source"] != "confirmed by signature"


def test_two_signers_are_both_checked_and_the_last_one_covers_the_file(signed_inputs):
    sigs = _record(signed_inputs, "two-signers")["original"]["signatures"]
    assert [s["field_name"] for s in sigs] == ["LanhDao", "VanThu"]
    assert all(s["intact"] and s["valid"] and s["trusted"] for s in sigs)
    assert not sigs[0]["covers_whole_file"] and sigs[1]["covers_whole_file"]
    assert sigs[0]["common_name"] == "Nguyễn Văn Ký"
    assert _record(signed_inputs, "two-signers")["original"]["status"] == "valid"


def test_delivery_carries_the_senders_original_beside_the_pdfa(signed_inputs, tmp_path):
    out = signed_inputs["out"]
    record = json.loads((out / "valid.json").read_text(encoding="utf-8"))
    package = Package.from_record(out / "valid.pdf", record)
    assert package.original == out / "valid.ban-goc.pdf"
    ExportFolder(tmp_path / "export", {"OrganId": "000.00.00.H01", "OrganName": "Nơi nhận"}).send(package)
    exported = tmp_path / "export" / "valid.ban-goc.pdf"
    assert hashlib.sha256(exported.read_bytes()).hexdigest() == record["documents"][0]["original"]["sha256"]
    (report,) = verify_pdf(exported, [signed_inputs["ca"]]).signatures
    assert report.ok
    assert (tmp_path / "export" / "valid.pdf").exists()
    message = (tmp_path / "export" / "valid.edxml").read_text(encoding="utf-8")
    assert message.count("<edXML:Attachment>") == 2 or message.count("Attachment>") >= 4
    assert "valid.ban-goc.pdf" in message


def test_the_review_page_shows_the_senders_signature_and_offers_the_original(signed_inputs, tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from models import documents, jobs, users
    from models.db import connect

    out = signed_inputs["out"]
    conn = connect(tmp_path / "station.db")
    users.add(conn, "thu", "clerk password", "clerk")
    shown = {}
    for name in ("valid", "altered"):
        job, _ = jobs.intake(conn, signed_inputs["in"] / f"{name}.pdf", "incoming", None)
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            shown[name] = documents.add(conn, job.id, str(out / f"{name}.pdf"), _record(signed_inputs, name), None)
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1")
    client.post("/login", data={"username": "thu", "password": "clerk password"})
    page = client.get(f"/documents/{shown['valid']}").text
    assert "Chữ ký số của cơ quan gửi: hợp lệ" in page and signed_inputs["office"] in page
    assert 'class="sender sender-valid"' in page
    assert "tài liệu bị sửa sau khi ký" in client.get(f"/documents/{shown['altered']}").text
    original = client.get(f"/documents/{shown['valid']}/original")
    assert original.status_code == 200
    assert original.content == (signed_inputs["in"] / "valid.pdf").read_bytes()


def test_the_station_delivers_a_signed_input_with_its_original_to_the_export_folder(signed_inputs, tmp_path):
    from tests.service_helpers import StationProcess, wait_for

    received = signed_inputs["in"] / "valid.pdf"
    station = StationProcess(tmp_path / "data", STATION_TRUST_ROOTS=str(signed_inputs["ca"])).start()
    try:
        assert wait_for(station.hot.exists, 30)
        (station.hot / "cv-den.pdf").write_bytes(received.read_bytes())
        export = station.data_dir / "export"
        assert wait_for(lambda: (export / "cv-den.edxml").exists(), 120), station.query("SELECT state FROM documents")
        original = export / "cv-den.ban-goc.pdf"
        assert hashlib.sha256(original.read_bytes()).hexdigest() == hashlib.sha256(received.read_bytes()).hexdigest()
        (report,) = verify_pdf(original, [signed_inputs["ca"]]).signatures
        assert report.ok
        record = json.loads((export / "cv-den.json").read_text(encoding="utf-8"))
        assert record["original"]["status"] == "valid"
    finally:
        assert station.stop() == 0


def test_reading_a_digital_document_again_keeps_its_original_and_the_signature_check(signed_inputs, tmp_path):
    import shutil

    from delivery.package import original_beside
    from models import documents, jobs
    from models.db import connect
    from station import rework

    out = signed_inputs["out"]
    for name in ("valid.pdf", "valid.words.json", "valid.ban-goc.pdf"):
        shutil.copy(out / name, tmp_path / name)
    conn = connect(tmp_path / "station.db")
    job, _ = jobs.intake(conn, signed_inputs["in"] / "valid.pdf", "incoming", None)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        doc_id = documents.add(conn, job.id, str(tmp_path / "valid.pdf"), _record(signed_inputs, "valid"), None)
    (new_id,) = rework.reread(conn, doc_id, "thu")
    row = conn.execute("SELECT pdf, record FROM documents WHERE id = ?", (new_id,)).fetchone()
    record = json.loads(row["record"])
    assert record["original"]["status"] == "valid"
    assert record["fields"]["issuer"]["source"] == "confirmed by signature"
    assert original_beside(Path(row["pdf"]), record) == tmp_path / "valid.ban-goc.pdf"


def test_a_documents_record_says_each_note_once():
    """Eight pages that each say 'the OCR layer was read again' make one note, in order."""
    pages = [RecognisedPage(i, 100, 100, 300, 0, 90.0, notes=["read again", f"page {i}"]) for i in range(1, 4)]
    doc = DocumentResult(Path("a.pdf"), pages, Extraction({}, True, notes=["page 2", "first"]))
    assert doc.record()["notes"] == ["page 2", "first", "read again", "page 1", "page 3"]
