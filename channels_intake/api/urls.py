"""Partner API routes under /api/v1/partner/."""

from django.urls import path

from . import views

app_name = "partner-api"
urlpatterns = [
    path(
        "partner/complaints/",
        views.PartnerComplaintCreateApi.as_view(),
        name="complaint-create",
    ),
    path(
        "partner/complaints/<str:external_id>/",
        views.PartnerComplaintDetailApi.as_view(),
        name="complaint-detail",
    ),
]
