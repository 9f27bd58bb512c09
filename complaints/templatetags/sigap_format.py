"""Template filters that format values for citizens (no queries here)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def local_time(value: datetime | None) -> str:
    """ "22 Nov 2026 14:05 WIB": the deployment's local time with its zone abbreviation."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, 'j M Y H:i')} {local.tzname()}"


@register.filter
def local_date(value: datetime | None) -> str:
    """ "22 Nov 2026": the local day only."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), "j M Y")
