"""Operator actions on the staff complaint page that belong to other apps' rules:
correct the report type (complaints.services) and forward to SP4N-LAPOR!
(integrations.lapor). The services check that the actor is an operator."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import OPERATOR, Actor
from complaints.models import Complaint, ReportType
from complaints.services import complaint_set_report_type
from integrations.lapor.services import lapor_forward
from integrations.selectors import lapor_link_of


class ReportTypeForm(forms.Form):
    report_type = forms.ChoiceField(
        label=_("Type of report"), choices=ReportType.choices, widget=forms.RadioSelect
    )


class LaporForwardForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Whose authority it is, e.g. a national road."),
    )


def set_report_type(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return complaint_set_report_type(
        complaint=complaint, report_type=form.cleaned_data["report_type"], actor=actor
    )


def forward_to_lapor(complaint: Complaint, actor: Actor, form: forms.Form) -> object:
    return lapor_forward(complaint=complaint, actor=actor, reason=form.cleaned_data["reason"])


def offered(*, complaint: Complaint, actor: Actor) -> list[str]:
    """The operator actions this page shows for `actor`."""
    if OPERATOR not in actor.capacities(complaint):
        return []
    names = ["set_report_type"]
    if lapor_link_of(complaint) is None:
        names.append("forward_to_lapor")
    return names


def make_form(name: str, complaint: Complaint, data=None, files=None) -> forms.Form:  # type: ignore[no-untyped-def]
    if name == "set_report_type":
        return ReportTypeForm(
            data, files, prefix=name, initial={"report_type": complaint.report_type}
        )
    return LaporForwardForm(data, files, prefix=name)
