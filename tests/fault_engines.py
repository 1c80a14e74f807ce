"""OCR engines for fault injection (as OCRmyPDF's tests inject faults through plugins):
chosen by name with STATION_OCR_ENGINE=tests.fault_engines:CrashingEngine, built in
each page worker like the real one."""

from __future__ import annotations

import numpy as np

from ocr.engine import Orientation
from ocr.types import Word


class CrashingEngine:
    """Loads and says who it is, then crashes on every page, as a broken engine build or
    a library bug would."""

    name = "crashing-test-engine"

    def version(self) -> str:
        return "0.1"

    def orientation(self, grey: np.ndarray, dpi: float) -> Orientation:
        return Orientation(0, 0.0)

    def words(self, grey: np.ndarray, dpi: float, lang: str, psm: int = 3) -> list[Word]:
        raise RuntimeError("the test engine crashed on purpose")


class NotAnEngine:
    """Importable, but not an OCR engine: the station must refuse it at start."""
