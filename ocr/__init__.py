"""Pixels to words: loading scanner files, page cleanup and geometry, Tesseract.

Pure: knows nothing of jobs, storage, configuration files or the web."""
from .errors import InputError
from .load import SourcePage, count_pages, load_page
from .recognize import recognise
from .tesseract import OCREngineError
from .types import RecognisedPage, Word, lines_of, page_text

__all__ = ["InputError", "OCREngineError", "RecognisedPage", "SourcePage", "Word", "count_pages",
           "lines_of", "load_page", "page_text", "recognise"]
