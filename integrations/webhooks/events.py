"""Which complaint changes become which webhook events, and their stored deliveries.

Registered on the core's after-commit hooks (integrations.apps): a created complaint is
`complaint.created`; a transition is `complaint.status_changed` when the status moved,
`complaint.routed` when it gave the complaint an agency (route, assign, forward,
reassign), and `complaint.closed` when it reached closed. Each (subscription, event)
is stored once (its dedupe key), so a hook that runs twice sends nothing twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from complaints.lifecycle import TRANSITIONS
from complaints.models import Complaint, ComplaintEvent, Status

from ..delivery import delivery_store
from ..models import Delivery, WebhookEvent, WebhookSubscription
from ..payloads import complaint_payload, may_share
from ..public import public_text


def _complaint(complaint_id: int) -> Complaint | None:
    return (
        Complaint.objects.select_related("category", "area", "agency", "reporter")
        .filter(pk=complaint_id)
        .first()
    )


def _subscribers(event_type: str) -> list[WebhookSubscription]:
    return [s for s in WebhookSubscription.objects.filter(is_active=True) if event_type in s.events]


def _store(
    *, event_type: str, complaint: Complaint, key: str, extra: dict[str, Any] | None = None
) -> int:
    stored = 0
    for subscription in _subscribers(event_type):
        personal = subscription.include_personal_data
        if not may_share(complaint, personal=personal):
            continue
        data = complaint_payload(complaint, personal=personal)
        if extra:
            data.update(extra.get("personal" if personal else "public", {}))
        payload = {
            "type": event_type,
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "id": str(uuid.uuid4()),
            "data": data,
        }
        if delivery_store(
            kind=Delivery.Kind.WEBHOOK,
            dedupe_key=f"webhook:{subscription.pk}:{event_type}:{key}",
            event_type=event_type,
            payload=payload,
            complaint=complaint,
            subscription=subscription,
        ):
            stored += 1
    return stored


def on_complaint_created(*, complaint_id: int, **_: Any) -> int:
    complaint = _complaint(complaint_id)
    if complaint is None:
        return 0
    return _store(event_type=WebhookEvent.CREATED, complaint=complaint, key=str(complaint.pk))


def transition_events(event: ComplaintEvent) -> list[str]:
    found = []
    transition = TRANSITIONS.get(event.action)
    if transition is not None and transition.sets_agency and event.agency_id:
        found.append(WebhookEvent.ROUTED)
    if event.to_status and event.from_status != event.to_status:
        found.append(WebhookEvent.STATUS_CHANGED)
        if event.to_status == Status.CLOSED:
            found.append(WebhookEvent.CLOSED)
    return found


def on_complaint_transitioned(*, complaint_id: int, event_id: int, **_: Any) -> int:
    event = ComplaintEvent.objects.filter(pk=event_id).first()
    complaint = _complaint(complaint_id)
    if event is None or complaint is None:
        return 0
    change = {
        "action": event.action,
        "previous_status": event.from_status,
        "event_at": event.created_at.isoformat(),
    }
    extra = {
        "public": {**change, "note": public_text(event.note) if event.is_public else ""},
        "personal": {**change, "note": event.note},
    }
    return sum(
        _store(event_type=t, complaint=complaint, key=f"e{event.pk}", extra=extra)
        for t in transition_events(event)
    )
