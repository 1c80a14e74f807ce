"""Running `station run` as a real process in tests, and watching its database."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class StationProcess:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "STATION_DATA_DIR": str(data_dir),
            "STATION_SETTLE_SECONDS": "0.3",
            "STATION_RETRY_BASE_SECONDS": "0.3",
            "STATION_INCOMPLETE_SECONDS": "2",
            "STATION_HTTP_PORT": str(free_port()),
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> StationProcess:
        exe = str(Path(sys.executable).parent / "station")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.data_dir / f"run-{time.monotonic_ns()}.log", "w")
        self.proc = subprocess.Popen([exe, "run"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
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
