"""Cursor pagination as the contract says: ``next``/``previous``/``results``, ``?limit`` ≤ 500."""

from django.utils.translation import gettext as _
from rest_framework import pagination

from npm_tracker.core.api.filters import invalid_filter


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = ("-created_at", "-id")

    def get_page_size(self, request):
        """``limit`` must be a whole number of at least 1 (``limit=abc`` is refused, not read as
        the default); above the maximum it is capped, as the contract says."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            message = _("Give a whole number from 1 to %(maximum)d.")
            raise invalid_filter({"limit": [message % {"maximum": self.max_page_size}]})
        return min(size, self.max_page_size)
