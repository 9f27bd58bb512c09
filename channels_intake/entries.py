"""Typed entries: complaints a person or a partner system types field by field.

The web form, the public API, the operators' desk (hotline and walk-in) and the partner
API carry more than a chat message (a category, an area, anonymity flags, photos), so
they are stored as an `Entry`: the inbox keeps a JSON record of it as the message's body
and the first handler (handlers.typed_entry) makes the complaint exactly as typed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from complaints.images import ImageRejected, ProcessedImage, process_image
from complaints.lifecycle import Actor
from complaints.models import Area, Category, Complaint, PendingUpload, ReportType
from complaints.services import complaint_create

from .models import InboundMessage
from .normalized import NormalizedMessage

# InboundMessage.provider of the entries that no provider delivers.
WEB, API, DESK, PARTNER = "web", "api", "desk", "partner"
# The partner's validated fields, kept beside the raw body it sent (photos stay there).
FIELDS_HEADER = "X-Sigap-Fields"


@dataclass(frozen=True)
class Entry:
    """A complaint as typed: complaint_create's arguments, validated by the entry's form."""

    channel: str
    text: str
    category: Category | None = None
    area: Area | None = None
    latitude: Decimal | float | None = None
    longitude: Decimal | float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False
    report_type: str = ReportType.COMPLAINT
    photos: Sequence[ProcessedImage] = ()
    pending_uploads: Sequence[PendingUpload] = ()
    actor: Actor | None = None

    def normalized(self, *, provider_message_id: str, sender_id: str = "") -> NormalizedMessage:
        """The entry in the shape every channel produces (what the inbox row records)."""
        return NormalizedMessage(
            channel=self.channel,
            provider_message_id=provider_message_id,
            sender_id=sender_id,
            sender_phone=self.reporter_phone,
            sender_email=self.reporter_email,
            sender_name=self.reporter_name,
            message_type="text",
            text=self.text,
            latitude=None if self.latitude is None else float(self.latitude),
            longitude=None if self.longitude is None else float(self.longitude),
            address=self.address,
        )

    def record(self, normalized: NormalizedMessage) -> dict[str, Any]:
        """What the inbox keeps of it: the normalized message, the typed fields by code,
        photos by checksum."""
        return {
            **dataclasses.asdict(normalized),
            "area": self.area.code if self.area else "",
            "category": self.category.slug if self.category else "",
            "is_anonymous": self.is_anonymous,
            "is_confidential": self.is_confidential,
            "report_type": self.report_type,
            "photos": [
                {"name": p.original_name, "sha256": p.sha256, "size": p.size} for p in self.photos
            ],
        }


def entry_complaint_create(entry: Entry) -> Complaint:
    return complaint_create(
        channel=entry.channel,
        text=entry.text,
        category=entry.category,
        area=entry.area,
        latitude=entry.latitude,
        longitude=entry.longitude,
        address=entry.address,
        reporter_name=entry.reporter_name,
        reporter_phone=entry.reporter_phone,
        reporter_email=entry.reporter_email,
        is_anonymous=entry.is_anonymous,
        is_confidential=entry.is_confidential,
        photos=entry.photos,
        pending_uploads=entry.pending_uploads,
        actor=entry.actor,
        report_type=entry.report_type,
    )


def entry_body(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode()


# The partner API ------------------------------------------------------------------------


def partner_entry(*, channel: str, fields: Mapping[str, Any]) -> Entry:
    """The partner's validated fields (the API's serializer) as an Entry."""
    reporter = fields.get("reporter") or {}
    return Entry(
        channel=channel,
        text=fields["text"],
        category=fields.get("category"),
        area=fields.get("area_code"),
        latitude=fields.get("latitude"),
        longitude=fields.get("longitude"),
        address=fields.get("address", ""),
        reporter_name=reporter.get("name", ""),
        reporter_phone=reporter.get("phone", ""),
        reporter_email=reporter.get("email", ""),
        is_anonymous=fields["is_anonymous"],
        is_confidential=fields["is_confidential"],
        photos=fields.get("photos", []),
        report_type=fields.get("report_type") or ReportType.COMPLAINT,
    )


def stored_partner_entry(message: InboundMessage) -> Entry:
    """A stored partner request read again by a worker: the fields the API validated, the
    photos decoded again from the body exactly as the partner sent it.

    A category retired or an area removed since needs a person, not a retry: ValueError.
    """
    record = (message.headers or {}).get(FIELDS_HEADER)
    if not isinstance(record, dict):
        raise ValueError("The stored partner request has no validated fields; file it again.")
    fields: dict[str, Any] = dict(record)
    if record.get("category"):
        fields["category"] = Category.objects.filter(
            slug=record["category"], is_active=True
        ).first()
        if fields["category"] is None:
            raise ValueError(f"The stored body no longer validates: {record['category']!r}")
    else:
        fields["category"] = None
    if record.get("area_code"):
        fields["area_code"] = Area.objects.filter(code=record["area_code"]).first()
        if fields["area_code"] is None:
            raise ValueError(f"The stored body no longer validates: {record['area_code']!r}")
    else:
        fields["area_code"] = None
    body = json.loads(bytes(message.body))
    fields["photos"] = decode_photos(body.get("photos") or [])
    return partner_entry(channel=message.channel, fields=fields)


def partner_fields_record(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The validated fields as JSON, references by code (photos stay in the raw body)."""
    category, area = fields.get("category"), fields.get("area_code")
    return {
        "text": fields["text"],
        "category": category.slug if category else "",
        "area_code": area.code if area else "",
        "latitude": fields.get("latitude"),
        "longitude": fields.get("longitude"),
        "address": fields.get("address", ""),
        "reporter": dict(fields.get("reporter") or {}),
        "is_anonymous": fields["is_anonymous"],
        "is_confidential": fields["is_confidential"],
        "report_type": fields.get("report_type") or ReportType.COMPLAINT,
    }


class PhotosRejected(ValueError):
    """Some base64 photos are unusable; `errors` maps each bad one's index to why."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


def decode_photos(encoded: Sequence[str]) -> list[ProcessedImage]:
    """Base64 photos checked and re-encoded (no EXIF), or PhotosRejected naming the bad ones."""
    processed: list[ProcessedImage] = []
    errors: dict[str, list[str]] = {}
    for index, value in enumerate(encoded):
        label = _("Photo %(number)d") % {"number": index + 1}
        # A data URL ("data:image/jpeg;base64,...") is accepted as well as the bare base64.
        payload = value.split(",", 1)[1] if value.startswith("data:") else value
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            errors[str(index)] = [_("%(name)s is not valid base64.") % {"name": label}]
            continue
        try:
            processed.append(process_image(io.BytesIO(raw), name=label, size=len(raw)))
        except ImageRejected as exc:
            errors[str(index)] = [str(exc)]
    if errors:
        raise PhotosRejected(errors)
    return processed
