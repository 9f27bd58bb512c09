"""Citizen-facing URLs (Indonesian paths: these are the links citizens share)."""

from django.urls import path, re_path

from . import public_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.home, name="home"),
    path("aduan/baru/", views.complaint_new, name="new"),
    path("aduan/terkirim/<str:token>/", views.receipt, name="receipt"),
    path("lacak/", views.track_lookup, name="track_lookup"),
    path("lacak/<str:token>/", views.track, name="track"),
    path("aduan/", public_views.public_list, name="public_list"),
    path("aduan/peta/", public_views.public_map, name="public_map"),
    path("aduan/peta/data/", public_views.public_map_data, name="public_map_data"),
    path("data-terbuka/", public_views.open_data_page, name="open_data"),
    path("data-terbuka/<str:name>", public_views.open_data_download, name="open_data_download"),
    re_path(
        r"^aduan/(?P<code>[0-9A-Z]{4}-[0-9A-Z]{4})/$",
        public_views.public_detail,
        name="public_detail",
    ),
]
