"""The station's own errors: one small hierarchy every package raises from.

Each error carries a message in plain words for the person at the scanner or the
terminal, the `station` command's exit code when it ends a command, and whether
trying the same thing again later can help (a busy receiver, a crashed engine) or
not (a corrupt scan, a wrong setting). The CLI maps them to exit codes in one place;
the web layer maps them to HTTP answers in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `station` returns. 0 and 1 keep their usual meaning for scripts: all done,
    or some inputs (files, signatures) failed while the command itself worked."""

    OK = 0
    SOME_FAILED = 1  # some inputs failed; each is reported
    USAGE = 2  # a bad command line or setting
    NOT_FOUND = 3  # no such job, document or file
    REFUSED = 4  # the action is not allowed in the document's present state
    ALREADY_RUNNING = 5  # another station holds the data folder
    SIGNING_KEY = 6  # the signing key or token cannot be used
    ENGINE = 7  # a program the station needs is missing or failed (Tesseract, poppler)
    INTERNAL = 10  # a bug: the traceback is in the log
    INTERRUPTED = 130  # Ctrl-C


class StationError(Exception):
    """Base of the station's errors. `retryable`: whether the same work may succeed later."""

    exit_code: ExitCode = ExitCode.INTERNAL
    retryable: bool = False


class ConfigError(StationError):
    """A setting is wrong; the message names it."""

    exit_code = ExitCode.USAGE


class NotFound(StationError):
    exit_code = ExitCode.NOT_FOUND


class Refused(StationError):
    """The action does not fit the present state (the document was approved meanwhile)
    or breaks a rule (a secret mark lowered without a reason)."""

    exit_code = ExitCode.REFUSED


class Forbidden(Refused):
    """The person's role does not allow it."""


class Invalid(StationError):
    """A value given by a person is not acceptable (a short password, an unknown role)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the form field at fault, for the page to focus

    exit_code = ExitCode.USAGE


class EngineError(StationError):
    """A program the station runs failed or is missing; another try may work."""

    exit_code = ExitCode.ENGINE
    retryable = True


__all__ = ["ConfigError", "EngineError", "ExitCode", "Forbidden", "Invalid", "NotFound", "Refused", "StationError"]
