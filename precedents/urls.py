from django.urls import path

from precedents import views

app_name = "precedents"
urlpatterns: list = [
    path("", views.precedents_page, name="finder"),
]
