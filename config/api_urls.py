"""Every /api/v1/ route, gathered from the apps that own them."""

from django.urls import include, path

urlpatterns = [
    path("", include("complaints.api.urls")),
    path("", include("channels_intake.api.urls")),
    path("", include("dispositions.api.urls")),
]
