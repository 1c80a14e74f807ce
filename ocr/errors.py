"""Errors about the input itself, worded for the person who scanned it."""


class InputError(Exception):
    """The file cannot be used as a scan. The message is one plain sentence that can be
    shown to a clerk as it is (no traceback, no library jargon)."""
