"""Runs the station with its clock moved: `python -m tests.clock_shift EPOCH STATION_EXE
ARGS...` starts `station ARGS...` whose time.time() began at EPOCH and runs on from
there (libfaketime does the same from outside, but breaks Python's subprocess waits).
For the tests of the office's day: 00:30 in Vietnam is still yesterday in UTC."""

import sys
import time

_shift = float(sys.argv[1]) - time.time()
_real = time.time
time.time = lambda: _real() + _shift  # type: ignore[assignment]

from cli.main import main  # noqa: E402  (after the clock is moved)

sys.argv = ["station", *sys.argv[3:]]
sys.exit(main())
