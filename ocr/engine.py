"""The OCR engine seam: what the page work needs from a recogniser, and how an engine
is chosen by name.

Modelled on OCRmyPDF's `OcrEngine` plugin class: an engine says who it is (name and
version, recorded in every PDF/A's XMP), finds a page's orientation and reads words
with boxes. Engines are chosen by a plain string so that a page task stays plain data
that any worker process can run: a built-in name (`tesseract`), or `module:Class` for
an engine of one's own (a test engine that crashes on purpose, a future text-layer
reader). The worker imports and builds the engine itself; nothing is pickled."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from .errors import OCREngineError
from .types import Word

DEFAULT_ENGINE = "tesseract"


@dataclass(frozen=True)
class Orientation:
    rotation: int  # clockwise degrees that make the page upright
    confidence: float  # engine's orientation confidence (0 = unknown)


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def version(self) -> str:
        """The engine's version, for the record and the XMP."""
        ...

    def orientation(self, grey: np.ndarray, dpi: float) -> Orientation:
        """Which way up the page is; rotation 0 and confidence 0 when it cannot tell."""
        ...

    def words(self, grey: np.ndarray, dpi: float, lang: str, psm: int = 3) -> list[Word]:
        """Words of a prepared greyscale image, boxes in its pixel frame. `psm` is the
        layout mode in Tesseract's numbering (3 page, 6 block, 7 line, 11 sparse)."""
        ...


def read_cut_out(
    eng: OcrEngine, cut: np.ndarray, origin: tuple[int, int], dpi: float, lang: str, psm: int, border: int = 20
) -> list[Word]:
    """Words of a piece cut out of a larger image, read on its own with white around it
    (Tesseract reads a cut-out best so), their boxes in the larger image's frame:
    `origin` is where the cut's top left corner stood there. Line ids stay the cut's."""
    framed = cv2.copyMakeBorder(cut, border, border, border, border, cv2.BORDER_CONSTANT, value=255)
    dx, dy = origin[0] - border, origin[1] - border
    return [
        replace(w, box=(w.box[0] + dx, w.box[1] + dy, w.box[2] + dx, w.box[3] + dy))
        for w in eng.words(framed, dpi, lang, psm)
    ]


def _builtin() -> dict[str, str]:
    return {"tesseract": "ocr.tesseract:TesseractEngine"}


@lru_cache(maxsize=8)
def engine(spec: str = DEFAULT_ENGINE) -> OcrEngine:
    """The engine named by `spec`, built once per process."""
    target = _builtin().get(spec, spec)
    module_name, _, attr = target.partition(":")
    if not attr:
        raise OCREngineError(f"unknown OCR engine '{spec}': use one of {', '.join(_builtin())} or module:Class")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise OCREngineError(f"the OCR engine '{spec}' cannot be loaded ({e})") from e
    built = factory()
    if not isinstance(built, OcrEngine):
        raise OCREngineError(f"'{spec}' is not an OCR engine (it needs name, version, orientation and words)")
    return built


def check(spec: str) -> str:
    """Load the engine named by `spec` now (at start, not at the first page) and say
    which it is: 'tesseract 5.3.4'."""
    e = engine(spec)
    return f"{e.name} {e.version()}"
