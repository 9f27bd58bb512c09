"""Provider webhooks, mounted under /webhooks/ (the deployment contract, README "Channels").

Each provider in the registry that has a webhook brings its own `urlpatterns`.
"""

from django.urls import include, path

from .providers.registry import PROVIDERS

app_name = "channels_intake"

urlpatterns = [path("", include(provider.webhook)) for provider in PROVIDERS if provider.webhook]
