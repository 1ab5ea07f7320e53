"""/accounts/: allauth's flows (login/, logout/, signup/, email/, confirm-email/, password/...)
and the product's own pages."""

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/alerts/", views.alert_preferences, name="alert_preferences"),
    path("token/", views.api_token, name="api_token"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("invitations/<str:key>/", views.accept, name="accept_invitation"),
    path("", include("allauth.urls")),
]
