"""Service attributes (the `metadata=true` service definitions) and their request values.

Every service carries one attribute: SP4N-LAPOR!'s report type (docs/report-types.md),
a singlevaluelist a client sends as `attribute[report_type]`, and that each request
shows back as `report_type`. Sigap's categories ask for nothing else today.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from complaints.models import Category, Complaint, ReportType

REPORT_TYPE = "report_type"


def service_attributes(category: Category) -> list[dict[str, Any]]:
    return [
        {
            "variable": True,
            "code": REPORT_TYPE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _(
                "pengaduan (complaint, the default), aspirasi (suggestion) or informasi "
                "(information request)"
            ),
            "order": 1,
            "description": _("Type of report"),
            "values": [{"key": value, "name": str(label)} for value, label in ReportType.choices],
        }
    ]


def request_attributes(complaint: Complaint) -> dict[str, Any]:
    return {REPORT_TYPE: complaint.report_type}


def attribute_fields(attributes: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """Posted `attribute[CODE]` values as partner-intake fields, and the errors."""
    fields: dict[str, Any] = {}
    errors: list[str] = []
    values = attributes.get(REPORT_TYPE) or []
    if values:
        if len(values) > 1 or values[0] not in ReportType.values:
            errors.append(_("attribute[report_type] is one of: %s.") % ", ".join(ReportType.values))
        else:
            fields[REPORT_TYPE] = values[0]
    return fields, errors
