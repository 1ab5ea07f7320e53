from urllib.parse import urlencode

from django import template

from alerts.forms import canonical_query, default_name

register = template.Library()


@register.inclusion_tag("alerts/_save_search.html", takes_context=True)
def save_search_form(context, params, data):
    """ "Save this search" on the search page: the query as it ran (typo-corrected when the page
    corrected it), for a signed-in user; a sign-in link otherwise."""
    request = context["request"]
    corrected = (data or {}).get("query", {}).get("corrected")
    ran = params.with_query(corrected) if corrected else params
    return {
        "signed_in": request.user.is_authenticated,
        "query": canonical_query(ran),
        "name": default_name(ran),
        "csrf_token": context.get("csrf_token"),
        "login_url": "/accounts/login/?" + urlencode({"next": request.get_full_path()}),
    }
