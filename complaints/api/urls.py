"""Routes of the complaints API under /api/v1/."""

from django.urls import path

from . import views

app_name = "complaints-api"
urlpatterns = [
    path("complaints/", views.ComplaintListCreateApi.as_view(), name="complaint-list"),
    path(
        "complaints/<str:tracking_code>/",
        views.ComplaintDetailApi.as_view(),
        name="complaint-detail",
    ),
    path("categories/", views.CategoryListApi.as_view(), name="category-list"),
    path("areas/", views.AreaListApi.as_view(), name="area-list"),
    path("track/<str:token>/", views.TrackApi.as_view(), name="track"),
]
