"""Running `station run` as a real process in tests, and watching its database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from models import documents, jobs
from models.db import connect


class StationProcess:
    def __init__(self, data_dir: Path, prefix: tuple[str, ...] = (), **env: str) -> None:
        """`prefix`: a command the station runs under (faketime, to set its clock)."""
        self.data_dir = data_dir
        self.prefix = prefix
        self.env = {
            **os.environ,
            "STATION_DATA_DIR": str(data_dir),
            "STATION_SETTLE_SECONDS": "0.3",
            "STATION_RETRY_BASE_SECONDS": "0.3",
            "STATION_INCOMPLETE_SECONDS": "2",
            "STATION_HTTP_PORT": str(free_port()),
            "STATION_APPROVAL_GRACE_SECONDS": "0",  # tests of the undo set their own
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> StationProcess:
        exe = str(Path(sys.executable).parent / "station")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.data_dir / f"run-{time.monotonic_ns()}.log", "w")
        self.proc = subprocess.Popen(
            [*self.prefix, exe, "run"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for(lambda: (self.data_dir / "station.db").exists(), 30)
        return self

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(60)
        return self.proc.returncode if self.proc else 0

    @property
    def hot(self) -> Path:
        return self.data_dir / "hot" / "archive"

    def query(self, sql: str, *args) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.data_dir / "station.db", timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if predicate():
                return True
        except (sqlite3.OperationalError, IndexError, KeyError, OSError):
            pass  # the database or the row is not there yet
        time.sleep(interval)
    try:
        return bool(predicate())
    except (sqlite3.OperationalError, IndexError, KeyError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The management system's upload endpoint, on 127.0.0.1, counting what it gets."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[str] = []  # idempotency keys, in arrival order
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/upload"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def document_record(processed: Path, **fields) -> dict:
    record = json.loads((processed / "clean-000.json").read_text())["documents"][0]
    for k, v in fields.items():
        record["fields"][k] = {"value": v, "confidence": 0.97, "page": 1, "box": None, "source": "recognised"}
    return record


def add_document(data_dir: Path, processed: Path, name: str, **fields) -> int:
    """A document waiting for review, as a finished job leaves it."""
    conn = connect(data_dir / "station.db")
    try:
        src = data_dir / f"{name}.src"
        src.write_bytes(name.encode())
        job, _ = jobs.intake(conn, src, "incoming", None)
        folder = data_dir / "archive" / name
        folder.mkdir(parents=True)
        pdf = shutil.copy(processed / "clean-000.pdf", folder / f"{name}.pdf")
        shutil.copy(processed / "clean-000.words.json", folder / f"{name}.words.json")
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            record = document_record(processed, **fields) | {"words": f"{name}.words.json"}
            doc = documents.add(conn, job.id, str(pdf), record, None)
            jobs.mark_done(conn, job, src, {})
        return doc
    finally:
        conn.close()


class Web:
    """A person at the review page of a running station, over real HTTP."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        r = self.client.post("/login", data={"username": user, "password": password})
        assert r.status_code in (200, 303), r.text
        self.csrf = self.client.get("/api/session").json()["csrf_token"]

    def post(self, path: str, **data) -> httpx.Response:
        return self.client.post(path, data=data, headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"})
