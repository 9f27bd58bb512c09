"""Routes of the dispositions API under /api/v1/."""

from django.urls import path

from . import views

app_name = "dispositions-api"
urlpatterns = [
    path(
        "complaints/<str:tracking_code>/actions/",
        views.ComplaintActionsApi.as_view(),
        name="complaint-actions",
    ),
]
