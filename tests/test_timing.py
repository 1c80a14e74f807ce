"""The per-stage profile: nested stages are charged their own time only, and the
programs a stage runs count toward it."""

import subprocess
import time

from ocr import timing


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_nested_stages_are_charged_their_own_time():
    timing.take()
    with timing.stage("outer"):
        _spin(0.05)
        with timing.stage("inner"):
            _spin(0.1)
            subprocess.run(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"], check=True)
    got = timing.take()
    assert got["inner"] > 0.1  # its own spin and the shell's loop
    assert 0.04 < got["outer"] < got["inner"]
    assert timing.take() == {}  # counted once
