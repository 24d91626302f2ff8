"""The OpenAPI schema: complete, valid, for signed-in users only, and true to the running API
(schemathesis finds no 5xx and no response that breaks the schema)."""
import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

# Bounded so the run stays under a minute: every operation with valid input, and the writes also with
# invalid input (which must be a 4xx in the envelope, never a 5xx).
MAX_EXAMPLES = 5
NEGATIVE_EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_schema_documents_every_operation_and_field(client_for, bob):
    schema = client_for(bob).get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        assert path.startswith("/api/"), path
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), (method, path)
            assert "400" in operation["responses"] and "404" in operation["responses"], (method, path)
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (method, path, parameter["name"])
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            assert spec.get("description") or "$ref" in spec, f"{name}.{field} has no description"


def test_docs_pages_need_a_session_or_token_and_allow_only_their_cdn(client, client_for, bob):
    assert client.get("/api/docs/").status_code == 401
    assert client.get("/api/redoc/").status_code == 401
    authenticated = client_for(bob)
    for url in ("/api/docs/", "/api/redoc/"):
        response = authenticated.get(url)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert "cdn.jsdelivr.net" not in authenticated.get("/api/patients/")["Content-Security-Policy"]


@pytest.fixture
def fuzzed_registry(erin, alice, records_a, run_a, client_for):
    """A site admin's token (she may call every endpoint) over a small registry."""
    from registry.tokens import token_issue

    return token_issue(issued_by=None, user=erin, name="schemathesis")[1]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, minus closing the test's database connection after each request
    (what Django's own test client does too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from registry.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(application, key):
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application,
                                            headers={"Authorization": f"Token {key}"})
    for result in loaded.get_all_operations():
        operation = result.ok()
        # Revoking its own token would leave the rest of the run unauthenticated.
        if not (operation.method.upper() == "DELETE" and operation.path == "/api/tokens/{id}/"):
            yield operation


def _fuzz(operation, key, calls: list, mode, examples: int) -> list[str]:
    """Up to `examples` generated requests of one operation; the failures found, as text."""
    failures = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        calls.append(case)
        try:
            case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)
        except Exception as failure:  # noqa: BLE001 — collect every operation's failures, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(failure)[:800]}")

    try:
        run()
    except Unsatisfiable:
        pass  # negative mode: an operation without inputs has no invalid request to make
    return failures


def test_api_answers_generated_requests_without_5xx_or_schema_violations(fuzzed_registry, wsgi_app):
    failures, calls = [], []
    operations = list(_operations(wsgi_app, fuzzed_registry))
    for operation in operations:
        failures += _fuzz(operation, fuzzed_registry, calls, GenerationMode.POSITIVE, MAX_EXAMPLES)
        if operation.method.upper() in ("POST", "PUT", "PATCH"):
            failures += _fuzz(operation, fuzzed_registry, calls, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    assert len(operations) > 60 and len(calls) > 3 * len(operations)
    assert not failures, "\n\n".join(failures)
