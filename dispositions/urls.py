"""The citizen's follow-up answers, under the tracking link they belong to."""

from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("lacak/<str:token>/konfirmasi/", views.track_confirm, name="confirm"),
    path("lacak/<str:token>/nilai/", views.track_rate, name="rate"),
    path("lacak/<str:token>/buka-kembali/", views.track_reopen, name="reopen"),
]
