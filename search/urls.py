from django.urls import path

from search import views

app_name = "search"
urlpatterns: list = [
    path("", views.search_page, name="search"),
]
