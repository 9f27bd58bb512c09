"""Channels intake: the raw inbox, provider webhooks and their adapters."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsIntakeConfig(AppConfig):
    name = "channels_intake"
    verbose_name = _("Channels intake")
