"""The rules where SP4N-LAPOR!'s report types differ (docs/report-types.md).

- pengaduan (complaint): the lifecycle as it is; the agency resolves it.
- aspirasi (suggestion): nothing is broken, so nothing is "fixed": the agency responds
  (the resolve step needs its response in the note) and the citizen sees "responded".
- permintaan informasi (information request): answered, not resolved: the resolve step
  needs the answer in the note, the citizen sees "answered", and the resolution deadline
  is the one UU 14/2008 (Keterbukaan Informasi Publik) art. 22(7) sets, 10 working days,
  whatever the category says.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ReportType, Status

# Working hours: 10 working days of the deployment's working day (8 h by default).
INFORMATION_WORKING_DAYS = 10

RESOLVED_LABELS = {
    ReportType.SUGGESTION: gettext_lazy("Responded"),
    ReportType.INFORMATION: gettext_lazy("Answered"),
}


def _working_day_hours() -> int:
    total = 0
    for start, end in settings.WORKING_HOURS:
        total += (end.hour * 60 + end.minute - start.hour * 60 - start.minute) // 60
    return total or 8


def resolution_hours(report_type: str, category_hours: int) -> int:
    """The resolution deadline in hours for a complaint of `report_type`."""
    if report_type == ReportType.INFORMATION:
        return INFORMATION_WORKING_DAYS * _working_day_hours()
    return category_hours


def transition_problem(*, report_type: str, action: str, note: str) -> str:
    """Why `action` is not allowed for this report type ("" when it is)."""
    if action == "resolve" and not (note or "").strip():
        if report_type == ReportType.INFORMATION:
            return _("An information request is answered: write the answer in the note.")
        if report_type == ReportType.SUGGESTION:
            return _("A suggestion is responded to: write the response in the note.")
    return ""


def public_status_label(report_type: str, status: str, default: str) -> str:
    """The citizen's word for `status`: an information request is "answered"."""
    if status in (Status.RESOLVED, Status.CLOSED) and report_type in RESOLVED_LABELS:
        return str(RESOLVED_LABELS[report_type])
    return default
