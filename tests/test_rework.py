"""Page operations on documents in review: delete, move, turn, split, merge, read again,
and the corrected-metadata refresh before signing. Real scans, real Tesseract, real
PDF/A files checked rule by rule."""

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from models import documents, jobs
from models.db import connect
from station import rework
from station.pipeline import Options, process_files
from tests.pdfa_rules import violations
from tests.synthetic import generate


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> tuple[dict[str, Path], Path]:
    """A two-page scan and a one-page scan, processed once for the module (as
    clean-000 and clean-000-2)."""
    src = tmp_path_factory.mktemp("rework-src")
    long = generate(src / "long", 1, ["clean"], seed=5, paragraphs=14)[0].path
    short = generate(src / "short", 1, ["clean"], seed=6)[0].path
    out = tmp_path_factory.mktemp("rework-out")
    results = list(process_files([long, short], out, Options(jobs=2)))
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    assert len(next(r for r in results if r.source == long).pages) >= 2
    return {"long": long, "short": short}, out


@pytest.fixture
def db(tmp_path, scans):
    """A station database holding both documents in review, each with its own copy of
    the processed files (rework writes beside them)."""
    sources, out = scans
    conn = connect(tmp_path / "station.db")
    ids = {}
    for name, stem in (("long", "clean-000"), ("short", "clean-000-2")):
        scan = sources[name]
        folder = tmp_path / name
        folder.mkdir()
        pdf = shutil.copy(out / f"{stem}.pdf", folder / f"{stem}.pdf")
        shutil.copy(out / f"{stem}.words.json", folder / f"{stem}.words.json")  # the name its record gives
        record = json.loads((out / f"{stem}.json").read_text())["documents"][0]
        (folder / "original").mkdir()
        original = shutil.copy(scan, folder / "original" / scan.name)
        job, _ = jobs.intake(conn, Path(original), "incoming", None)
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            ids[name] = documents.add(conn, job.id, str(pdf), record, None)
    return conn, ids


def _row(conn, doc_id):
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return row, json.loads(row["record"])


def _page_texts(pdf: str) -> list[str]:
    with pikepdf.open(pdf) as p:
        n = len(p.pages)
    return [
        subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), pdf, "-"], capture_output=True, text=True).stdout
        for i in range(1, n + 1)
    ]


def test_delete_and_move_pages_copy_pages_without_reading_them_again(db):
    conn, ids = db
    doc = ids["long"]
    before, record = _row(conn, doc)
    texts = _page_texts(before["pdf"])
    rework.move_page(conn, doc, len(texts), 1, "thu")
    moved, _ = _row(conn, doc)
    assert _page_texts(moved["pdf"]) == [texts[-1]] + texts[:-1]
    assert violations(Path(moved["pdf"])) == []
    rework.delete_page(conn, doc, 1, "thu")
    after, rec = _row(conn, doc)
    assert _page_texts(after["pdf"]) == texts[:-1]
    assert len(rec["pages"]) == len(texts) - 1 and rec["fields"]["so_ky_hieu"] == record["fields"]["so_ky_hieu"]
    assert Path(before["pdf"]).exists()  # the old version stays for the record
    changes = conn.execute("SELECT actor, after FROM audit WHERE action = 'pages changed' ORDER BY id").fetchall()
    assert [json.loads(c["after"])["action"] for c in changes] == [f"moved page {len(texts)} to 1", "deleted page 1"]
    assert all(c["actor"] == "thu" for c in changes)


def test_split_then_merge_gives_the_pages_back(db):
    conn, ids = db
    doc = ids["long"]
    texts = _page_texts(_row(conn, doc)[0]["pdf"])
    first, second = rework.split(conn, doc, 2, "thu")
    assert first == doc and _page_texts(_row(conn, first)[0]["pdf"]) == texts[:1]
    second_row, second_rec = _row(conn, second)
    assert second_row["state"] == "review" and _page_texts(second_row["pdf"]) == texts[1:]
    assert second_rec["origins"][0]["index"] == 2  # still knows where to read it again
    merged = rework.merge(conn, [doc, second, ids["short"]], "thu")
    assert merged == [doc]
    row, rec = _row(conn, doc)
    short_text = _page_texts(_row(conn, ids["short"])[0]["pdf"])
    assert _page_texts(row["pdf"]) == texts + short_text
    assert violations(Path(row["pdf"])) == []
    for gone in (second, ids["short"]):
        r, rec2 = _row(conn, gone)
        assert r["state"] == "merged" and rec2["merged_into"] == doc
    with pytest.raises(rework.ReworkError, match="không còn chờ duyệt"):
        rework.delete_page(conn, second, 1, "thu")


def test_turning_a_page_reads_it_again_and_a_corrected_field_survives(db):
    conn, ids = db
    doc = ids["short"]
    _, record = _row(conn, doc)
    good_conf = record["pages"][0]["mean_confidence"]
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        record["fields"]["subject"] = {"value": "Trích yếu do văn thư sửa", "confidence": 1.0, "source": "corrected"}
        documents.replace(conn, doc, _row(conn, doc)[0]["pdf"], record)
    rework.rotate(conn, doc, 1, 180, "thu")  # now upside down: the reading falls apart
    _, upside = _row(conn, doc)
    assert upside["origins"][0]["rotation"] == (record["pages"][0]["rotation"] + 180) % 360
    assert upside["pages"][0]["mean_confidence"] < good_conf - 20
    assert upside["fields"]["subject"]["value"] == "Trích yếu do văn thư sửa"
    rework.rotate(conn, doc, 1, 180, "thu")  # and back
    row, back = _row(conn, doc)
    assert back["pages"][0]["mean_confidence"] > good_conf - 3
    assert back["fields"]["so_ky_hieu"]["value"] == record["fields"]["so_ky_hieu"]["value"]
    assert violations(Path(row["pdf"])) == []


def test_reading_again_needs_the_original_scan(db):
    conn, ids = db
    source = conn.execute(
        "SELECT j.source FROM jobs j JOIN documents d ON d.job_id = j.id WHERE d.id = ?", (ids["short"],)
    ).fetchone()["source"]
    Path(source).unlink()
    with pytest.raises(rework.ReworkError, match="bản quét gốc"):
        rework.reread(conn, ids["short"], "thu")
    assert _row(conn, ids["short"])[0]["state"] == "review"


def test_metadata_refresh_puts_corrections_into_the_pdf(db):
    conn, ids = db
    doc = ids["short"]
    row, record = _row(conn, doc)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        record["fields"]["so_ky_hieu"] = {"value": "77/QĐ-UBND", "confidence": 1.0, "source": "corrected"}
        documents.replace(conn, doc, row["pdf"], record)
    out = rework.refresh_metadata(conn, doc)
    assert _row(conn, doc)[0]["pdf"] == str(out)
    with pikepdf.open(out) as pdf:
        xmp = bytes(pdf.Root.Metadata.read_bytes()).decode()
        assert "77/QĐ-UBND" in xmp and "77/QĐ-UBND" in str(pdf.docinfo.Title)
    assert _page_texts(str(out)) == _page_texts(row["pdf"])
    assert violations(out) == []


def test_previews_render_every_page_and_go_stale_when_the_pages_change(db, tmp_path):
    from PIL import Image

    from archive import preview

    conn, ids = db
    doc = ids["long"]
    pdf = Path(_row(conn, doc)[0]["pdf"])
    cache = tmp_path / "cache"
    preview.render(pdf, cache, doc)
    with (
        Image.open(preview.preview_path(cache, doc, 1)) as page,
        Image.open(preview.preview_path(cache, doc, 2, thumb=True)) as thumb,
    ):
        assert abs(page.width - 827) <= 2 and thumb.width == preview.THUMB_WIDTH  # A4 at 100 dpi
    assert preview.fresh(preview.preview_path(cache, doc, 2), pdf)
    rework.move_page(conn, doc, 2, 1, "thu")
    assert not preview.fresh(preview.preview_path(cache, doc, 2), Path(_row(conn, doc)[0]["pdf"]))
