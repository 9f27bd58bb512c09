"""Exports of a filtered staff complaint list: the same visibility and filters as the list.

Rows are streamed from a server-side cursor (`iterator`), never built in memory. No
reporter column and no complaint text: an export travels further than a page, and the
text may hold a phone number or NIK typed by the citizen. So an anonymous or
confidential reporter can never reach a file, whoever downloads it.

Up to EXPORT_ASYNC_ROWS rows the request answers with the file; above, the view starts
an export job (dashboard/reports/jobs.py) that writes the same rows through `list_rows`.
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

from complaints.models import Complaint, ReportType, Status, User

from ..filters import complaints_filtered


def list_header() -> list[str]:
    return [
        _("Tracking code"), _("Received"), _("Channel"), _("Report type"), _("Status"),
        _("Category"), _("Area"), _("Agency"), _("Resolve by"), _("Title"),
    ]  # fmt: skip


def list_queryset(user: User, params: Mapping[str, Any]) -> QuerySet[Complaint]:
    """Parses the filters now: a bad one raises ValidationError before any byte is sent."""
    return (
        complaints_filtered(user, params)
        .select_related("category", "area", "agency")
        .only(
            "tracking_code", "created_at", "channel", "report_type", "status", "category__name",
            "area__name", "agency__name", "due_at", "title",
        )
    )  # fmt: skip


def list_count(qs: QuerySet[Complaint], limit: int | None = None) -> int:
    """How many rows the export holds; with `limit`, counting stops at limit + 1."""
    unordered = qs.order_by()
    return unordered[: limit + 1].count() if limit is not None else unordered.count()


def list_rows(qs: QuerySet[Complaint]) -> Iterator[list[str]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    statuses = dict(Status.choices)
    report_types = dict(ReportType.choices)
    c: Complaint
    for c in qs.iterator(chunk_size=2000):
        yield [
            c.tracking_code,
            timezone.localtime(c.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            c.get_channel_display(),
            str(report_types.get(c.report_type, c.report_type)),
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


def list_csv_lines(qs: QuerySet[Complaint]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(list_header())
    for row in list_rows(qs):
        yield writer.writerow(row)


def list_xlsx_bytes(qs: QuerySet[Complaint]) -> bytes:
    """The list as XLSX in memory: only for lists up to EXPORT_ASYNC_ROWS rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="aduan")
    sheet.append(list_header())
    for row in list_rows(qs):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
