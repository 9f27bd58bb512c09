"""Partner API serializers: the input a partner posts and the answer it gets.

Field names are a contract partners code against; add, never rename. No reporter data is
ever in an answer: a partner may have filed an anonymous complaint, and the answer of a
status lookup may travel further than the request did.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.api.serializers import (
    ANONYMOUS_HELP,
    CONFIDENTIAL_HELP,
    BaseComplaintInputSerializer,
)
from complaints.images import ProcessedImage
from complaints.models import Status

from ..entries import PhotosRejected, decode_photos

EXTERNAL_ID_MAX = 100


class PartnerComplaintInputSerializer(BaseComplaintInputSerializer):
    external_id = serializers.RegexField(
        r"^[\w.:@-]+$",
        max_length=EXTERNAL_ID_MAX,
        help_text="Your own id of this complaint (letters, digits and . : @ - _). "
        "Sending the same id again returns the complaint made the first time.",
        error_messages={"invalid": _("Use only letters, digits and . : @ - _.")},
    )
    is_anonymous = serializers.BooleanField(default=False, help_text=ANONYMOUS_HELP)
    is_confidential = serializers.BooleanField(default=False, help_text=CONFIDENTIAL_HELP)
    photos = serializers.ListField(
        child=serializers.CharField(trim_whitespace=True),
        required=False,
        default=list,
        help_text="Up to UPLOAD_MAX_PHOTOS (5) pictures, each as base64 (or a data: URL). "
        "JPEG, PNG, WebP or GIF; re-encoded without EXIF. The whole request body is "
        "limited to 5 MB.",
    )

    def validate_photos(self, value: list[str]) -> list[ProcessedImage]:
        limit = settings.UPLOAD_MAX_PHOTOS
        if len(value) > limit:
            raise serializers.ValidationError(
                _("You can attach at most %(limit)d photos; please choose fewer.")
                % {"limit": limit}
            )
        try:
            return decode_photos(value)
        except PhotosRejected as exc:
            raise serializers.ValidationError(exc.errors) from None


class PartnerComplaintOutputSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    tracking_code = serializers.CharField(
        allow_null=True, help_text="Null while the complaint waits for a retry (202)."
    )
    public_url = serializers.CharField(
        allow_null=True, help_text="The citizen's tracking page; safe to pass on."
    )
    # A plain string, not an enum: the complaint statuses plus "queued" would collide in
    # the schema with the Status enum the other endpoints publish.
    status = serializers.CharField(
        help_text="The complaint's status (" + ", ".join(Status.values) + "), or `queued` "
        "while it waits for a worker."
    )
    colour = serializers.CharField(allow_null=True, help_text="red, yellow, green or grey.")
    agency = serializers.CharField(allow_null=True, help_text="The agency holding it, if any.")
    updated_at = serializers.DateTimeField(allow_null=True)
