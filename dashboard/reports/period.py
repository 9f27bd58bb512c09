"""The report's period and filters, parsed from the URL (bad input: a ReportInputError)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, ReportType

from .scope import ReportScope

PERIODS = {
    "minggu": _("This week"),
    "bulan": _("This month"),
    "kuartal": _("This quarter"),
    "tahun": _("This year"),
    "kustom": _("Custom"),
}
MAX_CUSTOM_DAYS = 3 * 366


class ReportInputError(ValueError):
    """A filter the report cannot apply; the message says why (shown with a 400)."""


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period_bounds(
    kind: str, today: date, start: date | None, end: date | None
) -> tuple[date, date]:
    """First and last day (inclusive) of the period."""
    if kind == "minggu":
        first = today - timedelta(days=today.weekday())
        return first, first + timedelta(days=6)
    if kind == "bulan":
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return first, nxt - timedelta(days=1)
    if kind == "kuartal":
        month = 3 * ((today.month - 1) // 3) + 1
        first = today.replace(month=month, day=1)
        nxt = date(first.year + (month + 2) // 12, (month + 2) % 12 + 1, 1)
        return first, nxt - timedelta(days=1)
    if kind == "tahun":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if start is None or end is None:
        raise ReportInputError(_("A custom period needs both dates (YYYY-MM-DD)."))
    if end < start:
        raise ReportInputError(_("The period ends before it starts."))
    if (end - start).days > MAX_CUSTOM_DAYS:
        raise ReportInputError(_("A custom period is at most three years."))
    return start, end


def _date(raw: str, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ReportInputError(_("%s is not a date (YYYY-MM-DD).") % name) from None


@dataclass(frozen=True)
class ReportFilters:
    kind: str
    first_day: date
    last_day: date
    area: Area | None = None
    agency: Agency | None = None
    now: datetime = field(default_factory=timezone.now)
    report_type: str = ""  # a ReportType value, "" for every type

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=_zone())

    @property
    def end(self) -> datetime:
        """Exclusive end: midnight after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=_zone())

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def querystring(self) -> str:
        from urllib.parse import urlencode

        params = {"periode": self.kind}
        if self.kind == "kustom":
            params |= {"dari": self.first_day.isoformat(), "sampai": self.last_day.isoformat()}
        if self.area is not None:
            params["wilayah"] = self.area.code
        if self.agency is not None:
            params["instansi"] = str(self.agency.pk)
        if self.report_type:
            params["jenis"] = self.report_type
        return urlencode(params)


def parse_filters(params, scope: ReportScope, now: datetime | None = None) -> ReportFilters:  # type: ignore[no-untyped-def]
    """Read periode/dari/sampai/wilayah/instansi/jenis; refuse what the scope does not allow."""
    now = now or timezone.now()
    kind = params.get("periode") or "bulan"
    if kind not in PERIODS:
        raise ReportInputError(_("Unknown period “%s”.") % kind)
    start = _date(params.get("dari", ""), "dari")
    end = _date(params.get("sampai", ""), "sampai")
    today = timezone.localtime(now, _zone()).date()
    first, last = period_bounds(kind, today, start, end)
    area = None
    if code := params.get("wilayah", "").strip():
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise ReportInputError(_("Unknown area code “%s”.") % code)
        if not scope.allows_area(area):
            raise ReportInputError(_("This area is outside your reports."))
    agency = None
    if raw := params.get("instansi", "").strip():
        if not raw.isdigit():
            raise ReportInputError(_("The agency must be a number."))
        agency = Agency.objects.filter(pk=int(raw)).first()
        if agency is None or not scope.allows_agency(agency.pk):
            raise ReportInputError(_("This agency is outside your reports."))
    report_type = params.get("jenis", "").strip()
    if report_type and report_type not in ReportType.values:
        raise ReportInputError(_("Unknown report type “%s”.") % report_type)
    return ReportFilters(
        kind=kind, first_day=first, last_day=last, area=area, agency=agency, now=now,
        report_type=report_type,
    )  # fmt: skip
