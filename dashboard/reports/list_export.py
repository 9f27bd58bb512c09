"""Exports of a filtered staff complaint list: the same visibility and filters as the list.

Rows are streamed from a server-side cursor (`iterator`), never built in memory. No
reporter column and no complaint text: an export travels further than a page, and the
text may hold a phone number or NIK typed by the citizen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints.models import Complaint, Status, User

from ..filters import complaints_filtered

# Above this an XLSX would be built in memory for too long; CSV streams any size.
XLSX_MAX_ROWS = 50_000


def _header() -> list[str]:
    return [
        _("Tracking code"), _("Received"), _("Channel"), _("Status"), _("Category"),
        _("Area"), _("Agency"), _("Resolve by"), _("Title"),
    ]  # fmt: skip


def _queryset(user: User, params: Mapping[str, Any]) -> QuerySet[Complaint]:
    """Parses the filters now: a bad one raises ValidationError before any byte is sent."""
    return (
        complaints_filtered(user, params)
        .select_related("category", "area", "agency")
        .only(
            "tracking_code", "created_at", "channel", "status", "category__name", "area__name",
            "agency__name", "due_at", "title",
        )
    )  # fmt: skip


def _rows(qs: QuerySet[Complaint]) -> Iterator[list[str]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    statuses = dict(Status.choices)
    c: Complaint
    for c in qs.iterator(chunk_size=2000):
        yield [
            c.tracking_code,
            timezone.localtime(c.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            c.get_channel_display(),
            str(statuses.get(c.status, c.status)),
            c.category.name if c.category else "",
            c.area.name if c.area else "",
            c.agency.name if c.agency else "",
            timezone.localtime(c.due_at, zone).strftime("%Y-%m-%d %H:%M") if c.due_at else "",
            c.title,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def list_csv_lines(user: User, params: Mapping[str, Any]) -> Iterator[str]:
    qs = _queryset(user, params)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(_header())
        for row in _rows(qs):
            yield writer.writerow(row)

    return lines()


def list_xlsx_bytes(user: User, params: Mapping[str, Any]) -> bytes | None:
    """The list as XLSX, or None when it holds more than XLSX_MAX_ROWS (use the CSV)."""
    qs = _queryset(user, params)
    if qs.order_by()[: XLSX_MAX_ROWS + 1].count() > XLSX_MAX_ROWS:
        return None
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="aduan")
    sheet.append(_header())
    for row in _rows(qs):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
