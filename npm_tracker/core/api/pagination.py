"""Cursor pagination as the contract says: ``next``/``previous``/``results``, ``?limit`` ≤ 500,
and the same two links as an RFC 8288 ``Link`` header (``rel="next"``, ``rel="prev"``)."""

from rest_framework import pagination


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
