"""`station process` as a user runs it: good files done, bad files one clear line each."""

import io
import json

import pikepdf
from PIL import Image

from tests.conftest import run_station


def test_bad_inputs_fail_alone_with_one_line_each(corpus, tmp_path):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "empty.tif").write_bytes(b"")
    (bad / "notes.jpg").write_text("not an image at all\n" * 20)
    buf = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(buf, "JPEG")
    (bad / "truncated.jpg").write_bytes(buf.getvalue()[:2000])
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(bad / "locked.pdf", encryption=pikepdf.Encryption(user="x", owner="x"))
    good = corpus / "clean-000.jpg"
    out = tmp_path / "out"
    proc = run_station(
        "process",
        str(bad / "empty.tif"),
        str(bad / "notes.jpg"),
        str(good),
        str(bad / "truncated.jpg"),
        str(bad / "locked.pdf"),
        str(bad / "missing.png"),
        "--out",
        str(out),
        "--no-sign",
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    failures = [ln for ln in proc.stderr.splitlines() if ": failed: " in ln]
    assert len(failures) == 5, proc.stderr
    msgs = "\n".join(failures)
    for expected in (
        "empty.tif: failed: the file is empty",
        "notes.jpg: failed: this is not a scan",
        "truncated.jpg: failed:",
        "locked.pdf: failed: the PDF is encrypted",
        "missing.png: failed: the file does not exist",
    ):
        assert expected in msgs
    assert (out / "clean-000.pdf").exists()
    record = json.loads((out / "clean-000.json").read_text())
    assert record["status"] == "ok"
    failed = json.loads((out / "locked.json").read_text())
    assert failed["status"] == "failed" and "encrypted" in failed["error"]
    assert not (out / "locked.pdf").exists()
    assert "1 of 6 files done" in proc.stderr


def test_json_record_shape(processed):
    record = json.loads((processed / "upside_down-000.json").read_text())
    assert record["source"] == "upside_down-000.tif" and record["status"] == "ok"
    (doc,) = record["documents"]
    assert doc["pdf"] == "upside_down-000.pdf" and doc["fields"]["so_ky_hieu"]["value"]
    (page,) = doc["pages"]
    assert page["index"] == 1 and page["rotation"] == 180
    assert (page["width_px"], page["height_px"], page["dpi"]) == (2480, 3508, 300.0)
    assert 80 < page["mean_confidence"] <= 100
    assert isinstance(page["skew_degrees"], float) and page["text"].startswith(("UBND", "ỦY", "BỘ"))


def test_same_name_inputs_do_not_overwrite_each_other(corpus, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for d in (a, b):
        (d / "scan.jpg").write_bytes((corpus / "clean-000.jpg").read_bytes())
    out = tmp_path / "out"
    proc = run_station("process", str(a / "scan.jpg"), str(b / "scan.jpg"), "--out", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert (out / "scan.pdf").exists() and (out / "scan-2.pdf").exists()


def test_no_inputs_found_is_a_usage_error(tmp_path):
    proc = run_station("process", str(tmp_path), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "no scan files" in proc.stderr


def test_words_with_boxes_are_kept_beside_the_pdf(processed):
    from ocr.types import RecognisedPage

    words = json.loads((processed / "skew-000.words.json").read_text())
    (page,) = [RecognisedPage.from_dict(p) for p in words["pages"]]
    record = json.loads((processed / "skew-000.json").read_text())["documents"][0]["pages"][0]
    assert len(page.words) == record["words"] and page.text == record["text"]
    assert all(0 <= w.box[0] < w.box[2] <= page.width_px for w in page.words)
