from django.urls import path

from guidelines import views

app_name = "guidelines"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("<slug:slug>/", views.document_detail, name="document"),
    path("<slug:slug>/<slug:anchor>/", views.section_detail, name="section"),
]
