"""Top-level URLs. Each app owns its own urls module; the API lives under /api/v1/."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboard import public_stats_views, signin_views

from .health import healthz

urlpatterns = [
    path("", include("complaints.urls")),
    path("", include("dispositions.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("webhooks/", include("channels_intake.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP;
    # Swagger UI's own page still carries a <style> block.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/kode/", signin_views.otp_verify, name="otp_verify"),
    path("login/kode/daftar/", signin_views.otp_enrol, name="otp_enrol"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("integrations.open311.urls")),
    path("statistik/", public_stats_views.statistics, name="public_statistics"),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
