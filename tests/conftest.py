import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """One synthetic document per degradation profile, with ground truth."""
    out = tmp_path_factory.mktemp("corpus")
    generate(out, count=1, seed=7)
    return out


@pytest.fixture(scope="session")
def processed(corpus, tmp_path_factory) -> Path:
    """The corpus run once through `station process` (shared by the end-to-end tests)."""
    out = tmp_path_factory.mktemp("processed")
    proc = run_station("process", str(corpus), "--out", str(out), "--no-sign")
    assert proc.returncode == 0, proc.stderr
    return out


_DATA_DIR = None


def run_station(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real command, as a user runs it (with its data folder - the development
    signing certificate - in a temporary place, never the user's home)."""
    global _DATA_DIR
    if _DATA_DIR is None:
        import tempfile

        _DATA_DIR = tempfile.mkdtemp(prefix="station-data-")
    exe = shutil.which("station", path=os.path.dirname(sys.executable)) or "station"
    full_env = {**os.environ, "STATION_DATA_DIR": _DATA_DIR, **(env or {})}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, env=full_env)
