from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.saved_searches, name="list"),
    path("save/", views.save_search, name="save"),
    path("<int:pk>/delete/", views.delete_saved_search, name="delete"),
    path("<int:pk>/active/", views.set_active, name="active"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
