"""The one pagination shape of every list endpoint:
{"count", "page", "page_size", "num_pages", "next", "previous", "results"}.

`page` and `page_size` that are not positive whole numbers (or a page_size over the maximum)
are a 400 naming the parameter, not a silent fallback; a page past the last is DRF's 404.
`next` and `previous` are paths with their query string (as /api/search/ gives them): right
behind any proxy, whatever host name the client used.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def positive_int_param(request, name: str, maximum: int | None = None) -> int | None:
    """The query parameter as an int >= 1 (and <= maximum), None when absent; else a 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = raw.strip()
    if not value.isdigit() or int(value) < 1 or len(value) > 9:
        raise ValidationError(
            {name: [f"must be a whole number from 1{f' to {maximum}' if maximum else ''}; got {raw!r}"]}
        )
    if maximum is not None and int(value) > maximum:
        raise ValidationError({name: [f"must be a whole number from 1 to {maximum}; got {raw!r}"]})
    return int(value)


class StandardPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        positive_int_param(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return positive_int_param(request, self.page_size_query_param, self.max_page_size) or self.page_size

    def get_next_link(self):
        if not self.page.has_next():
            return None
        return replace_query_param(self.request.get_full_path(), self.page_query_param, self.page.next_page_number())

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        path = self.request.get_full_path()
        number = self.page.previous_page_number()
        return (
            remove_query_param(path, self.page_query_param)
            if number == 1
            else replace_query_param(path, self.page_query_param, number)
        )

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "page": self.page.number,
                "page_size": paginator.per_page,
                "num_pages": paginator.num_pages,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "num_pages", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 151},
                "page": {"type": "integer", "example": 1},
                "page_size": {"type": "integer", "example": DEFAULT_PAGE_SIZE},
                "num_pages": {"type": "integer", "example": 8},
                "next": {"type": "string", "nullable": True, "example": "/api/determinations/?page=2"},
                "previous": {"type": "string", "nullable": True},
                "results": schema,
            },
        }
