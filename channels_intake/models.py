"""The raw inbox (every message a channel delivers, stored first) and the outbox of replies."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, Complaint, Reporter


class InboundMessage(models.Model):
    """One provider message (or status) exactly as received; a redelivery is a no-op."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        # Held by a worker inside its transaction; never seen committed unless it crashed.
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        # A temporary error: retried with backoff, then parked.
        FAILED = "failed", _("Failed")
        # Needs a person: a permanent error or too many attempts. Replay from the admin.
        PARKED = "parked", _("Parked")
        # Nothing to do: a delivery status, a reaction, an empty message.
        IGNORED = "ignored", _("Ignored")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    provider_message_id = models.CharField(_("provider message id"), max_length=255)
    sender_id = models.CharField(_("sender"), max_length=255, blank=True)
    body = models.BinaryField(_("raw body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
        verbose_name=_("complaint"),
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"], name="inbound_unique_provider_id"
            )
        ]
        # The sweeper's queue: received messages by age.
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_message_id}"


class ReporterHandle(models.Model):
    """How a reporter is known on a channel (a WhatsApp BSUID or wa_id) beyond a phone."""

    reporter = models.ForeignKey(
        Reporter, on_delete=models.CASCADE, related_name="handles", verbose_name=_("reporter")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    handle = models.CharField(_("handle"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reporter handle")
        verbose_name_plural = _("reporter handles")
        constraints = [
            models.UniqueConstraint(fields=["channel", "handle"], name="reporter_handle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.handle}"


class OutboundMessage(models.Model):
    """One reply to one recipient on one channel, sent at most once (see docs/outbox.md).

    Only channels_intake.outbox changes `state`, through conditional UPDATEs whose row
    count says which worker owns the send.
    """

    class Kind(models.TextChoices):
        ACK = "ack", _("Acknowledgment")
        STATUS = "status", _("Status change")
        QUESTION = "question", _("Question from the agency")
        FOLLOWUP = "followup", _("Confirm or reopen")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # A phone number in E.164 or the channel's own handle for the recipient.
    recipient = models.CharField(_("recipient"), max_length=64)
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
        verbose_name=_("complaint"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    body = models.TextField(_("text"))
    # WhatsApp outside the 24-hour window takes a pre-approved template instead of `body`.
    template_name = models.CharField(_("template"), max_length=64, blank=True)
    template_params = models.JSONField(_("template parameters"), default=list, blank=True)
    sent_as_template = models.BooleanField(_("sent as template"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    # sent / delivered / read / failed as the provider reports it later.
    delivery_status = models.CharField(_("delivery status"), max_length=12, blank=True)
    # The same event never makes two messages to the same recipient on the same channel.
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the next try is due (backoff); the sweeper re-enqueues pending rows past it.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_queue"),
            models.Index(fields=["state", "claimed_at"], name="outbound_claimed"),
            models.Index(fields=["provider_message_id"], name="outbound_provider_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="outbound_sent_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.kind} ({self.state})"
