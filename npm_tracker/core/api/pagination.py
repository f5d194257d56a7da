"""Cursor pagination as the contract says: ``next``/``previous``/``results``, ``?limit`` ≤ 500."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = ("-created_at", "-id")
