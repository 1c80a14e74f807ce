"""Signed electronic copies: PAdES over the PDF/A by incremental update, with a PKCS#12
file and a PKCS#11 token (SoftHSM2), time-stamped by a TSA on 127.0.0.1."""

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from archive.keys import Pkcs12Key
from archive.signing import SigningConfig, open_signer, sign_pdf
from archive.verify import verify_pdf
from errors import ExitCode
from tests.conftest import run_station
from tests.pdfa_rules import violations
from tests.pki import PIN, LocalPKI, TimeStampServer, softhsm_token

ORG = "Sở Nội vụ tỉnh Lạng Sơn"
STAMP_RE = re.compile(r"SAO Y – Sở Nội vụ tỉnh Lạng Sơn – \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> LocalPKI:
    return LocalPKI.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tsa(pki):
    server = TimeStampServer(pki)
    yield server
    server.close()


def _sign(pki, src: Path, dst: Path, **kw):
    config = SigningConfig(ORG, Pkcs12Key(pki.p12, pin_env=None, pin_file=pki.pin_file), **kw)
    with open_signer(config.key) as signer:
        return sign_pdf(src, dst, config, signer)


def _words(pdf: Path) -> list[str]:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()


def test_pkcs12_signature_keeps_the_pdfa_bytes_rules_and_text(pki, processed, tmp_path):
    src = processed / "clean-000.pdf"
    dst = tmp_path / "signed.pdf"
    result = _sign(pki, src, dst)
    original = src.read_bytes()
    assert dst.read_bytes()[: len(original)] == original  # incremental: the PDF/A bytes untouched
    assert violations(dst) == []
    report = verify_pdf(dst, [pki.ca_pem])
    assert report.ok and report.pdfa == "PDF/A-2B", report.to_json()
    (sig,) = report.signatures
    assert sig.level == "B-B" == result.level and ORG in sig.signer
    stamp = STAMP_RE.search(
        subprocess.run(["pdftotext", "-l", "1", str(dst), "-"], capture_output=True, text=True).stdout
    )
    assert stamp, "the visible SAO Y text is not extractable"
    # The text layer is intact: every word is still there, plus the stamp's.
    assert not Counter(_words(src)) - Counter(_words(dst))


def test_visible_signature_sits_on_blank_paper_at_the_top_right(pki, processed, tmp_path):
    src = processed / "stamps-000.pdf"  # the ĐẾN stamp is in the header
    result = _sign(pki, src, tmp_path / "signed.pdf")
    assert not result.notes
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-singlefile", str(src), str(tmp_path / "p")], check=True)
    page = Image.open(tmp_path / "p.pgm")
    x1, y1, x2, y2 = result.stamp_box
    assert x2 > page.width * 0.75 and y1 > page.height * 0.8  # top right (PDF y grows upwards)
    under = page.crop((x1, page.height - y2, x2, page.height - y1))
    assert under.getextrema()[0] > 200  # nothing printed or stamped underneath


def test_flipped_byte_fails_verification_and_says_why(pki, processed, tmp_path):
    dst = tmp_path / "signed.pdf"
    _sign(pki, processed / "clean-000.pdf", dst)
    data = bytearray(dst.read_bytes())
    data[data.find(b"JFIF") + 5000] ^= 0x01  # inside the page image, inside the signed range
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    report = verify_pdf(tampered, [pki.ca_pem])
    assert not report.ok
    assert any("altered after signing" in p for s in report.signatures for p in s.problems)


def test_unsigned_incremental_update_is_reported_as_changed(pki, processed, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    dst = tmp_path / "signed.pdf"
    _sign(pki, processed / "clean-000.pdf", dst)
    with dst.open("r+b") as f:
        w = IncrementalPdfFileWriter(f)
        ref = w.add_object(generic.StreamObject(stream_data=b"1 0 0 rg 100 100 200 50 re f"))
        w.add_stream_to_page(0, ref)
        w.write_in_place()
    report = verify_pdf(dst, [pki.ca_pem])
    assert not report.ok
    (sig,) = report.signatures
    assert sig.intact and sig.changed_after_signing
    assert any("changed after signing" in p for p in sig.problems)


def test_untrusted_signer_is_reported(pki, processed, tmp_path):
    dst = tmp_path / "signed.pdf"
    _sign(pki, processed / "clean-000.pdf", dst)
    report = verify_pdf(dst, [])
    assert not report.ok and not report.signatures[0].trusted


def test_b_t_with_a_time_stamp_authority_on_localhost(pki, tsa, processed, tmp_path):
    dst = tmp_path / "signed.pdf"
    before = tsa.requests
    result = _sign(pki, processed / "clean-000.pdf", dst, level="B-T", tsa_url=tsa.url)
    assert result.level == "B-T" and tsa.requests > before
    report = verify_pdf(dst, [pki.ca_pem])
    assert report.ok and report.signatures[0].level == "B-T", report.to_json()
    assert violations(dst) == []


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_levels_embed_validation_data(pki, tsa, processed, tmp_path, level):
    dst = tmp_path / "signed.pdf"
    _sign(
        pki, processed / "clean-000.pdf", dst, level=level, tsa_url=tsa.url, trust_roots=(pki.ca_pem,), crls=(pki.crl,)
    )
    report = verify_pdf(dst, [pki.ca_pem])
    assert report.ok and report.signatures[0].level == level, report.to_json()
    assert violations(dst) == []


def test_pkcs11_token_signs_through_the_cli(pki, corpus, tmp_path):
    env = softhsm_token(pki, tmp_path / "hsm")
    env["STATION_SIGNING_PIN"] = PIN
    env["STATION_ORGANISATION"] = ORG
    out = tmp_path / "out"
    proc = run_station("process", str(corpus / "clean-000.jpg"), "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    assert PIN not in proc.stdout + proc.stderr  # the PIN is never shown
    check = run_station("verify", str(out / "clean-000.pdf"), "--trust", str(pki.ca_pem), "--json", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "(token)" in check.stdout and '"level": "B-B"' in check.stdout


def test_process_signs_by_default_and_verify_exits_nonzero_on_a_bad_file(corpus, tmp_path):
    out = tmp_path / "out"
    proc = run_station("process", str(corpus / "grey-000.tif"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "development certificate" in proc.stderr
    ok = run_station("verify", str(out / "grey-000.pdf"))
    assert ok.returncode == 0 and "valid, PDF/A-2B" in ok.stdout and "B-B" in ok.stdout
    assert "NOT FOR PRODUCTION" in ok.stdout  # the development certificate says what it is
    bad = tmp_path / "bad.pdf"
    data = bytearray((out / "grey-000.pdf").read_bytes())
    data[len(data) // 3] ^= 0x01
    bad.write_bytes(bytes(data))
    unsigned = tmp_path / "unsigned.pdf"
    shutil.copy(corpus / "rotated90-000.pdf", unsigned)
    res = run_station("verify", str(out / "grey-000.pdf"), str(bad), str(unsigned))
    assert res.returncode == 1 and "Traceback" not in res.stdout + res.stderr
    assert res.stdout.count("NOT VALID") == 2


def test_wrong_pin_is_a_clear_error_and_never_printed(pki, corpus, tmp_path):
    env = {"STATION_SIGNING_PKCS12": str(pki.p12), "STATION_SIGNING_PIN": "wrong-pin-9876"}
    proc = run_station("process", str(corpus / "clean-000.jpg"), "--out", str(tmp_path / "o"), env=env)
    assert (
        proc.returncode == ExitCode.SIGNING_KEY and "wrong PIN" in proc.stderr and "wrong-pin-9876" not in proc.stderr
    )


def test_bad_setting_names_its_key(corpus, tmp_path):
    proc = run_station(
        "process", str(corpus / "clean-000.jpg"), "--out", str(tmp_path / "o"), env={"STATION_SIGNING_LEVEL": "B-XYZ"}
    )
    assert proc.returncode == 2 and "STATION_SIGNING_LEVEL" in proc.stderr


def test_long_term_level_without_revocation_data_falls_back_to_b_t(pki, tsa, processed, tmp_path):
    """Offline, with no CRL at hand: B-LT cannot be had, the document is still signed."""
    dst = tmp_path / "signed.pdf"
    result = _sign(pki, processed / "clean-000.pdf", dst, level="B-LT", tsa_url=tsa.url, trust_roots=())
    assert result.level == "B-T" and any("signed at B-T" in n for n in result.notes)
    assert verify_pdf(dst, [pki.ca_pem]).ok
