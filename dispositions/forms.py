"""The reporter's answer to an agency's question, sent from the public tracking page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReporterAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your answer before sending it.")},
    )
