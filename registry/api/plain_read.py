"""A program's plain read of a patient detail (`GET /api/patients/<pk>/` with a token, asking for JSON),
answered with the document built by PostgreSQL.

Through DRF, a detail cost twice the CPU of the rest of the request, the token's own round trip and
DRF's dispatch included, and with 32 programs reading at once its p95 latency was twice the 50 ms
target (bench/api.py). Here the token, its memberships and the document are read in one round trip,
and the document arrives as the text orjson writes of DRF's values, byte for byte
(tests/api/test_patient_detail.py holds the two responses equal).

Only the 200 is answered here. Everything else (no or a bad token, another site's patient, a role that
may not read, a throttled token, another format or method, SQLite, a lab value PostgreSQL writes
otherwise than `{:g}`) goes to DRF's view, so that each answer is given in one place. The checks are
the viewset's own permission and throttle classes, run as DRF runs them.
"""
from __future__ import annotations

from functools import cache, wraps
from types import SimpleNamespace

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import fields as drf

from registry import selectors
from registry.prepared import PreparedSQL
from registry.tokens import token_and_rows

from .authentication import ApiTokenAuthentication
from .concurrency import version_etag
from .patient_detail import FROM_PATIENT, NO_PATIENT, Shape, javascript_safe, registry_id, shapes

# What a program asking for JSON sends; anything else (a browser's HTML, `; indent=4`) goes to DRF.
PLAIN_ACCEPT = ("*/*", "application/json", "application/json, */*")

# A datetime as DRF writes it: ISO 8601 in UTC (the connection's and the site's time zone),
# microseconds only when there are some, UTC written `Z`.
DRF_DATETIME = ("""coalesce('"' || replace(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), """
                """'.000000', '') || 'Z"', 'null')""")
# A float: PostgreSQL writes the shortest text that reads back as the same number, as Python does (with
# its default `extra_float_digits`, 1), but writes a whole number without Python's `.0`, which would
# make it an int in a client's JSON reader.
PYTHON_FLOAT = ("coalesce(CASE WHEN {0} = trunc({0}) AND abs({0}) < 1e15 THEN {0}::text || '.0' "
                "ELSE {0}::text END, 'null')")
# A lab value as `lab_value_text` writes it (`{:g}`, six significant digits) is PostgreSQL's own text for
# a number of at most six significant digits, neither below 1e-4 nor from 1e6 up (where `{:g}` turns to
# exponents); the document of a patient with any other value is NULL, left to DRF.
PLAIN_LAB_VALUE = ("(({0} = 0 OR abs({0}) >= 0.0001) AND abs({0}) < 1000000 "
                   "AND length(btrim(translate({0}::text, '-.', ''), '0')) <= 6)")


def answering_plain_reads(view):
    """The router's patient-detail view, answering a plain read itself and everything else through DRF."""
    headers = _drf_headers(view)

    @wraps(view)
    def detail(request, *args, **kwargs):
        # A format suffix (`/api/patients/7.api`) chooses a renderer: DRF's.
        response = None if "format" in kwargs else plain_read(request, kwargs.get("pk"), view.cls, headers)
        return view(request, *args, **kwargs) if response is None else response
    return detail


def plain_read(request, pk, viewset, headers: dict) -> HttpResponse | None:
    """The 200 response of a plain read of patient `pk`, with `headers`; None for DRF's view to answer."""
    if (request.method != "GET" or request.META.get("QUERY_STRING")
            or request.META.get("HTTP_ACCEPT", "*/*") not in PLAIN_ACCEPT
            or connections[DEFAULT_DB_ALIAS].vendor != "postgresql" or timezone.get_current_timezone_name() != "UTC"):
        return None
    key, number = _token_key(request), registry_id(pk)
    if key is None or number is None:
        return None
    token, (rows,) = token_and_rows(key, (document_read(), (number,)))
    if token is None or not rows:
        return None
    site_id, version, document = rows[0]
    if document is None or not selectors.patient_site_visible_to(token.user, site_id):
        return None
    checked = SimpleNamespace(user=token.user, auth=token, method=request.method, META=request.META)
    if not all(permission().has_permission(checked, None) for permission in viewset.permission_classes):
        return None
    if not all(throttle().allow_request(checked, None) for throttle in viewset.throttle_classes):
        return None
    response = HttpResponse(javascript_safe(document.encode()), content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    response["ETag"] = version_etag(version)
    return response


def _token_key(request) -> str | None:
    """The key of `Authorization: Token <key>` (or Bearer), as ApiTokenAuthentication reads it."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() not in ApiTokenAuthentication.keywords or not parts[1].isascii():
        return None
    return parts[1]


def _drf_headers(view) -> dict:
    """The headers DRF gives every response of the view (`Allow`, `Vary`), from the viewset set up as
    its view function sets it up."""
    viewset = view.cls(**view.initkwargs)
    actions = {**view.actions}
    if "get" in actions:
        actions.setdefault("head", actions["get"])
    for method, action in actions.items():
        setattr(viewset, method, getattr(viewset, action))
    return viewset.default_response_headers


@cache
def document_read() -> PreparedSQL:
    """The detail of one patient built by PostgreSQL: rows of (site id, version, the document as JSON
    text, or NULL where a lab value needs DRF), none for no such patient."""
    return PreparedSQL(_document_sql, NO_PATIENT)


def _document_sql(db) -> tuple[str, list, tuple]:
    patient, records = shapes()
    column = {name: f"p.c{patient.read.columns.index(name)}" for name in patient.read.columns}
    # The fields every record repeats from the patient, written once (`s`).
    repeated = {name: (f"s.c{position}", json_of(patient.fields[of_patient], column[patient.plain[of_patient]]))
                for position, (name, of_patient) in enumerate(FROM_PATIENT.items())}
    shared = {name: alias for name, (alias, _) in repeated.items()}
    lists, params = [], []
    for name, shape in records.items():
        sql, list_params = _json_list(shape, db, shared)
        lists.append((name, sql))
        params += list_params
    patient_sql, patient_params = _sql(patient, db)
    sql = (f"SELECT {column['site_id']}, {column['version']}, {_json_object(patient, 'p', {}, tuple(lists))} "
           f"FROM ({patient_sql}) AS p({_names(len(patient.read.columns))}) CROSS JOIN LATERAL "
           f"(SELECT {', '.join(value for _, value in repeated.values())}) AS s({_names(len(repeated))})")
    return sql, [*params, *patient_params], ("site_id", "version", "document")


def _json_list(shape: Shape, db, shared: dict[str, str]) -> tuple[str, list]:
    """SQL of the patient's rows of one kind as a JSON array, in the shape's order, and its parameters;
    NULL when a lab value is not PLAIN_LAB_VALUE."""
    sql, params = _sql(shape, db)
    order = ", ".join(f"r.c{shape.read.columns.index(name)}" for name in shape.ordering)
    rows = f"'[' || coalesce(string_agg({_json_object(shape, 'r', shared)}, ',' ORDER BY {order}), '') || ']'"
    if "value" in shape.computed:
        value = f"r.c{shape.read.columns.index('value')}"
        rows = f"CASE WHEN bool_and({PLAIN_LAB_VALUE.format(value)}) IS NOT FALSE THEN {rows} END"
    return f"(SELECT {rows} FROM ({sql}) AS r({_names(len(shape.read.columns))}))", list(params)


def _json_object(shape: Shape, alias: str, shared: dict[str, str], more: tuple[tuple[str, str], ...] = ()) -> str:
    """SQL of a row's document as the JSON text orjson writes: of the columns {alias}.c0, c1, … of the
    shape's read, of the JSON texts `shared` gives for the shared fields, and of `more` fields."""
    def column(name):
        return f"{alias}.c{shape.read.columns.index(name)}"

    members = []
    for name, field in shape.fields.items():
        if name in shape.shared:
            value = shared[name]
        elif name == "value" and name in shape.computed:  # LabValueField
            value = json_text(f"CASE WHEN {column('below_detection')} THEN '<' ELSE '' END || {column('value')}::text")
        elif name == "days_since_last_ivig" and name in shape.computed:
            value = f"coalesce(({column('collected_on')} - {column('last_ivig_on')})::text, 'null')"
        else:
            value = json_of(field, column(shape.plain[name]))
        members.append((name, value))
    parts = [f"""'{"," if position else "{"}"{name}":' || {value}"""
             for position, (name, value) in enumerate((*members, *more))]
    return " || ".join([*parts, "'}'"])


def json_of(field, column: str) -> str:
    """SQL of the JSON text of a column shown by a serializer field, as orjson writes DRF's value of it.
    Numbers, booleans and datetimes are written directly: to_json looks up its type's output function
    on every call."""
    if isinstance(field, drf.BooleanField):
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' ELSE 'null' END"
    if isinstance(field, drf.IntegerField):
        return f"coalesce({column}::text, 'null')"
    if isinstance(field, drf.FloatField):
        return PYTHON_FLOAT.format(column)
    if isinstance(field, drf.DateTimeField):
        return DRF_DATETIME.format(column)
    return json_text(column)


def json_text(expression: str) -> str:
    """SQL of the JSON text of a value (`null` for NULL)."""
    return f"coalesce(to_json({expression})::text, 'null')"


def _sql(shape: Shape, db) -> tuple[str, list]:
    # Unordered: the aggregate orders the rows it writes, and a second sort cost a tenth of the read.
    return shape.read.build(NO_PATIENT).order_by().query.get_compiler(connection=db).as_sql()


def _names(count: int) -> str:
    return ", ".join(f"c{position}" for position in range(count))
