"""Cursor pagination: stable pages while rows are added, and no COUNT(*) over a large study."""
from rest_framework.pagination import CursorPagination


class RegistryCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
