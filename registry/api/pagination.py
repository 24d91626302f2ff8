"""Cursor pagination: stable pages while rows are added, and no COUNT(*) over a large study."""
from rest_framework.pagination import CursorPagination


class RegistryCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "description": "URL of the next page (null on the last page)."},
                "previous": {"type": "string", "nullable": True, "format": "uri",
                             "description": "URL of the previous page (null on the first page)."},
                "results": {**schema, "description": "The rows of this page."},
            },
        }
