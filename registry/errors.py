"""The registry's exceptions. The API maps each to one error envelope; none becomes a 500."""
from __future__ import annotations


class RegistryError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class RecordInvalid(RegistryError):
    """The record breaks a rule; `fields` says which field and why."""


class EditConflict(RegistryError):
    """Someone saved the record since the editor loaded it: nothing is overwritten."""

    status_code = 412
    code = "edit_conflict"

    def __init__(self, message: str, *, current_version: int, current_values: dict):
        super().__init__(message)
        self.current_version = current_version
        self.current_values = current_values


class AccessDenied(RegistryError, PermissionError):
    """The user may see the record but not do this with it (403; another site's data is a 404)."""

    status_code = 403
    code = "permission_denied"
