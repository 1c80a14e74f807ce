"""Archive batches: one scan file, several documents."""

import json

import pytest

from tests.conftest import run_station
from tests.synthetic.batch import generate_batch


@pytest.mark.slow
def test_batch_with_separator_sheets_and_duplex_backs(tmp_path):
    scan = generate_batch(tmp_path / "box", documents=3, seed=4)
    truth = json.loads(scan.with_suffix(".truth.json").read_text())["documents"]
    out = tmp_path / "out"
    proc = run_station("process", str(scan), "--out", str(out), "--separate", "--no-sign")
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "box.json").read_text())
    docs = record["documents"]
    assert [len(d["pages"]) for d in docs] == [t["pages"] for t in truth]
    assert [d["pdf"] for d in docs] == ["box-001.pdf", "box-002.pdf", "box-003.pdf"]
    for d, t in zip(docs, truth):
        assert d["fields"]["so_ky_hieu"]["value"] == t["fields"]["so_ky_hieu"]
        assert (out / d["pdf"]).exists()
    # separator sheets and blank backs are dropped, and said so
    total = sum(t["pages"] for t in truth) * 2 + 2 * 2
    assert len(record["dropped_pages"]) == total - sum(t["pages"] for t in truth)


@pytest.mark.slow
def test_batch_without_separators_splits_at_document_headers(tmp_path):
    scan = generate_batch(tmp_path / "box", documents=3, seed=9, separators=False, duplex=False)
    truth = json.loads(scan.with_suffix(".truth.json").read_text())["documents"]
    out = tmp_path / "out"
    assert run_station("process", str(scan), "--out", str(out), "--separate", "--no-sign").returncode == 0
    docs = json.loads((out / "box.json").read_text())["documents"]
    assert [len(d["pages"]) for d in docs] == [t["pages"] for t in truth]


def test_separation_is_off_for_single_documents(corpus, tmp_path):
    scan = corpus / "rotated90-000.pdf"
    out = tmp_path / "out"
    assert run_station("process", str(scan), "--out", str(out), "--no-sign").returncode == 0
    record = json.loads((out / "rotated90-000.json").read_text())
    assert len(record["documents"]) == 1 and "dropped_pages" not in record
