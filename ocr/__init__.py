"""Pixels to words: loading scanner files, page cleanup and geometry, Tesseract.

Pure: knows nothing of jobs, storage, configuration files or the web."""

from .engine import DEFAULT_ENGINE, OcrEngine, Orientation, engine
from .errors import InputError, OCREngineError
from .load import SourcePage, count_pages, load_page
from .recognize import recognise
from .types import RecognisedPage, Word, lines_of, page_text

__all__ = [
    "DEFAULT_ENGINE",
    "InputError",
    "OCREngineError",
    "OcrEngine",
    "Orientation",
    "engine",
    "RecognisedPage",
    "SourcePage",
    "Word",
    "count_pages",
    "lines_of",
    "load_page",
    "page_text",
    "recognise",
]
