"""Sigap's URLs plus /bench/bare/: Django's smallest JSON answer, the load test's ceiling."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as sigap_urlpatterns


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), *sigap_urlpatterns]
