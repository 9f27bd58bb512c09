"""Citizen-facing URLs (Indonesian paths: these are the links citizens share)."""

from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.home, name="home"),
    path("aduan/baru/", views.complaint_new, name="new"),
    path("aduan/terkirim/<str:token>/", views.receipt, name="receipt"),
    path("lacak/", views.track_lookup, name="track_lookup"),
    path("lacak/<str:token>/", views.track, name="track"),
]
