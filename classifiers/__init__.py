"""Understanding a document: registration fields with confidences, document type.

Pure: takes recognised pages (ocr types) and reference data files; knows nothing of
jobs, storage or configuration."""

from .extract import Extraction, extract
from .fields import Field

__all__ = ["Extraction", "Field", "extract"]
