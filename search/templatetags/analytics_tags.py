"""Template helpers of the analytics page and the dashboard: numbers linked to the decisions
behind them, rates and intervals as printed, and the search page's link to its analytics."""
from django import template
from django.utils.html import format_html

from search.forms import DEFAULT_PAGE_SIZE

register = template.Library()


@register.simple_tag
def n(value, url=None, css="n"):
    """A count, linked to its decisions when it has a URL (search.analytics gives none for a
    zero or a number no search URL can list)."""
    shown = f"{value:,}" if isinstance(value, int) else value
    if url:
        return format_html('<a class="{}" href="{}">{}</a>', css, url, shown)
    return format_html('<span class="{}">{}</span>', css, shown)


@register.filter
def pct(value):
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def ci(interval):
    """A 95% interval as "4.1–27.0%"."""
    if not interval:
        return ""
    low, high = interval
    return f"{low * 100:.1f}–{high * 100:.1f}%"


@register.filter
def days(value):
    """A day count: 28 or 28.5."""
    if value is None:
        return "–"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


@register.simple_tag
def analytics_url(params):
    """/analytics/ with the search's own query string (page, sort and page size left out)."""
    return "/analytics/" + params.querystring(page=1, sort="relevance", page_size=DEFAULT_PAGE_SIZE)
