"""Datetimes as integrations publish them: ISO 8601 with the Asia/Jakarta offset."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")
