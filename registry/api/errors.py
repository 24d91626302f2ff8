"""One error envelope for the whole API (STYLE.md, rule 12): `{"error": {"code", "message", "fields"}}`.

Registry exceptions, DRF exceptions and Django's own (404, validation, integrity) all map here, so a
client parses one shape whatever went wrong, and user input never becomes a 500.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from registry.errors import EditConflict, RegistryError


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = "Send If-Match with the ETag of the version you edited."


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "edit_conflict"
    default_detail = "The record changed since you loaded it."


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"
    default_detail = "The analysis run has not succeeded (yet)."


def envelope(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error, one envelope, always rendered as JSON."""
    response = _registry_response(exc) or _drf_response(_as_drf(exc))
    if response is None:
        return None
    set_rollback()
    request = context.get("request")
    if request is not None:
        # A CSV/XLSX endpoint negotiated a file renderer; its errors are still the JSON envelope.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    return response


def _registry_response(exc) -> Response | None:
    if not isinstance(exc, RegistryError):
        return None
    extra = {}
    headers = {}
    if isinstance(exc, EditConflict):
        extra["current_version"] = exc.current_version
        headers["ETag"] = f'"{exc.current_version}"'
    body = envelope(exc.code, exc.message, _clean_fields(exc.fields), **extra)
    return Response(body, status=exc.status_code, headers=headers)


def _as_drf(exc):
    """Django's exceptions as their DRF equivalents (DRF only converts 404 and PermissionDenied)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, IntegrityError):
        # A constraint the validators missed (e.g. two clients registering one patient at once).
        return exceptions.ValidationError({"non_field_errors": ["The record conflicts with another record."]})
    return exc


def _drf_response(exc) -> Response | None:
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _clean_fields(_as_fields(exc.detail))
        body = envelope("invalid", "The request is not valid; see fields.", fields)
    else:
        body = envelope(_code_of(exc), str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _as_fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value) -> list[str]:
    """Flatten nested serializer errors into readable strings ("0.value: must be positive")."""
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, (list, tuple)):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _clean_fields(fields: dict) -> dict[str, list[str]]:
    """Django's "__all__" becomes DRF's "non_field_errors": one name for errors of the whole record."""
    return {("non_field_errors" if key == "__all__" else key): [str(m) for m in messages]
            for key, messages in fields.items()}
