"""The seams of the house: the OCR engine chosen by name (and a crashing one retried,
then set aside with its traceback), connectors from [[connectors]] tables that check
their own keys, one document state machine, exit codes, and the status for people."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pikepdf
import pytest

from delivery import ConnectorContext, EdxmlHttp, ExportFolder, HttpMultipart, Paperless, build
from errors import ConfigError, ExitCode
from models import documents, jobs, register
from models.db import connect
from models.states import ALLOWED, DocumentState, InvalidTransition, NotInReview, transition
from ocr.engine import check, engine
from ocr.errors import OCREngineError
from station import config
from tests.conftest import run_station
from tests.service_helpers import StationProcess, wait_for

ROOT = Path(__file__).resolve().parent.parent


# -- the OCR engine seam ------------------------------------------------------------


def test_engines_are_chosen_by_name_and_say_who_they_are():
    assert check("tesseract").startswith("tesseract ")
    assert engine("tests.fault_engines:CrashingEngine").name == "crashing-test-engine"
    with pytest.raises(OCREngineError, match="not an OCR engine"):
        engine("tests.fault_engines:NotAnEngine")
    with pytest.raises(OCREngineError, match="cannot be loaded"):
        engine("tests.fault_engines:Missing")
    with pytest.raises(OCREngineError, match="unknown OCR engine"):
        engine("abbyy")


def test_the_engine_and_its_version_are_in_the_xmp(processed):
    pdf = next(processed.glob("clean-*.pdf"))
    with pikepdf.open(pdf) as doc:
        xmp = bytes(doc.Root.Metadata.read_bytes()).decode()
    assert check("tesseract") in xmp


@pytest.mark.slow
def test_a_crashing_engine_is_retried_then_set_aside_with_its_traceback(corpus, tmp_path):
    """A real `station run` whose page workers load an engine that crashes on every
    page: the job is tried MAX_ATTEMPTS times, then its original goes to failed/ with a
    note in plain words, the traceback is kept with the job and in the log, and the
    station goes on serving."""
    env = {
        "STATION_OCR_ENGINE": "tests.fault_engines:CrashingEngine",
        "STATION_JOBS": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    station = StationProcess(tmp_path / "data", **env).start()
    try:
        station.hot.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus / "clean-000.jpg", station.hot / "scan.jpg")
        assert wait_for(lambda: station.query("SELECT 1 FROM jobs WHERE state = 'failed'"), 120)
        job = station.query("SELECT * FROM jobs")[0]
        actions = [r["action"] for r in station.query("SELECT action FROM audit WHERE entity = 'job' ORDER BY id")]
        assert job["attempts"] == jobs.MAX_ATTEMPTS
        assert actions.count("will retry") == jobs.MAX_ATTEMPTS - 1 and actions[-1] == "failed"
        assert "crashed on purpose" in job["error"] and "Traceback" not in job["error"]
        assert "Traceback" in job["traceback"] and "fault_engines.py" in job["traceback"]
        failed = station.data_dir / "failed" / "scan.jpg"
        assert failed.exists() and "crashed on purpose" in (failed.parent / "scan.jpg.error.txt").read_text()
        assert wait_for(lambda: "fault_engines.py" in _log(station), 10)
        assert "[job 1]" in _log(station)  # each line about the job says which
        assert station.proc.poll() is None
    finally:
        assert station.stop() == 0


def _log(station: StationProcess) -> str:
    return "".join(p.read_text(errors="replace") for p in station.data_dir.glob("run-*.log"))


def test_an_engine_that_cannot_be_loaded_stops_the_start_with_a_clear_message(tmp_path):
    out = run_station(
        "run", env={"STATION_DATA_DIR": str(tmp_path), "STATION_OCR_ENGINE": "nowhere:Engine", "STATION_HTTP_PORT": "0"}
    )
    assert out.returncode == ExitCode.ENGINE and "nowhere:Engine" in out.stderr and "Traceback" not in out.stderr


# -- the connector registry ----------------------------------------------------------


def test_connectors_come_from_their_tables_and_the_export_folder_is_always_there(tmp_path):
    ctx = ConnectorContext(tmp_path, {"OrganId": "000.00.00.H01", "OrganName": "Sở X"})
    built = build(
        [
            {"type": "edxml", "url": "http://127.0.0.1:9/edxml", "token": "t", "timeout": 5},
            {"type": "http", "name": "archive-api", "url": "https://127.0.0.1:9/up", "headers": {"X-Office": "01"}},
            {"type": "paperless", "url": "http://127.0.0.1:9", "token": "p"},
        ],
        ctx,
    )
    assert list(built) == ["export", "edxml", "archive-api", "paperless"]
    assert isinstance(built["export"], ExportFolder) and built["export"].folder == tmp_path / "export"
    edxml = built["edxml"]
    assert isinstance(edxml, EdxmlHttp) and edxml.token == "t" and edxml.timeout == 5.0
    assert edxml.organisation["OrganId"] == "000.00.00.H01"
    assert isinstance(built["archive-api"], HttpMultipart) and built["archive-api"].headers == {"X-Office": "01"}
    assert isinstance(built["paperless"], Paperless)


@pytest.mark.parametrize(
    "table,message",
    [
        ({"type": "ftp"}, "connectors[1].type: 'ftp' is not one of"),
        ({"type": "edxml"}, "connectors[1].url: needed"),
        ({"type": "edxml", "url": "ftp://x"}, "connectors[1].url: 'ftp://x' is not an http(s) address"),
        ({"type": "http", "url": "http://x", "retries": 3}, "connectors[1]: unknown setting 'retries'"),
        ({"type": "paperless", "url": "http://x"}, "connectors[1].token: needed"),
        ({"type": "http", "url": "http://x", "timeout": -1}, "connectors[1].timeout"),
    ],
)
def test_each_connector_checks_its_own_keys(tmp_path, table, message):
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")
    ):
        build([table], ConnectorContext(tmp_path, {}))


def test_connectors_tables_in_the_toml_and_the_old_variables(tmp_path):
    (tmp_path / "station.toml").write_text(
        '[[connectors]]\ntype = "edxml"\nurl = "http://127.0.0.1:9/edxml"\n\n'
        '[[connectors]]\ntype = "export"\nname = "usb"\nfolder = "/media/usb"\n',
        encoding="utf-8",
    )
    env = {
        "STATION_DATA_DIR": str(tmp_path),
        "STATION_DELIVERY_HTTP_URL": "http://127.0.0.1:9/up",
        "STATION_EDXML_URL": "http://127.0.0.1:9/other",
    }
    settings = config.service(env)
    built = build(settings.connectors, ConnectorContext(tmp_path, {}))
    # The file's edxml wins over the variable of the same connector; the old variable adds http.
    assert list(built) == ["edxml", "usb", "http"]
    assert built["edxml"].url.endswith("/edxml")  # type: ignore[attr-defined]
    assert built["usb"].folder == Path("/media/usb")  # type: ignore[attr-defined]


def test_a_bad_connector_table_stops_station_run_naming_the_key(tmp_path):
    (tmp_path / "station.toml").write_text(
        '[[connectors]]\ntype = "edxml"\nurl = "http://127.0.0.1:9"\ntokn = "typo"\n', encoding="utf-8"
    )
    out = run_station("run", env={"STATION_DATA_DIR": str(tmp_path), "STATION_HTTP_PORT": "0"})
    assert out.returncode == ExitCode.USAGE and "connectors[1]: unknown setting 'tokn'" in out.stderr


# -- one state machine ----------------------------------------------------------------


def _document(conn: sqlite3.Connection, tmp_path: Path) -> int:
    f = tmp_path / "scan.jpg"
    f.write_bytes(os.urandom(64))
    job, _ = jobs.intake(conn, f, "incoming", None)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        return documents.add(conn, job.id, str(tmp_path / "d.pdf"), {"fields": {}}, None)


def test_every_state_change_follows_the_table_and_is_audited(tmp_path):
    conn = connect(tmp_path / "s.db")
    doc = _document(conn, tmp_path)
    register.approve(conn, doc, "lan", register=False, override="an empty record, approved on purpose")
    with pytest.raises(NotInReview):
        documents.reject(conn, doc, "too late", "lan")
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(InvalidTransition, match="cannot become delivered"):
            transition(conn, doc, DocumentState.DELIVERED)
        transition(conn, doc, DocumentState.SIGNED)
        transition(conn, doc, DocumentState.DELIVERED)
    history = [
        (r["action"], json.loads(r["before"])["state"])
        for r in conn.execute(
            "SELECT action, before FROM audit WHERE entity = 'document' AND before IS NOT NULL ORDER BY id"
        )
    ]
    assert history == [("approved", "review"), ("signed", "approved"), ("delivered", "signed")]
    assert all(not ALLOWED[s] for s in (DocumentState.DELIVERED, DocumentState.SECRET, DocumentState.REJECTED))


# -- the status for people -------------------------------------------------------------


def test_status_is_a_table_for_people_and_json_on_request(tmp_path):
    env = {"STATION_DATA_DIR": str(tmp_path)}
    conn = connect(tmp_path / "station.db")
    f = tmp_path / "bad.jpg"
    f.write_bytes(b"not a scan")
    job, _ = jobs.intake(conn, f, "incoming", None)
    jobs.fail(conn, job, "the file is not an image", retry=False)
    table = run_station("status", env=env)
    assert table.returncode == 0 and "jobs" in table.stdout and "failed 1" in table.stdout
    assert "bad.jpg" in table.stdout and "the file is not an image" in table.stdout
    report = json.loads(run_station("status", "--json", env=env).stdout)
    assert report["jobs"] == {"failed": 1} and report["recent_failures"][0]["name"] == "bad.jpg"
