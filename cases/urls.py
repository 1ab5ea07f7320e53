from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.determination_list, name="list"),
    path("determinations/id/<int:pk>/", views.determination_detail_pk, name="detail_pk"),
    path("determinations/<str:case_number>/", views.determination_detail, name="detail"),
]
