"""Writes for the Open311 server: a new request and a client's update.

A posted request goes through the partner intake (channels_intake.desk): the body is
stored in the inbox first, the complaint is made from it, and the worker routes it like
every other channel's. The Open311 `api_key` is a partner key.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from channels_intake.api.serializers import PartnerComplaintInputSerializer
from channels_intake.desk import (
    partner_complaint_submit,
    partner_key_lookup,
    partner_key_touch,
)
from channels_intake.limits import partner_rate_wait
from channels_intake.models import PartnerKey, PartnerScope
from complaints.lifecycle import SYSTEM_ACTOR
from complaints.models import Complaint, ComplaintEvent
from complaints.services import complaint_add_note

from .attributes import attribute_fields
from .media import media_url_problem, media_url_register

DESCRIPTION_MAX = 4000
EXTERNAL_PREFIX = "open311-"


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.code = status
        self.descriptions = descriptions
        self.retry_after = retry_after


def partner_for(api_key: str) -> PartnerKey:
    """The key's partner, allowed to post Open311 requests now; 403 or 429 otherwise."""
    partner = partner_key_lookup(api_key or "")
    if partner is None or not partner.is_active:
        raise Open311Error(403, _("The api_key is missing, unknown or disabled."))
    if not partner.has_scope(PartnerScope.OPEN311_WRITE):
        raise Open311Error(403, _("This api_key may not post Open311 requests."))
    wait = partner_rate_wait(partner)
    if wait is not None:
        raise Open311Error(
            429, _("Too many requests with this api_key; retry later."), retry_after=wait
        )
    partner_key_touch(partner)
    return partner


@dataclass(frozen=True)
class PostedRequest:
    token: str
    complaint: Complaint | None


def _flatten_errors(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out: list[str] = []
        for key, value in errors.items():
            out += _flatten_errors(value, f"{prefix}{key}: " if key != "non_field_errors" else "")
        return out
    if isinstance(errors, list):
        return [m for e in errors for m in _flatten_errors(e, prefix)]
    return [f"{prefix}{errors}"]


NAMES = {"latitude": "lat", "longitude": "long", "text": "description", "area_code": "address_id"}


def request_post(
    *,
    partner: PartnerKey,
    form: dict[str, str],
    attributes: dict[str, list[str]],
    media: bytes | None = None,
) -> PostedRequest:
    """Validate an Open311 POST and hand it to the partner intake; 400s as Open311Error."""
    errors: list[str] = []
    service_code = (form.get("service_code") or "").strip()
    if not service_code:
        errors.append(_("service_code is required."))
    has_point = bool(form.get("lat")) and bool(form.get("long"))
    if not (has_point or form.get("address_string") or form.get("address_id")):
        errors.append(_("Give a location: lat and long, address_string or address_id."))
    description = (form.get("description") or "").strip()
    if not description:
        errors.append(_("description is required."))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(
            _("description is longer than %(max)d characters.") % {"max": DESCRIPTION_MAX}
        )
    media_url = (form.get("media_url") or "").strip()
    if media_url:
        problem = media_url_problem(media_url)
        if problem:
            errors.append(problem)
    extra, attribute_errors = attribute_fields(attributes)
    errors += attribute_errors
    if errors:
        raise Open311Error(400, *errors)

    token = uuid.uuid4().hex
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p).strip()
    reporter = {
        k: v
        for k, v in {
            "name": name[:120],
            "phone": (form.get("phone") or "").strip(),
            "email": (form.get("email") or "").strip(),
        }.items()
        if v
    }
    body: dict[str, Any] = {
        "external_id": EXTERNAL_PREFIX + token,
        "text": description,
        "category": service_code,
        "address": (form.get("address_string") or "").strip()[:255],
        "is_anonymous": False,
        "is_confidential": False,
        "photos": [base64.b64encode(media).decode()] if media else [],
        "open311": {
            "media_url": media_url,
            "device_id": form.get("device_id", ""),
            "account_id": form.get("account_id", ""),
            "attributes": attributes,
        },
        **extra,
    }
    if has_point:
        body["latitude"], body["longitude"] = form.get("lat"), form.get("long")
    if form.get("address_id"):
        body["area_code"] = form["address_id"].strip()
    if reporter:
        body["reporter"] = reporter
    data = PartnerComplaintInputSerializer(data=body)
    if not data.is_valid():
        messages = _flatten_errors(
            {NAMES.get(k, k): v for k, v in data.errors.items()}  # spec names
        )
        raise Open311Error(400, *messages)
    raw = json.dumps(body, ensure_ascii=False).encode()
    result = partner_complaint_submit(
        partner=partner, external_id=body["external_id"], body=raw, fields=dict(data.validated_data)
    )
    if media_url:
        # Fetched by a worker (it waits for the complaint if the request was queued).
        media_url_register(message_id=result.message.pk, url=media_url)
    return PostedRequest(token=token, complaint=result.complaint)


def token_complaint(token: str) -> tuple[bool, Complaint | None]:
    """(known token, its complaint or None while it waits for a worker)."""
    from channels_intake.models import InboundMessage

    if not token or len(token) > 64:
        return False, None
    message = (
        InboundMessage.objects.filter(provider_message_id__endswith=":" + EXTERNAL_PREFIX + token)
        .select_related("complaint")
        .first()
    )
    if message is None:
        return False, None
    complaint = message.complaint
    if complaint is not None and complaint.is_confidential:
        return True, None
    return True, complaint


def update_post(
    *, partner: PartnerKey, complaint: Complaint, form: dict[str, str]
) -> ComplaintEvent:
    """A client's comment on a request (mySociety servicerequestupdates POST).

    It becomes an internal note naming the partner: the agency reads it; it changes no
    status (only the lifecycle's actors do that), and the public does not see it, since
    what a FixMyStreet user typed is not checked for personal data.
    """
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(
            400, _("description is longer than %(max)d characters.") % {"max": DESCRIPTION_MAX}
        )
    status = (form.get("status") or "").strip().upper()
    note = f"[Open311 · {partner.name}] {description}"
    if status:
        note += f" ({status})"
    return complaint_add_note(complaint=complaint, actor=SYSTEM_ACTOR, note=note, is_public=False)
