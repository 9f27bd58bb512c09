"""Complaints that arrive through people and partner systems: the desk and the partner API.

Operators type hotline calls and walk-in visits (`desk_complaint_create`); partner systems
(LAPOR!, a kelurahan app) post JSON with an API key (`partner_complaint_submit`). Both
produce the same NormalizedMessage as every other channel and keep it in the inbox as an
InboundMessage, so the audit trail of "what came in, when, from whom" is one table for
every channel. See docs/channels/desk.md.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.images import ProcessedImage
from complaints.lifecycle import Actor
from complaints.models import Area, Category, Channel, Complaint
from complaints.services import normalize_phone

from .entries import (
    DESK,
    FIELDS_HEADER,
    PARTNER,
    Entry,
    partner_entry,
    partner_fields_record,
)
from .inbox import TemporaryInboundError, inbound_enqueue, inbound_store
from .models import InboundMessage, PartnerKey
from .normalized import NormalizedMessage
from .services import entry_submit, inbound_process

State = InboundMessage.State
DESK_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN)


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

    The complaint and its inbox row commit together (services.entry_submit). The row is
    processed at once (the operator is the parser) and has no reply address on purpose:
    hotline and walk-in have no reply path of their own, so replies.reply_target falls
    back to an SMS to the reporter's phone.
    """
    if channel not in DESK_CHANNELS:
        raise ValidationError(_("Unknown channel “%s”.") % channel, code="channel")
    phone = normalize_phone(phone)
    taken_by = actor.user.get_username() if actor.user else actor.kind
    entry = Entry(
        channel=channel,
        text=(text or "").strip(),
        category=category,
        area=area,
        latitude=latitude,
        longitude=longitude,
        address=(address or "").strip(),
        reporter_name=(name or "").strip(),
        reporter_phone=phone,
        is_anonymous=is_anonymous,
        is_confidential=is_confidential,
        photos=photos,
        actor=actor,
    )
    return entry_submit(
        entry=entry,
        provider=DESK,
        sender_id=phone,
        headers={"taken_by": taken_by},
        record={"taken_by": taken_by},
    )


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
    fields: dict[str, Any],
) -> PartnerSubmission:
    """Store the partner's request first (committed), then make the complaint in-request.

    The same external id again finds the stored message and its complaint: a partner that
    retries after a timeout never makes a second complaint. A temporary failure leaves
    the message failed and hands it to a worker, which retries with backoff. `fields` are
    the caller's validated fields of this body (photos already checked): kept with the
    raw body, they are what a worker reads again (channels_intake.entries).
    """
    message, is_new = _partner_store(
        partner=partner, external_id=external_id, body=body, fields=fields
    )
    if message.state in (State.RECEIVED, State.FAILED):
        try:
            inbound_process(
                message_id=message.pk,
                entry=partner_entry(channel=Channel.API, fields=fields),
            )
        except TemporaryInboundError:
            transaction.on_commit(lambda: inbound_enqueue(message_id=message.pk, countdown=10))
        message.refresh_from_db()
    complaint = (
        Complaint.objects.filter(pk=message.complaint_id).first() if message.complaint_id else None
    )
    return PartnerSubmission(
        message=message, complaint=complaint, created=is_new and bool(complaint)
    )


def _partner_store(
    *, partner: PartnerKey, external_id: str, body: bytes, fields: dict[str, Any]
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
        provider=PARTNER,
        message=message,
        body=body,
        headers={"partner": partner.name, FIELDS_HEADER: partner_fields_record(fields)},
        enqueue=False,
    )


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
