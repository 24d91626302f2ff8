"""ETag / If-Match for versioned records (STYLE.md, rule 7), and the reason that travels with a change.

The ETag of a record is its `version`. A PUT, PATCH or DELETE must say which version it edits in
`If-Match` (428 without it); the service then refuses a stale one with a 412, so nothing is silently
overwritten.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .errors import PreconditionFailed, PreconditionRequired

REASON_HEADER = "X-Change-Reason"

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag of the version being edited, e.g. `"3"` (428 without it, 412 when stale).',
)
CHANGE_REASON = OpenApiParameter(
    REASON_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Why the record changes; kept in the audit history.",
)
DELETE_REASON = OpenApiParameter(
    "reason", OpenApiTypes.STR, OpenApiParameter.QUERY,
    description=f"Why the record is removed (required here or in the `{REASON_HEADER}` header); "
    "kept in the audit history.",
)


def etag_of(instance) -> str:
    return version_etag(instance.version)


def version_etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request, instance) -> int:
    """The version named by If-Match (`*` means the current one)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    versions = []
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag == "*":
            return instance.version
        if tag.isdigit() and len(tag) < 10:
            versions.append(int(tag))
    if not versions:
        raise PreconditionFailed("If-Match names no version of this record.")
    return instance.version if instance.version in versions else versions[0]


def change_reason(request, *, default: str = "") -> str:
    reason = request.headers.get(REASON_HEADER) or request.query_params.get("reason") or default
    return reason.strip()[:100]
