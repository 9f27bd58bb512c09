"""The SP4N-LAPOR! bridge: reports in through the partner intake, updates back through
the delivery table, forwards out; see docs/lapor.md.

In: each report LAPOR! dispositioned to this city is filed through the partner intake
(channels_intake.desk.partner_complaint_submit) under the LAPOR! partner key, with its
LAPOR! tracking id as the external id: stored first, made once however often it is
fetched, routed by the worker like any complaint. A LaporLink keeps the mapping.

Back: every public timeline event of a linked complaint (status changes, follow-up
notes, closure) becomes one Delivery, keyed by the LAPOR! id and the event, and found by
scanning the timeline after the link's `synced_event_id`, so nothing depends on a hook
having run: the beat's scan finds whatever a lost hook missed. The engine retries while
LAPOR! is down and sends each with the same Idempotency-Key, so LAPOR! records it once.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.api.serializers import PartnerComplaintInputSerializer
from channels_intake.desk import partner_complaint_submit, partner_key_create
from channels_intake.models import InboundMessage, PartnerKey
from complaints.lifecycle import Actor
from complaints.models import Category, Complaint, ComplaintEvent, Status
from complaints.services import complaint_add_note

from ..delivery import TransportResult, delivery_enqueue, delivery_store
from ..models import Delivery, LaporLink
from ..public import public_text
from .adapter import LaporReport, lapor_adapter

logger = logging.getLogger(__name__)

UPDATE = "lapor.update"
FORWARD = "lapor.forward"
# LAPOR!'s own stages, from Sigap's lifecycle.
LAPOR_STATUS = {
    Status.NEW: "terverifikasi",
    Status.TRIAGE: "terverifikasi",
    Status.ASSIGNED: "terdisposisi",
    Status.REOPENED: "terdisposisi",
    Status.IN_PROGRESS: "ditindaklanjuti",
    Status.RESOLVED: "selesai",
    Status.CLOSED: "selesai",
    Status.REJECTED: "arsip",
    Status.DUPLICATE: "arsip",
}


# LAPOR!'s names of its report types, to Sigap's (complaints.models.ReportType).
LAPOR_REPORT_TYPES = {
    "pengaduan": "pengaduan",
    "aspirasi": "aspirasi",
    "permintaan informasi": "informasi",
    "informasi": "informasi",
}


def lapor_partner() -> PartnerKey:
    partner = PartnerKey.objects.filter(name=settings.LAPOR_PARTNER_NAME).order_by("pk").first()
    if partner is None:
        partner, _key = partner_key_create(name=settings.LAPOR_PARTNER_NAME)
    return partner


def _partner_body(report: LaporReport) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": report.tracking_id,
        "text": report.text or report.tracking_id,
        "address": report.address,
        "is_anonymous": report.is_anonymous,
        "is_confidential": report.is_secret,
        "photos": [],
        "lapor": report.raw,
    }
    if report.area_code:
        body["area_code"] = report.area_code
    if report.category and Category.objects.filter(slug=report.category, is_active=True).exists():
        body["category"] = report.category
    if report.latitude is not None and report.longitude is not None:
        body["latitude"], body["longitude"] = report.latitude, report.longitude
    if report.reporter:
        body["reporter"] = report.reporter
    report_type = LAPOR_REPORT_TYPES.get(report.report_type.strip().lower().replace("_", " "))
    if report_type:
        body["report_type"] = report_type
    return body


def lapor_import(report: LaporReport) -> Complaint | None:
    """File one dispositioned report (once) and link it; None while it waits for a retry."""
    if not report.tracking_id:
        raise ValueError("A LAPOR! report without a tracking id")
    body = _partner_body(report)
    data = PartnerComplaintInputSerializer(data=body)
    if not data.is_valid():
        # A place we do not know is not a reason to drop a citizen's report: file it
        # without the place, for the triage queue.
        body.pop("area_code", None)
        data = PartnerComplaintInputSerializer(data=body)
        data.is_valid(raise_exception=True)
    result = partner_complaint_submit(
        partner=lapor_partner(),
        external_id=report.tracking_id,
        body=json.dumps(body, ensure_ascii=False).encode(),
        fields=dict(data.validated_data),
    )
    if result.complaint is not None:
        lapor_link(
            complaint=result.complaint,
            lapor_id=report.tracking_id,
            direction=LaporLink.Direction.INBOUND,
        )
    return result.complaint


def lapor_link(*, complaint: Complaint, lapor_id: str, direction: str) -> LaporLink:
    link, _created = LaporLink.objects.get_or_create(
        complaint=complaint, defaults={"lapor_id": lapor_id, "direction": direction}
    )
    return link


def lapor_pull() -> int:
    """Fetch dispositions since the newest one we hold, and file each; returns how many."""
    newest = (
        LaporLink.objects.filter(direction=LaporLink.Direction.INBOUND)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    # A day's overlap: the intake drops what it already has, by tracking id.
    since = (newest - timedelta(days=1)).isoformat() if newest else ""
    filed = 0
    for report in lapor_adapter().fetch_dispositions(since=since):
        if lapor_import(report) is not None:
            filed += 1
    return filed


def link_partner_complaint(*, complaint_id: int, **_: Any) -> None:
    """Hook: a complaint LAPOR! pushed to the partner API itself gets its link too."""
    partner = PartnerKey.objects.filter(name=settings.LAPOR_PARTNER_NAME).first()
    if partner is None:
        return
    message = InboundMessage.objects.filter(
        complaint_id=complaint_id, sender_id=f"partner:{partner.pk}"
    ).first()
    if message is not None:
        lapor_id = message.provider_message_id.split(":", 1)[1]
        lapor_link(
            complaint=message.complaint, lapor_id=lapor_id, direction=LaporLink.Direction.INBOUND
        )


def _update(link: LaporLink, event: ComplaintEvent) -> dict[str, Any]:
    status = event.to_status or event.complaint.status
    return {
        "tracking_id": link.lapor_id,
        "sequence": event.pk,
        "at": timezone.localtime(event.created_at).isoformat(timespec="seconds"),
        "kind": event.kind,
        "action": event.action,
        "status": status,
        "lapor_status": LAPOR_STATUS.get(status, "ditindaklanjuti"),
        "closed": status == Status.CLOSED,
        "agency": event.agency.name if event.agency else "",
        "note": public_text(event.note),
    }


def lapor_sync_updates(*, complaint_id: int | None = None, **_: Any) -> int:
    """Store a delivery for each public event of linked complaints not yet stored."""
    links = LaporLink.objects.select_related("complaint")
    if complaint_id is not None:
        links = links.filter(complaint_id=complaint_id)
    stored = 0
    for link in links.filter(
        complaint__events__pk__gt=F("synced_event_id"), complaint__events__is_public=True
    ).distinct():
        with transaction.atomic():
            locked = LaporLink.objects.select_for_update().get(pk=link.pk)
            events = (
                ComplaintEvent.objects.filter(
                    complaint_id=locked.complaint_id, pk__gt=locked.synced_event_id, is_public=True
                )
                .exclude(kind=ComplaintEvent.Kind.CREATED)
                .select_related("complaint", "agency")
                .order_by("pk")
            )
            last = locked.synced_event_id
            for event in events:
                if delivery_store(
                    kind=Delivery.Kind.LAPOR,
                    dedupe_key=f"lapor:{locked.lapor_id}:e{event.pk}",
                    event_type=UPDATE,
                    payload=_update(locked, event),
                    complaint=locked.complaint,
                ):
                    stored += 1
                last = event.pk
            if last != locked.synced_event_id:
                LaporLink.objects.filter(pk=locked.pk).update(synced_event_id=last)
    return stored


def lapor_forward(*, complaint: Complaint, actor: Actor, reason: str) -> Delivery | None:
    """Hand a complaint that is another government's authority to LAPOR!, once."""
    if LaporLink.objects.filter(complaint=complaint).exists():
        raise ValueError(_("This complaint is already linked to LAPOR!."))
    reason = (reason or "").strip()
    with transaction.atomic():
        complaint_add_note(
            complaint=complaint,
            actor=actor,
            note=_("Forwarded to SP4N-LAPOR!: %(reason)s") % {"reason": reason or "-"},
        )
        hidden = complaint.is_anonymous or complaint.is_confidential
        reporter = complaint.reporter
        return delivery_store(
            kind=Delivery.Kind.LAPOR,
            dedupe_key=f"lapor:forward:{complaint.pk}",
            event_type=FORWARD,
            complaint=complaint,
            payload={
                "source_id": complaint.tracking_code,
                "content": complaint.text,
                "category": complaint.category.name if complaint.category else "",
                "area_code": complaint.area.code if complaint.area else "",
                "latitude": float(complaint.latitude) if complaint.latitude is not None else None,
                "longitude": float(complaint.longitude)
                if complaint.longitude is not None
                else None,
                "is_anonymous": complaint.is_anonymous,
                "is_secret": complaint.is_confidential,
                "reason": reason,
                "reporter": None
                if hidden or reporter is None
                else {"name": reporter.name, "phone": reporter.phone, "email": reporter.email},
            },
        )


def send_lapor(delivery: Delivery) -> TransportResult:
    """The delivery engine's transport for kind=lapor."""
    adapter = lapor_adapter()
    key = f"sigap-{delivery.message_id}"
    if delivery.event_type == FORWARD:
        result = adapter.forward(report=delivery.payload, idempotency_key=key)
        if result.delivered and delivery.complaint_id:
            try:
                lapor_id = str(json.loads(result.body)["tracking_id"])
            except (ValueError, KeyError, TypeError):
                return TransportResult(
                    status=None, error=f"No tracking_id in LAPOR!'s answer: {result.body[:200]}"
                )
            complaint = Complaint.objects.get(pk=delivery.complaint_id)
            link = lapor_link(
                complaint=complaint, lapor_id=lapor_id, direction=LaporLink.Direction.FORWARDED
            )
            # What happened before the forward is not LAPOR!'s news.
            last = complaint.events.order_by("-pk").values_list("pk", flat=True).first() or 0
            LaporLink.objects.filter(pk=link.pk, synced_event_id=0).update(synced_event_id=last)
        return result
    earlier = _earlier_updates(delivery).filter(
        state__in=(Delivery.State.PENDING, Delivery.State.SENDING)
    )
    if earlier.exists():
        # LAPOR! shows updates in the order they arrive: this one waits its turn.
        return TransportResult(status=None, error="Waiting for an earlier update to arrive.")
    result = adapter.push_update(
        tracking_id=delivery.payload["tracking_id"],
        update=delivery.payload,
        idempotency_key=key,
    )
    if result.delivered:
        _send_next(delivery)
    return result


def _earlier_updates(delivery: Delivery):  # type: ignore[no-untyped-def]
    return Delivery.objects.filter(
        kind=Delivery.Kind.LAPOR,
        event_type=UPDATE,
        complaint_id=delivery.complaint_id,
        pk__lt=delivery.pk,
    )


def _send_next(delivery: Delivery) -> None:
    """The next waiting update of this complaint goes now, not after its backoff."""
    following = (
        Delivery.objects.filter(
            kind=Delivery.Kind.LAPOR,
            event_type=UPDATE,
            complaint_id=delivery.complaint_id,
            pk__gt=delivery.pk,
            state=Delivery.State.PENDING,
        )
        .order_by("pk")
        .first()
    )
    if following is not None:
        Delivery.objects.filter(pk=following.pk, state=Delivery.State.PENDING).update(
            next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: delivery_enqueue(following.pk))
