"""Cursor pagination as the contract says: ``next``/``previous``/``results``, ``?limit`` ≤ 500,
and the same two links as an RFC 8288 ``Link`` header (``rel="next"``, ``rel="prev"``)."""

from django.utils.translation import gettext as _
from rest_framework import pagination

from npm_tracker.core.api.filters import NO_VALUE, invalid_filter


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = ("-created_at", "-id")

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["required"] = ["next", "previous", "results"]
        schema["properties"]["next"]["description"] = "The next page, or null on the last."
        schema["properties"]["previous"]["description"] = "The previous page, or null on the first."
        schema["properties"]["results"]["description"] = "The records of this page."
        return schema

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((self.get_next_link(), "next"), (self.get_previous_link(), "prev"))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response

    def decode_cursor(self, request):
        """An empty ``cursor`` is refused like any empty filter (a cursor that cannot be read
        answers 404, as DRF does)."""
        if request.query_params.get(self.cursor_query_param) == "":
            raise invalid_filter({self.cursor_query_param: [NO_VALUE]})
        return super().decode_cursor(request)

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
