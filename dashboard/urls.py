"""Staff pages under /dashboard/."""

from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("aduan/<str:tracking_code>/", views.complaint_detail, name="complaint"),
    path(
        "aduan/<str:tracking_code>/aksi/<slug:action>/",
        views.complaint_action,
        name="complaint_action",
    ),
]
