"""The OpenAPI 3 schema and its two reading pages (Swagger UI, ReDoc), for signed-in users only.

The pages load their scripts from a pinned CDN release (SPECTACULAR_SETTINGS); the site-wide Content
Security Policy forbids that, so these two pages, and only they, carry a policy that allows it.
"""
from __future__ import annotations

from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CDN],
    # Swagger UI and ReDoc style their widgets inline.
    "style-src": [CSP.SELF, CDN, "https://fonts.googleapis.com", CSP.UNSAFE_INLINE],
    "font-src": [CSP.SELF, "https://fonts.gstatic.com"],
    "img-src": [CSP.SELF, "data:", CDN],
    "worker-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

schema_view = SpectacularAPIView.as_view()
swagger_view = csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))
redoc_view = csp_override(DOCS_CSP)(SpectacularRedocView.as_view(url_name="api-schema"))

ERROR_ENVELOPE = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "properties": {
        "error": {
            "type": "object",
            "description": "What went wrong.",
            "properties": {
                "code": {"type": "string", "description": "Machine-readable reason, e.g. `invalid`, "
                                                          "`not_found`, `permission_denied`, `edit_conflict`."},
                "message": {"type": "string", "description": "What went wrong, for a person."},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                           "description": "Field → messages (`non_field_errors` for the whole record)."},
                "current_version": {"type": "integer", "description": "On 412: the record's version now."},
            },
            "required": ["code", "message", "fields"],
        },
    },
    "required": ["error"],
}
COMMON_ERRORS = {
    "400": "The request is not valid (see `fields`).",
    "401": "Not signed in, or the token is unknown or revoked.",
    "403": "Your role may not do this.",
    "404": "No such resource among those you may see (another site's record is a 404).",
    "406": "The requested media type cannot be served.",
    "415": "The request body's media type is not supported.",
    "429": "Too many requests for this token (or too many failed logins); retry later.",
}
WRITE_ERRORS = {
    "412": "The record changed since the version named in If-Match: nothing was overwritten.",
    "428": "If-Match is required to edit or remove a record.",
}
RESULT_ERRORS = {"409": "The analysis run has not succeeded (yet)."}


def add_error_responses(result, generator, request, public):
    """Document the one error envelope on every operation (POSTPROCESSING_HOOKS)."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            errors = dict(COMMON_ERRORS)
            if method in ("put", "patch", "delete"):
                errors.update(WRITE_ERRORS)
            if "/result" in path:
                errors.update(RESULT_ERRORS)
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
