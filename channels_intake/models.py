"""The raw inbox: every message a channel delivers, stored before anything is done with it."""

from __future__ import annotations

from django.db import models
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
