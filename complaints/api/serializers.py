"""API v1 serializers: input serializers parse requests, output serializers shape answers.

Field names here are a contract that other systems code against; add, never rename.
Help texts document the API for developers and stay in English; the messages a caller
may pass on to a citizen (validation errors) are translated.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.lifecycle import Colour, event_actor_text, status_colour
from complaints.models import (
    Area,
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Priority,
    ReportType,
    Status,
)
from complaints.selectors import PublicComplaint, can_see_reporter
from complaints.services import normalize_phone

# Confidential (rahasia) complaints show the public their progress only, as the tracking
# page does: these keys are left out. The title goes too because it is cut from the text.
CONFIDENTIAL_PUBLIC_FIELDS = ("title", "text", "category", "area", "address", "photos")


def public_url(path: str) -> str:
    """`path` on the public site, absolute, so API clients can hand it to citizens as is."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.PUBLIC_BASE_URL}{path}"


def tracking_url(public_token: str) -> str:
    """The citizen's tracking page for a complaint (its unguessable link)."""
    return public_url(reverse("complaints:track", args=[public_token]))


# Input ------------------------------------------------------------------------------------


class StrictStringsMixin:
    """Text fields take JSON strings only: DRF would quietly turn 0 or true into "0" or
    "True", accepting a body the published schema says is invalid."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            errors = {
                name: [_("Not a valid string.")]
                for name, field in self.fields.items()  # type: ignore[attr-defined]
                if isinstance(field, serializers.CharField)
                and data.get(name) is not None
                and not isinstance(data.get(name), str)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class ReporterInputSerializer(StrictStringsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Indonesian numbers may start with 0, 62 or +62.",
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class BaseComplaintInputSerializer(StrictStringsMixin, serializers.Serializer):
    """What a new complaint says, shared by the public API and the partner API.

    Each subclass adds its own flags: the two APIs named them differently and both names
    are published, so they stay.
    """

    text = serializers.CharField(max_length=5000, help_text="What is wrong, and where.")
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="A category slug from /api/v1/categories/. Leave out if unsure.",
        error_messages={"does_not_exist": _("Unknown category “{value}”.")},
    )
    area_code = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.all(),
        required=False,
        allow_null=True,
        help_text="Official area code from /api/v1/areas/, e.g. 32.73.01.1001.",
        error_messages={"does_not_exist": _("Unknown area code “{value}”.")},
    )
    latitude = serializers.FloatField(
        min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    reporter = ReporterInputSerializer(required=False, allow_null=True)
    report_type = serializers.ChoiceField(
        choices=ReportType.choices,
        default=ReportType.COMPLAINT,
        help_text="SP4N-LAPOR!'s report type: pengaduan (complaint, the default), aspirasi "
        "(suggestion) or informasi (information request, answered within 10 working days).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        latitude, longitude = attrs.get("latitude"), attrs.get("longitude")
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            raise serializers.ValidationError(
                {missing: [_("Give both latitude and longitude, or neither.")]}
            )
        return attrs


ANONYMOUS_HELP = "Hide who reported from the agency and the public."
CONFIDENTIAL_HELP = "Hide the report itself from the public tracking page."


class ComplaintCreateInputSerializer(BaseComplaintInputSerializer):
    anonymous = serializers.BooleanField(default=False, help_text=ANONYMOUS_HELP)
    confidential = serializers.BooleanField(default=False, help_text=CONFIDENTIAL_HELP)


# Output: public ---------------------------------------------------------------------------


class ComplaintCreatedOutputSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    public_token = serializers.CharField()
    tracking_url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.choices)
    colour = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_tracking_url(self, obj: Complaint) -> str:
        return tracking_url(obj.public_token)

    def get_colour(self, obj: Complaint) -> Colour:
        return status_colour(obj.status)


class CategoryOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    parent = serializers.CharField(
        source="parent.slug", allow_null=True, help_text="The topic's slug; null for a topic."
    )
    description = serializers.CharField()
    response_hours = serializers.IntegerField()
    resolution_hours = serializers.IntegerField()


class AreaOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(
        choices=Area.Level.choices,
        help_text="1 province, 2 regency/city, 3 district, 4 village.",
    )


class PublicEventOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()
    status = serializers.CharField(help_text="The status after this event.")
    colour = serializers.CharField()


class PublicPhotoOutputSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)

    def get_url(self, obj: Any) -> str:
        return public_url(obj.url)

    def get_thumbnail_url(self, obj: Any) -> str:
        return public_url(obj.thumbnail_url)


class PublicComplaintOutputSerializer(serializers.Serializer):
    """The tracking page's data. Never anything about the reporter.

    The view must pass `is_confidential` in the context; a missing value is an error, not
    a silent "public".
    """

    tracking_code = serializers.CharField()
    title = serializers.CharField(required=False, help_text="Left out when confidential.")
    text = serializers.CharField(required=False, help_text="Left out when confidential.")
    category = serializers.CharField(required=False, help_text="Left out when confidential.")
    area = serializers.CharField(required=False, help_text="Left out when confidential.")
    address = serializers.CharField(required=False, help_text="Left out when confidential.")
    channel = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    colour = serializers.CharField()
    agency = serializers.CharField(help_text="The agency holding the complaint, if any.")
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    timeline = PublicEventOutputSerializer(many=True)
    photos = PublicPhotoOutputSerializer(
        many=True, required=False, help_text="Left out when confidential."
    )
    merged_into = serializers.CharField(
        help_text="The tracking code of the complaint this one was merged with (blank if "
        "none); status, agency, deadline and timeline are then that complaint's."
    )

    def to_representation(self, instance: PublicComplaint) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context["is_confidential"]:
            for name in CONFIDENTIAL_PUBLIC_FIELDS:
                data.pop(name, None)
        return data


# Output: staff ----------------------------------------------------------------------------


class CategoryRefOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(source="__str__")


class AreaRefOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AgencyRefOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ReporterOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class ComplaintStaffOutputSerializer(serializers.Serializer):
    """A complaint as staff see it; the reporter only where the viewer may see them."""

    tracking_code = serializers.CharField()
    tracking_url = serializers.SerializerMethodField()
    title = serializers.CharField()
    text = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    colour = serializers.SerializerMethodField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = CategoryRefOutputSerializer(allow_null=True)
    area = AreaRefOutputSerializer(allow_null=True)
    agency = AgencyRefOutputSerializer(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    address = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    anonymous = serializers.BooleanField(source="is_anonymous")
    confidential = serializers.BooleanField(source="is_confidential")
    reporter = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_tracking_url(self, obj: Complaint) -> str:
        return tracking_url(obj.public_token)

    def get_colour(self, obj: Complaint) -> Colour:
        return status_colour(obj.status)

    @extend_schema_field(ReporterOutputSerializer(allow_null=True))
    def get_reporter(self, obj: Complaint) -> dict[str, Any] | None:
        user = self.context["request"].user
        if obj.reporter is None or not can_see_reporter(user=user, complaint=obj):
            return None
        return ReporterOutputSerializer(obj.reporter).data


class StaffEventOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    action = serializers.CharField()
    actor = serializers.SerializerMethodField()
    agency = serializers.CharField(source="agency.name", allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    public = serializers.BooleanField(source="is_public")

    def get_actor(self, obj: ComplaintEvent) -> str:
        return event_actor_text(obj)


class StaffPhotoOutputSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, obj: Attachment) -> str:
        return public_url(obj.file.url)

    def get_thumbnail_url(self, obj: Attachment) -> str:
        return public_url(obj.thumbnail.url)


class ComplaintStaffDetailOutputSerializer(ComplaintStaffOutputSerializer):
    """One complaint with its full timeline (internal notes included) and every photo."""

    events = StaffEventOutputSerializer(many=True)
    photos = StaffPhotoOutputSerializer(many=True, source="attachments.all")
