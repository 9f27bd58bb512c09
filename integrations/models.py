"""Integration records: webhook subscriptions, outbound deliveries and their attempts,
and the LAPOR! id mapping.

One delivery table serves every outbound integration (saleor's EventDelivery /
EventDeliveryAttempt design): a row is stored first, in the same place as the change
that caused it, and sent by a worker that claims it; each try is an attempt row.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class WebhookEvent(models.TextChoices):
    CREATED = "complaint.created", _("Complaint created")
    ROUTED = "complaint.routed", _("Complaint routed to an agency")
    STATUS_CHANGED = "complaint.status_changed", _("Complaint status changed")
    CLOSED = "complaint.closed", _("Complaint closed")


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        blank=True,
        help_text=_("Standard Webhooks secret (whsec_…); made for you when left empty."),
    )
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    include_personal_data = models.BooleanField(
        _("may receive personal data"),
        default=False,
        help_text=_(
            "Off: the same data as the public API (no reporter, masked text, coarse "
            "location, no confidential complaints). On: the full text, the exact location, "
            "confidential complaints and the reporter of non-anonymous complaints."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last timeline event turned into deliveries; a new subscription starts at the
    # newest event (no backfill of history).
    synced_event_id = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is None and not self.synced_event_id:
            from complaints.models import ComplaintEvent

            newest = ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.synced_event_id = newest or 0
        super().save(*args, **kwargs)


class Delivery(models.Model):
    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        LAPOR = "lapor", "SP4N-LAPOR!"

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subscription = models.ForeignKey(
        WebhookSubscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=40)
    # One delivery per (target, event): a hook that runs twice stores nothing new.
    dedupe_key = models.CharField(max_length=200, unique=True)
    # The receiver's idempotency key (webhook-id / Idempotency-Key), the same on every try.
    message_id = models.CharField(max_length=40, default=uuid.uuid4, editable=False)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("outbound delivery")
        verbose_name_plural = _("outbound deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    created_at = models.DateTimeField(auto_now_add=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.response_status or self.error[:40]}"


class LaporLink(models.Model):
    """A complaint's SP4N-LAPOR! tracking id, and how far its updates have been sent."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Dispositioned from LAPOR!")
        FORWARDED = "forwarded", _("Forwarded to LAPOR!")

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="lapor_link")
    lapor_id = models.CharField(_("LAPOR! tracking id"), max_length=100, unique=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # The last timeline event stored for sending back (events after it are still due).
    synced_event_id = models.BigIntegerField(default=0)
    disposed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LAPOR! link")
        verbose_name_plural = _("LAPOR! links")

    def __str__(self) -> str:
        return self.lapor_id


class Open311Media(models.Model):
    """A photo an Open311 client pointed at with `media_url`, fetched by a worker.

    Stored with the posted request (one per request, keyed by its inbox message), fetched
    through the SSRF guard in integrations/open311/media.py, and attached to the
    complaint once; a refusal or failure keeps its reason here for staff.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be fetched")
        FETCHED = "fetched", _("Attached to the complaint")
        REJECTED = "rejected", _("Refused")
        FAILED = "failed", _("Failed")

    message = models.OneToOneField(
        "channels_intake.InboundMessage", on_delete=models.CASCADE, related_name="open311_media"
    )
    url = models.URLField(_("URL"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    error = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attachment = models.ForeignKey(
        "complaints.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 media")
        verbose_name_plural = _("Open311 media")
        indexes = [models.Index(fields=["state", "created_at"], name="open311_media_state")]

    def __str__(self) -> str:
        return f"{self.url[:60]} ({self.state})"
