"""The one exception root and its few meaningful subclasses.

Library code raises these; only the edges (CLI, web, API) translate them into exit codes
or HTTP statuses, so a user sees a clear message and never a traceback.
"""

from __future__ import annotations


class NervecentreError(Exception):
    """Root of every error nervecentre raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigError(NervecentreError):
    """A setting is missing or has a bad value."""

    exit_code = 78
    http_status = 500


class InvalidValue(NervecentreError, ValueError):
    """A value (phone, section, date, …) could not be parsed or failed validation."""

    exit_code = 65
    http_status = 422

    def __init__(self, message: str, *, kind: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value


class InputFileError(NervecentreError):
    """An input file (register, hash list, image) is unreadable or malformed."""

    exit_code = 66
    http_status = 422


class NotFound(NervecentreError, LookupError):
    """A requested record does not exist (or is not visible to the caller)."""

    exit_code = 69
    http_status = 404


class Conflict(NervecentreError):
    """The request clashes with existing data (duplicate, wrong lifecycle step)."""

    exit_code = 73
    http_status = 409


class PermissionDenied(NervecentreError):
    """The caller may not do this."""

    exit_code = 77
    http_status = 403


class StorageError(NervecentreError):
    """The database or the file store failed or is unreachable."""

    exit_code = 74
    http_status = 503
