from django.urls import path

from search.precedents import views

app_name = "precedents"
urlpatterns: list = [
    path("", views.precedents_page, name="finder"),
]
