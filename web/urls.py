"""The pages of letters and the search page: /, /determinations/<case number>/, /search/."""

from django.urls import path

from web import letters, search

app_name = "web"
urlpatterns = [
    path("", letters.determination_list, name="letters"),
    path("determinations/id/<int:pk>/", letters.determination_detail_pk, name="letter_pk"),
    path("determinations/<str:case_number>/", letters.determination_detail, name="letter"),
    path("search/", search.search_page, name="search"),
]
