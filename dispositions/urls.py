"""Citizen-facing URLs of dispositions (Indonesian paths, beside the tracking page)."""

from django.urls import path

from . import views

app_name = "dispositions"
urlpatterns = [
    path("lacak/<str:token>/jawab/", views.track_answer, name="track_answer"),
]
