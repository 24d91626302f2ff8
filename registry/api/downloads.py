"""File responses: pass-through renderers (so `Accept: text/csv` negotiates) and chunked CSV streaming."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import BaseRenderer

CSV = "text/csv"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_PER_CHUNK = 2_000


class FileRenderer(BaseRenderer):
    """Never renders: the view returns the file itself. It only lets content negotiation accept the type."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def file_renderers(media_type: str, format_name: str) -> tuple:
    """The renderers of a download view: the file type only (errors are JSON: registry.api.errors)."""
    renderer = type(f"{format_name.upper()}Renderer", (FileRenderer,),
                    {"media_type": media_type, "format": format_name})
    return (renderer,)


def file_response(media_type: str, description: str) -> dict:
    """The OpenAPI description of a successful download."""
    return {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text in chunks of a few thousand rows: constant memory, few writes to the socket."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue()


def streaming_csv(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(rows), content_type=f"{CSV}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")
