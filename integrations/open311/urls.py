"""Open311 GeoReport v2 routes; the format is the file extension, as the spec has it."""

from django.urls import path, re_path

from . import views

app_name = "open311"
F = r"\.(?P<fmt>xml|json)$"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.services, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)" + F, views.service_definition, name="service"),
    # Older clients (the `open311` Python package among them) call the singular form.
    re_path(r"^service/(?P<code>[\w-]+)" + F, views.service_definition, name="service-alias"),
    re_path(r"^requests" + F, views.requests_, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+)" + F, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+)" + F, views.token, name="token"),
    re_path(r"^servicerequestupdates" + F, views.updates, name="updates"),
]
