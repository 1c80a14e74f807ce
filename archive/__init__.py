"""Archival output: the searchable PDF/A of a scan (signing and verification join here)."""

from .pageimage import write_page_image
from .pdfa import ArchivePage, archived_page, build_pdfa

__all__ = ["ArchivePage", "archived_page", "build_pdfa", "write_page_image"]
