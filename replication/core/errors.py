"""Errors the package raises for bad input; the CLI prints them as one line and exits non-zero."""

from __future__ import annotations


class ReplicationError(Exception):
    """A problem the user can fix (bad data, bad config, missing file): one clear sentence."""


class DataError(ReplicationError):
    """Bad input data, located by file and, where known, column and row."""

    def __init__(self, file: object, message: str) -> None:
        self.file = str(file)
        self.message = message
        super().__init__(f"{file}: {message}")

    def __reduce__(self) -> tuple:  # pickled whole (e.g. back from a worker process), not from its one-line text
        return (type(self), (self.file, self.message))


class ConfigError(ReplicationError):
    """Invalid or unknown configuration (vintage, classification, option)."""


def os_error_line(exc: OSError) -> str:
    """``<path>: <cause>`` of an operating-system error (no space left, read-only file system, permission)."""
    where = exc.filename if exc.filename is not None else "a file"
    cause = exc.strerror or str(exc)
    return f"{where}: {cause}" + (" (free some disk space and run again)" if exc.errno == 28 else "")
