"""Complaints that arrive through people and partner systems: the desk and the partner API.

Operators type hotline calls and walk-in visits (`desk_complaint_create`); partner systems
(LAPOR!, a kelurahan app) post JSON with an API key (`partner_complaint_submit`). Both
produce the same NormalizedMessage as every other channel and keep it in the inbox as an
InboundMessage, so the audit trail of "what came in, when, from whom" is one table for
every channel. See docs/channels/desk.md.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io
import json
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.images import ImageRejected, ProcessedImage, process_image
from complaints.lifecycle import Actor
from complaints.models import Area, Category, Channel, Complaint
from complaints.services import complaint_create, normalize_phone

from .models import InboundMessage, PartnerKey
from .normalized import NormalizedMessage
from .services import Outcome, TemporaryInboundError, inbound_process_with, inbound_store

logger = logging.getLogger(__name__)

State = InboundMessage.State
DESK_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# The desk: hotline and walk-in ---------------------------------------------------------


def desk_complaint_create(
    *,
    actor: Actor,
    channel: str,
    phone: str,
    name: str = "",
    text: str,
    area: Area | None = None,
    category: Category | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    address: str = "",
    is_anonymous: bool = False,
    is_confidential: bool = False,
    photos: Sequence[ProcessedImage] = (),
) -> Complaint:
    """An operator takes a complaint by phone or at the counter; the operator is recorded.

    The complaint and its inbox row commit together. The inbox row is already processed
    (the operator is the parser) and has no reply address on purpose: hotline and
    walk-in have no reply path of their own, so replies.reply_target falls back to an SMS
    to the reporter's phone.
    """
    if channel not in DESK_CHANNELS:
        raise ValidationError(_("Unknown channel “%s”.") % channel, code="channel")
    phone = normalize_phone(phone)
    name = (name or "").strip()
    normalized = NormalizedMessage(
        channel=channel,
        provider_message_id=uuid.uuid4().hex,
        sender_id=phone,
        sender_phone=phone,
        sender_name=name,
        message_type="text",
        text=(text or "").strip(),
        latitude=None if latitude is None else float(latitude),
        longitude=None if longitude is None else float(longitude),
        address=(address or "").strip(),
        timestamp=int(timezone.now().timestamp()),
    )
    record = {
        **dataclasses.asdict(normalized),
        "area": area.code if area else "",
        "category": category.slug if category else "",
        "is_anonymous": is_anonymous,
        "is_confidential": is_confidential,
        "photos": [{"name": p.original_name, "sha256": p.sha256, "size": p.size} for p in photos],
        "taken_by": actor.user.get_username() if actor.user else actor.kind,
    }
    with transaction.atomic():
        complaint = complaint_create(
            channel=channel,
            text=normalized.text,
            category=category,
            area=area,
            latitude=latitude,
            longitude=longitude,
            address=normalized.address,
            reporter_name=name,
            reporter_phone=phone,
            is_anonymous=is_anonymous,
            is_confidential=is_confidential,
            photos=photos,
            actor=actor,
        )
        InboundMessage.objects.create(
            channel=channel,
            provider_message_id=normalized.provider_message_id,
            sender_id=normalized.sender_id[:255],
            reply_address="",
            body=json.dumps(record, default=_json_default, ensure_ascii=False).encode(),
            headers={"taken_by": record["taken_by"]},
            state=State.PROCESSED,
            attempts=1,
            processed_at=timezone.now(),
            complaint=complaint,
        )
    return complaint


# Partner keys ----------------------------------------------------------------------------

KEY_PREFIX = "sgp_"
PREFIX_LENGTH = 12


def partner_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def partner_key_assign(partner: PartnerKey) -> str:
    """Give an unsaved key row a fresh secret; returns the plaintext (kept nowhere)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    partner.prefix = key[:PREFIX_LENGTH]
    partner.key_hash = partner_key_hash(key)
    return key


def partner_key_create(*, name: str) -> tuple[PartnerKey, str]:
    """A new key for `name`: the row and the plaintext, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the partner a name."))
    partner = PartnerKey(name=name[:100])
    key = partner_key_assign(partner)
    partner.save()
    return partner, key


def partner_key_lookup(key: str) -> PartnerKey | None:
    """The key's row, active or not, found by its hash (the database compares digests, so
    no time is spent comparing secret bytes); None for an unknown key."""
    if not key:
        return None
    return PartnerKey.objects.filter(key_hash=partner_key_hash(key)).first()


def partner_key_touch(partner: PartnerKey) -> None:
    PartnerKey.objects.filter(pk=partner.pk).update(last_used_at=timezone.now())


# The partner API -------------------------------------------------------------------------


def partner_message_id(*, partner: PartnerKey, external_id: str) -> str:
    """The inbox dedupe key: one complaint per partner and external id."""
    return f"{partner.pk}:{external_id}"


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


@dataclass(frozen=True)
class PartnerSubmission:
    """What the partner API answers: the complaint, or None while it waits for a retry."""

    message: InboundMessage
    complaint: Complaint | None
    created: bool  # a complaint was made by this request (201) rather than found (200)


def partner_complaint_submit(
    *,
    partner: PartnerKey,
    external_id: str,
    body: bytes,
    fields: dict[str, Any] | None = None,
) -> PartnerSubmission:
    """Store the partner's request first (committed), then make the complaint in-request.

    The same external id again finds the stored message and its complaint: a partner that
    retries after a timeout never makes a second complaint. A temporary failure leaves
    the message failed and hands it to a worker, which retries with backoff. `fields` are
    the view's validated fields of this body (photos already checked), which spare the
    first attempt parsing it again; a worker reads the stored body.
    """
    message, is_new = _partner_store(partner=partner, external_id=external_id, body=body)
    if message.state in (State.RECEIVED, State.FAILED):
        try:
            partner_inbound_process(message_id=message.pk, fields=fields)
        except TemporaryInboundError:
            _partner_enqueue(message.pk, countdown=10)
        message.refresh_from_db()
    complaint = (
        Complaint.objects.filter(pk=message.complaint_id).first() if message.complaint_id else None
    )
    return PartnerSubmission(
        message=message, complaint=complaint, created=is_new and bool(complaint)
    )


def _partner_store(
    *, partner: PartnerKey, external_id: str, body: bytes
) -> tuple[InboundMessage, bool]:
    """Commit the request first (the partner may retry it), processed in-request after."""
    message = NormalizedMessage(
        channel=Channel.API,
        provider_message_id=partner_message_id(partner=partner, external_id=external_id),
        # Partners poll for the status: there is no sender for the "api" channel, so
        # nothing is sent back (replies.reply_target).
        sender_id=f"partner:{partner.pk}",
    )
    return inbound_store(
        channel=Channel.API,
        message=message,
        body=body,
        headers={"partner": partner.name},
        enqueue=False,
    )


def _partner_enqueue(message_id: int, *, countdown: int = 0) -> None:
    """Hand a stored partner message to a worker; a dead broker is logged, not raised."""
    from .tasks import process_partner_inbound

    def send() -> None:
        try:
            process_partner_inbound.apply_async((message_id,), countdown=countdown, retry=False)
        except Exception:
            logger.exception("Could not enqueue partner message %s", message_id)

    transaction.on_commit(send)


def partner_inbound_process(*, message_id: int, fields: dict[str, Any] | None = None) -> Outcome:
    """Turn one stored partner message into its complaint; safe to run twice.

    The inbox's bookkeeping is services.inbound_process_with's; only the processing is
    this channel's own, because its payload carries more than a NormalizedMessage holds:
    category, area and the anonymity flags.
    """

    def process(message: InboundMessage) -> Outcome:
        message.complaint = _partner_complaint_create(message, fields=fields)
        message.state = State.PROCESSED
        return Outcome.PROCESSED

    return inbound_process_with(message_id=message_id, process=process)


def partner_normalized(*, message: InboundMessage, fields: dict[str, Any]) -> NormalizedMessage:
    """The partner's validated fields in the shape every channel produces."""
    reporter = fields.get("reporter") or {}
    return NormalizedMessage(
        channel=Channel.API,
        provider_message_id=message.provider_message_id,
        sender_id=message.sender_id,
        sender_phone=reporter.get("phone", ""),
        sender_email=reporter.get("email", ""),
        sender_name=reporter.get("name", ""),
        message_type="text",
        text=fields["text"],
        latitude=fields.get("latitude"),
        longitude=fields.get("longitude"),
        address=fields.get("address", ""),
    )


def _partner_complaint_create(
    message: InboundMessage, *, fields: dict[str, Any] | None = None
) -> Complaint:
    """Make the complaint from the stored body, read again exactly as the partner sent it."""
    if fields is None:
        fields = partner_fields(bytes(message.body))
    normalized = partner_normalized(message=message, fields=fields)
    return complaint_create(
        channel=Channel.API,
        text=normalized.text,
        category=fields.get("category"),
        area=fields.get("area_code"),
        latitude=normalized.latitude,
        longitude=normalized.longitude,
        address=normalized.address,
        reporter_name=normalized.sender_name,
        reporter_phone=normalized.sender_phone,
        reporter_email=normalized.sender_email,
        is_anonymous=fields["is_anonymous"],
        is_confidential=fields["is_confidential"],
        photos=fields.get("photos", []),
        report_type=fields.get("report_type") or "pengaduan",
    )


def partner_fields(body: bytes) -> dict[str, Any]:
    """The validated fields of a stored partner body (photos decoded and re-encoded)."""
    from .api.serializers import PartnerComplaintInputSerializer

    data = PartnerComplaintInputSerializer(data=json.loads(body))
    if not data.is_valid():
        # The view validated this very body; only a change since (a category retired)
        # gets here, and that needs a person, not a retry.
        raise ValueError(f"The stored body no longer validates: {data.errors}")
    return dict(data.validated_data)


def partner_message_find(*, partner: PartnerKey, external_id: str) -> InboundMessage | None:
    """The stored message for `external_id` of this partner only (another's is invisible)."""
    return (
        InboundMessage.objects.select_related("complaint__agency")
        .filter(
            channel=Channel.API,
            provider_message_id=partner_message_id(partner=partner, external_id=external_id),
        )
        .first()
    )
