"""Forms for the staff actions on a complaint. They parse input only; views call the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.forms import (
    AREA_LEVELS,
    AreaTreeForm,
    MultipleFileInput,
    MultipleImageField,
    check_photos,
    uploaded_files,
)
from complaints.images import ProcessedImage
from complaints.models import Agency, Area, Category, Complaint
from dispositions.models import CategorizationDecision
from dispositions.selectors import agencies_covering, triage_agency_suggestion

from .selectors import forward_targets

MIN_EVIDENCE_PHOTOS = 1


def _note_field(label: Any, *, required: bool, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class OptionalNoteForm(forms.Form):
    """Accept and start: a note is welcome but not needed."""

    note = _note_field(_("Note"), required=False, rows=2)


class ResolveForm(forms.Form):
    """The follow-up report (tindak lanjut): what was done, with photos that show it."""

    note = _note_field(_("What was done"), required=True, rows=4)
    evidence = MultipleImageField(
        label=_("Evidence photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = gettext("1 to %(max)d photos of the result.") % {
            "max": settings.UPLOAD_MAX_PHOTOS
        }
        self.fields["note"].error_messages["required"] = _(
            "Describe what was done before marking the complaint resolved."
        )
        self.fields["evidence"].error_messages["required"] = _(
            "Attach at least one photo of the result."
        )

    def clean_evidence(self) -> list[ProcessedImage]:
        """Each photo checked and re-encoded; cleaned_data holds the processed images."""
        files = uploaded_files(self, "evidence")
        if len(files) < MIN_EVIDENCE_PHOTOS:
            raise ValidationError(self.fields["evidence"].error_messages["required"])
        processed, errors = check_photos(files)
        if errors:
            raise ValidationError(errors)
        return processed


class ForwardForm(forms.Form):
    """Koordinasi: hand the complaint to the agency that holds authority."""

    to_agency = forms.ModelChoiceField(
        label=_("Forward to"), queryset=Agency.objects.none(), empty_label=_("— choose —")
    )
    reason = _note_field(_("Reason"), required=True)

    def __init__(self, *args: Any, current_agency: Agency | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = forward_targets(exclude=current_agency)


class ReasonForm(forms.Form):
    """Return to triage and reject: the reason is required and shown on the timeline."""

    reason = _note_field(_("Reason"), required=True)


class AssignForm(AreaTreeForm):
    """An operator sends a complaint from triage to an agency, setting its category and area.

    Only agencies that hold authority in the complaint's area are offered. The
    categorizer's best category comes preselected, and the agency it suggests when that
    agency covers the area (else the routing rules' pick); the area is chosen with the
    citizen form's picker, starting at the complaint's area. Choosing a category records
    the operator's decision.
    """

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— keep as it is —"),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), empty_label=_("— choose —")
    )
    note = _note_field(_("Note for the agency"), required=False, rows=2)

    def __init__(
        self,
        *args: Any,
        complaint: Complaint | None = None,
        suggestion: CategorizationDecision | None = None,
        **kwargs: Any,
    ) -> None:
        area = complaint.area if complaint is not None else None
        if area is not None:
            parts = area.code.split(".")
            kwargs["initial"] = {
                level: ".".join(parts[: n + 1])
                for n, level in enumerate(AREA_LEVELS)
                if n < len(parts)
            } | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
        # Agencies holding authority in the area picked (the complaint's until the operator
        # picks another): an agency of another city is refused, not silently accepted.
        self.fields["agency"].queryset = agencies_covering(self._picked_area() or area)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        if suggestion is not None and suggestion.suggestions:
            best = suggestion.suggestions[0]["category_slug"]
            self.fields["category"].initial = (
                Category.objects.filter(slug=best, is_active=True)
                .values_list("pk", flat=True)
                .first()
            )
        if complaint is not None:
            agency = triage_agency_suggestion(complaint=complaint, decision=suggestion)
            self.fields["agency"].initial = agency.pk if agency is not None else None

    def area_fields(self) -> list[forms.BoundField]:
        return [self[level] for level in AREA_LEVELS]

    # Without JavaScript each level has its own "show the next list" submit, named this
    # (with the form's prefix) and valued with the level chosen: the page comes back with
    # the next level filled and the agencies of the area chosen, and nothing is sent.
    AREA_NEXT = "area_next"
    NEXT_LABELS = {
        "province": _("Show its cities"),
        "regency": _("Show its districts"),
        "district": _("Show its villages"),
    }

    def area_steps(self) -> list[tuple[forms.BoundField, str, Any]]:
        """Each level's select with its submit's name and label ("" for the last level)."""
        name = self.add_prefix(self.AREA_NEXT)
        return [(self[level], name, self.NEXT_LABELS.get(level, "")) for level in AREA_LEVELS]

    def _picked_area(self) -> Area | None:
        """The most specific level chosen so far (submitted or initial), if valid."""
        source = self.data if self.is_bound else self.initial
        picked = None
        for level in AREA_LEVELS:
            code = source.get(self.add_prefix(level) if self.is_bound else level) or ""
            if code not in self._areas:
                break
            picked = self._areas[code]
        return picked

    @classmethod
    def area_refresh_requested(cls, data: Any, *, prefix: str = "assign") -> bool:
        return f"{prefix}-{cls.AREA_NEXT}" in data

    @classmethod
    def area_refresh(
        cls,
        data: Any,
        *,
        complaint: Complaint,
        suggestion: CategorizationDecision | None = None,
        prefix: str = "assign",
    ) -> AssignForm:
        """The form again after a level's "show the next list" submit (nothing is sent).

        What was typed is kept; levels no longer inside the one chosen above are emptied.
        """
        typed = cls(data, prefix=prefix, complaint=complaint, suggestion=suggestion)
        initial = {
            name: data.get(f"{prefix}-{name}", "")
            for name in ("category", "agency", "note", *AREA_LEVELS)
        }
        return cls(
            initial=typed.initial_without_stale_areas(initial),
            prefix=prefix,
            complaint=complaint,
            suggestion=suggestion,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["area"] = self.chosen_area() if not self.errors else None
        return data


class QuestionForm(forms.Form):
    """Ask the reporter for information; the deadline waits for the answer."""

    question = _note_field(_("Question for the reporter"), required=True)


class AnswerForm(forms.Form):
    """An operator records the reporter's answer given by phone or at the counter."""

    answer = _note_field(_("The reporter's answer"), required=True)


class NoteForm(forms.Form):
    """An internal note on the timeline, never shown to the citizen."""

    note = _note_field(_("Internal note"), required=True)


class DuplicateDecisionForm(forms.Form):
    """Merge or dismiss one duplicate suggestion: the page posts the suggestion's id."""

    link = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
