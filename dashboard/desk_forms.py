"""Forms of the operators' desk: quick entry of hotline and walk-in complaints, and the
confirmations of reporter merges and outbox resends. They parse; views call services."""

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
    check_photos,
    coordinate_field,
    photos_field,
    uploaded_files,
)
from complaints.images import ProcessedImage
from complaints.models import Category, Channel
from complaints.services import normalize_phone

DESK_CHANNEL_CHOICES = [
    (Channel.HOTLINE.value, Channel.HOTLINE.label),
    (Channel.WALK_IN.value, Channel.WALK_IN.label),
]


class QuickEntryForm(AreaTreeForm):
    """A hotline call or a counter visit, typed by an operator while the citizen talks.

    The phone comes first (it finds the citizen's earlier reports and gets the SMS with
    the tracking code); everything but the description is optional.
    """

    field_order = (
        "phone",
        "channel",
        "name",
        "is_anonymous",
        "is_confidential",
        "text",
        "category",
        *AREA_LEVELS,
        "address",
        "latitude",
        "longitude",
        "photos",
    )

    phone = forms.CharField(
        label=_("Caller's or visitor's phone"),
        required=False,
        max_length=32,
        help_text=_("The citizen gets the tracking code by SMS on this number."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "autofocus": True}
        ),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=DESK_CHANNEL_CHOICES,
        initial=Channel.HOTLINE,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    is_anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        help_text=_("The name and phone are hidden from the agency and the public."),
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("The report is hidden from the public; only its status is shown."),
    )
    text = forms.CharField(
        label=_("What is the problem?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please describe the problem.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Not sure: let Sigap choose"),
    )
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=255)
    latitude = coordinate_field(_("Latitude"), limit=90)
    longitude = coordinate_field(_("Longitude"), limit=180)
    photos = photos_field()

    # What a "Show area choices" round trip carries over (photos cannot be carried back).
    TYPED_FIELDS = (
        "phone",
        "channel",
        "name",
        "text",
        "category",
        *AREA_LEVELS,
        "address",
        "latitude",
        "longitude",
    )
    TICKED_FIELDS = ("is_anonymous", "is_confidential")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related(
            "parent"
        )
        self.fields["photos"].help_text = gettext(
            "Up to %(max)d photos: JPEG, PNG, WebP or GIF. Location data in them is removed."
        ) % {"max": settings.UPLOAD_MAX_PHOTOS}
        self.processed_photos: list[ProcessedImage] = []

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean_photos(self) -> list[ProcessedImage]:
        """Each photo checked and re-encoded (no EXIF); every bad one named in the error."""
        processed, errors = check_photos(uploaded_files(self, "photos"))
        if errors:
            raise ValidationError(errors)
        self.processed_photos = processed
        return processed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return cleaned


class OutboundRetryForm(forms.Form):
    """Send a failed reply again; one whose outcome is unknown needs the box ticked."""

    confirm_unknown = forms.BooleanField(
        label=_("I checked: send it again even if the citizen may get it twice"),
        required=False,
    )
