"""Which complaint changes become which webhook events, and their stored deliveries.

Registered on the core's after-commit hooks (integrations.apps): a created complaint is
`complaint.created`; a transition is `complaint.status_changed` when the status moved,
`complaint.routed` when it gave the complaint an agency (route, assign, forward,
reassign), and `complaint.closed` when it reached closed. Each (subscription, event)
is stored once (its dedupe key), so a hook that runs twice sends nothing twice; each
subscription's cursor over the timeline (`synced_event_id`) lets the beat's sweep find
the events whose hook was lost.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints.lifecycle import TRANSITIONS
from complaints.models import Complaint, ComplaintEvent, Status

from ..delivery import delivery_store
from ..models import Delivery, WebhookEvent, WebhookSubscription
from ..payloads import complaint_payload, may_share
from ..public import public_text


def _store_one(
    *,
    subscription: WebhookSubscription,
    event_type: str,
    complaint: Complaint,
    key: str,
    extra: dict[str, Any] | None,
) -> int:
    personal = subscription.include_personal_data
    if not may_share(complaint, personal=personal):
        return 0
    data = complaint_payload(complaint, personal=personal)
    if extra:
        data.update(extra.get("personal" if personal else "public", {}))
    payload = {
        "type": event_type,
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "id": str(uuid.uuid4()),
        "data": data,
    }
    stored = delivery_store(
        kind=Delivery.Kind.WEBHOOK,
        dedupe_key=f"webhook:{subscription.pk}:{event_type}:{key}",
        event_type=event_type,
        payload=payload,
        complaint=complaint,
        subscription=subscription,
    )
    return 1 if stored else 0


def transition_events(event: ComplaintEvent) -> list[str]:
    if event.kind == ComplaintEvent.Kind.CREATED:
        return [WebhookEvent.CREATED]
    found = []
    transition = TRANSITIONS.get(event.action)
    if transition is not None and transition.sets_agency and event.agency_id:
        found.append(WebhookEvent.ROUTED)
    if event.to_status and event.from_status != event.to_status:
        found.append(WebhookEvent.STATUS_CHANGED)
        if event.to_status == Status.CLOSED:
            found.append(WebhookEvent.CLOSED)
    return found


def _extra(event: ComplaintEvent) -> dict[str, Any] | None:
    if event.kind == ComplaintEvent.Kind.CREATED:
        return None
    change = {
        "action": event.action,
        "previous_status": event.from_status,
        "event_at": event.created_at.isoformat(),
    }
    return {
        "public": {**change, "note": public_text(event.note) if event.is_public else ""},
        "personal": {**change, "note": event.note},
    }


def webhooks_sync(*, limit: int = 500) -> int:
    """Store the deliveries of every timeline event after each subscription's cursor.

    The hooks call it at once; the beat's sweep calls it too, so an event whose hook was
    lost (a crash between the commit and the hook) is still delivered.
    """
    stored = 0
    for subscription_id in WebhookSubscription.objects.filter(is_active=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
            events = list(
                ComplaintEvent.objects.filter(pk__gt=subscription.synced_event_id)
                .select_related("complaint__category", "complaint__area", "complaint__agency")
                .select_related("complaint__reporter")
                .order_by("pk")[:limit]
            )
            for event in events:
                key = str(event.complaint_id) if event.kind == "created" else f"e{event.pk}"
                for event_type in transition_events(event):
                    if event_type in subscription.events:
                        stored += _store_one(
                            subscription=subscription,
                            event_type=event_type,
                            complaint=event.complaint,
                            key=key,
                            extra=_extra(event),
                        )
            if events:
                WebhookSubscription.objects.filter(pk=subscription.pk).update(
                    synced_event_id=events[-1].pk
                )
    return stored


def on_complaint_created(**_: Any) -> int:
    return webhooks_sync()


def on_complaint_transitioned(**_: Any) -> int:
    return webhooks_sync()
