"""Errors of reading pixels: the input's fault, or the engine's."""

from errors import EngineError, ExitCode, StationError


class InputError(StationError):
    """The file cannot be used as a scan. The message is one plain sentence that can be
    shown to a clerk as it is (no traceback, no library jargon). Trying again does not help."""

    exit_code = ExitCode.SOME_FAILED


class OCREngineError(EngineError):
    """The recognition engine itself failed (not installed, language missing, crashed)."""
