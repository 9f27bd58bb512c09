"""Forms of dispositions: the admin's routing dry run and the reporter's answer to a question."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from complaints.models import Area, Category

from .models import RoutingRule


class DryRunForm(forms.Form):
    """Category, area (searched by code or name) and optional coordinates of a sample."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        help_text=_("Blank: a complaint nobody categorized yet."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.all(),
        required=False,
        help_text=_("Type a code (32.73.02) or a name. Blank: the reporter chose no area."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, decimal_places=6
    )

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same search-as-you-type the rule form uses (AreaAdmin's search fields).
        for name in ("category", "area"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(RoutingRule._meta.get_field(name), admin_site)
            field.widget.choices = field.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return cleaned


class ReporterAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your answer before sending it.")},
    )
