"""Citizen-facing forms: the complaint form (with its no-JS area tree and photos) and lookup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .images import ImageRejected, ProcessedImage, process_image
from .models import Area, Category, PendingUpload, ReportType
from .selectors import area_children, category_choices, pending_uploads_by_ids
from .services import normalize_phone
from .tracking_forms import (  # noqa: F401  (the tracking page's forms, re-exported)
    COMMENT_MAX,
    RATING_CHOICES,
    RATING_WORDS,
    ConfirmForm,
    RateForm,
    ReopenForm,
    TrackLookupForm,
)

PENDING_SALT = "sigap.complaints.pending-upload"
# The order of the dependent selects; each level's choices come from the one above.
AREA_LEVELS = ("province", "regency", "district", "village")


def sign_pending(pending_id: int) -> str:
    return signing.TimestampSigner(salt=PENDING_SALT).sign(str(pending_id))


def unsign_pending(value: str) -> int | None:
    """The pending upload id in a signed value, or None if forged or too old."""
    try:
        raw = signing.TimestampSigner(salt=PENDING_SALT).unsign(
            value, max_age=PendingUpload.MAX_AGE
        )
    except signing.BadSignature:
        return None
    return int(raw) if raw.isdigit() else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """A file field that accepts several files and cleans each one."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files if f]


def coordinate_field(label: Any, *, limit: int) -> forms.DecimalField:
    """Latitude (limit 90) or longitude (limit 180), typed or filled by the map script."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(-limit),
        max_value=Decimal(limit),
        decimal_places=6,
        max_digits=9,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def photos_field() -> MultipleImageField:
    return MultipleImageField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )


def uploaded_files(form: forms.Form, name: str) -> list[UploadedFile]:
    """The files chosen in `form`'s file field `name` (a browser sends an empty part for none)."""
    return [f for f in form.files.getlist(form.add_prefix(name)) if f and f.name]


def check_photos(
    files: Sequence[UploadedFile], *, kept: int = 0
) -> tuple[list[ProcessedImage], list[str]]:
    """Each new photo checked and re-encoded (no EXIF): the good ones, and an error naming
    each bad one. More than UPLOAD_MAX_PHOTOS with the `kept` ones is one error, none read.
    """
    limit = settings.UPLOAD_MAX_PHOTOS
    if len(files) + kept > limit:
        return [], [
            gettext("You can attach at most %(limit)d photos; please choose fewer.")
            % {"limit": limit}
        ]
    processed: list[ProcessedImage] = []
    errors: list[str] = []
    for upload in files:
        try:
            processed.append(process_image(upload, name=upload.name, size=upload.size))
        except ImageRejected as exc:
            errors.append(str(exc))
    return processed, errors


def _category_optgroups(categories: list[Category]) -> list[tuple[Any, Any]]:
    """Topics as <optgroup>s with their subcategories; a topic with none is a plain option."""
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list[tuple[Any, Any]] = [("", _("Not sure: let us choose"))]
    for topic in (c for c in categories if c.parent_id is None):
        subs = children.get(topic.pk, [])
        if not subs:
            choices.append((str(topic.pk), topic.name))
            continue
        group = [(str(sub.pk), sub.name) for sub in subs]
        group.append((str(topic.pk), gettext("Other %(topic)s") % {"topic": topic.name.lower()}))
        choices.append((topic.name, group))
    return choices


class AreaTreeForm(forms.Form):
    """The area picker: four dependent selects (provinsi > kota > kecamatan > kelurahan).

    Without JavaScript a "Show area choices" submit re-renders the form with the next
    level filled (templates/complaints/_area_selects.html); with it, static/js/area-select.js
    fills each level from /api/v1/areas/. The citizen form and the operators' quick entry
    both use it.
    """

    province = forms.ChoiceField(label=_("Province"), required=False)
    regency = forms.ChoiceField(label=_("Regency/city"), required=False)
    district = forms.ChoiceField(label=_("District (kecamatan)"), required=False)
    village = forms.ChoiceField(label=_("Village (kelurahan/desa)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas: dict[str, Area] = {}
        self._set_area_choices()

    def _set_area_choices(self) -> None:
        """Fill each level from the value chosen one level up (submitted or initial)."""
        source: Mapping[str, Any] = self.data if self.is_bound else self.initial
        parent_code: str | None = None
        for index, level in enumerate(AREA_LEVELS):
            field = self.fields[level]
            if index > 0 and parent_code is None:
                field.choices = [("", _("Choose the level above first"))]
                continue
            areas = list(area_children(parent_code))
            self._areas.update({a.code: a for a in areas})
            field.choices = [("", _("— choose —")), *((a.code, a.name) for a in areas)]
            field.error_messages["invalid_choice"] = _(
                "This area is not inside the one chosen above; please choose it again."
            )
            chosen = source.get(self.add_prefix(level) if self.is_bound else level) or ""
            parent_code = chosen if chosen in self._areas else None

    def chosen_area(self) -> Area | None:
        """The most specific area chosen, after cleaning."""
        for level in reversed(AREA_LEVELS):
            code = self.cleaned_data.get(level)
            if code:
                return self._areas[code]
        return None

    def area_fields(self) -> list[forms.BoundField]:
        return [self[level] for level in AREA_LEVELS]

    # What a "Show area choices" round trip carries over: values as typed, and the ticked
    # boxes (an unticked box sends nothing). Subclasses name their own fields.
    TYPED_FIELDS: tuple[str, ...] = AREA_LEVELS
    TICKED_FIELDS: tuple[str, ...] = ()

    def typed_initial(self) -> dict[str, Any]:
        """Initial values after "Show area choices": everything typed, stale areas dropped."""
        initial: dict[str, Any] = {name: self.data.get(name, "") for name in self.TYPED_FIELDS}
        initial.update({name: bool(self.data.get(name)) for name in self.TICKED_FIELDS})
        return self.initial_without_stale_areas(initial)

    def initial_without_stale_areas(self, initial: dict[str, Any]) -> dict[str, Any]:
        """`initial` with every level below the first no-longer-valid one emptied."""
        still_valid = True
        for level in AREA_LEVELS:
            codes = {code for code, _label in self.fields[level].choices if code}
            still_valid = still_valid and initial.get(level, "") in codes
            if not still_valid:
                initial[level] = ""
        return initial


class ComplaintForm(AreaTreeForm):
    """The citizen's complaint. Parsing only: the view calls complaint_create with the result."""

    field_order = ("text", "category", *AREA_LEVELS)

    text = forms.CharField(
        label=_("What is the problem?"),
        help_text=_("Say what happened, where exactly and since when."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": _("Please describe the problem.")},
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    report_type = forms.ChoiceField(
        label=_("Type of report"),
        choices=ReportType.choices,
        initial=ReportType.COMPLAINT,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "A complaint asks the agency to fix something; a suggestion proposes an "
            "improvement; an information request asks for public information."
        ),
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=255,
        help_text=_("For example: in front of SDN 3, near the mosque."),
    )
    latitude = coordinate_field(_("Latitude"), limit=90)
    longitude = coordinate_field(_("Longitude"), limit=180)
    photos = photos_field()
    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    phone = forms.CharField(
        label=_("Phone / WhatsApp"),
        required=False,
        max_length=32,
        help_text=_("With your phone number and the code you can find this complaint again."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        help_text=_("Your name and contact are hidden from the agency and the public."),
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Your report is hidden from the public; only its status is shown."),
    )

    # Fields whose typed value survives an area refresh (photos become pending uploads).
    TYPED_FIELDS = (
        "text",
        "category",
        "report_type",
        *AREA_LEVELS,
        "address",
        "latitude",
        "longitude",
        "name",
        "phone",
        "email",
    )
    TICKED_FIELDS = ("is_anonymous", "is_confidential")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(category_choices())
        self._categories = {str(c.pk): c for c in categories}
        self.fields["category"].choices = _category_optgroups(categories)
        self.processed_photos: list[ProcessedImage] = []
        # Photo problems found while refreshing the area choices (no other errors show then).
        self.photo_errors: list[str] = []
        self.kept_uploads: list[PendingUpload] = self._pending_from_data()

    def refresh_initial(self, *, new_pending: list[PendingUpload]) -> dict[str, Any]:
        """Initial values after "show area choices", the photos kept as pending uploads."""
        initial = self.typed_initial()
        initial["pending"] = [
            sign_pending(p.pk) for p in [*self.kept_after_removal(), *new_pending]
        ]
        return initial

    # Photos ----------------------------------------------------------------------------

    def _pending_from_data(self) -> list[PendingUpload]:
        values = self.data.getlist("pending") if self.is_bound else self.initial.get("pending", [])
        ids = [unsign_pending(v) for v in values]
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return []
        # Only ids that came back signed are looked up, so a citizen sees only their own.
        found = pending_uploads_by_ids(wanted)
        return [found[i] for i in dict.fromkeys(wanted) if i in found]

    def kept_items(self) -> list[tuple[PendingUpload, str]]:
        """Each kept photo with the signed value that carries it to the next submission."""
        return [(p, sign_pending(p.pk)) for p in self.kept_uploads]

    def _removed_ids(self) -> set[int | None]:
        if not self.is_bound:
            return set()
        return {unsign_pending(v) for v in self.data.getlist("remove_pending")}

    def kept_after_removal(self) -> list[PendingUpload]:
        removed = self._removed_ids()
        return [p for p in self.kept_uploads if p.pk not in removed]

    def process_photos(self) -> list[str]:
        """Check each new photo; keep the good ones in `processed_photos`, return the errors."""
        self.processed_photos, errors = check_photos(
            uploaded_files(self, "photos"), kept=len(self.kept_after_removal())
        )
        return errors

    def clean_photos(self) -> list[UploadedFile]:
        errors = self.process_photos()
        if errors:
            raise ValidationError(errors)
        return self.cleaned_data.get("photos") or []

    # Contact ---------------------------------------------------------------------------

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        has_lat = cleaned.get("latitude") is not None
        has_lon = cleaned.get("longitude") is not None
        if has_lat != has_lon:
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        cleaned["category"] = self._categories.get(cleaned.get("category") or "")
        cleaned["report_type"] = cleaned.get("report_type") or ReportType.COMPLAINT
        return cleaned
