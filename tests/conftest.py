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


def run_station(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """The real command, as a user runs it."""
    exe = shutil.which("station", path=os.path.dirname(sys.executable)) or "station"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout)
