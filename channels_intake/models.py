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
    # Who delivered it (a name in providers.registry, or an entry such as "desk"): the
    # worker parses the stored body with this provider's adapter, never by guessing.
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255)
    sender_id = models.CharField(_("sender"), max_length=255, blank=True)
    # Where and in which thread a reply goes (NormalizedMessage.address_for_reply, thread_ref).
    reply_address = models.CharField(_("reply address"), max_length=255, blank=True)
    thread_ref = models.CharField(_("thread"), max_length=255, blank=True)
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
    conversation = models.ForeignKey(
        "Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("conversation"),
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


class Conversation(models.Model):
    """A draft complaint assembled from one sender's chat messages (docs/conversations.md).

    A photo, then the text, then the location arrive as separate messages; each one from
    the same sender on the same channel while the draft is open joins it. The draft is
    submitted as one complaint when the citizen answers the confirmation prompt or when
    `closes_at` passes without a new message.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    sender_id = models.CharField(_("sender"), max_length=255)
    reporter = models.ForeignKey(
        Reporter,
        null=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("reporter"),
    )
    reply_address = models.CharField(_("reply address"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    text = models.TextField(_("text"), blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"))
    complaint = models.OneToOneField(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation",
        verbose_name=_("complaint"),
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            # One open draft per sender and channel; a second message joins it.
            models.UniqueConstraint(
                fields=["channel", "sender_id"],
                condition=Q(state="open"),
                name="conversation_one_open_per_sender",
            )
        ]
        indexes = [models.Index(fields=["state", "closes_at"], name="conversation_due")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.sender_id} ({self.state})"


class InboundMedia(models.Model):
    """A file a provider holds for one inbound message, fetched by a worker (docs/media.md).

    Images are validated, re-encoded (no EXIF or GPS) and become the complaint's
    attachments; audio and documents are kept here, with their checksum, for staff.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        FETCHED = "fetched", _("Fetched")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="media", verbose_name=_("message")
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12)
    mime_type = models.CharField(_("type"), max_length=100, blank=True)
    media_id = models.CharField(_("provider media id"), max_length=512, blank=True)
    url = models.URLField(_("provider URL"), max_length=2000, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(upload_to="inbound/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_media",
        verbose_name=_("complaint"),
    )
    attachment = models.OneToOneField(
        "complaints.Attachment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_media",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["message_id", "position"]
        verbose_name = _("inbound media")
        verbose_name_plural = _("inbound media")
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="inbound_media_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id} ({self.state})"


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
    recipient = models.CharField(_("recipient"), max_length=255)
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
    # The public thread the reply belongs in (a tweet, a comment, an email's Message-ID).
    thread_ref = models.CharField(_("thread"), max_length=255, blank=True)
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


class PartnerScope(models.TextChoices):
    """What a partner key may do (docs/api-hardening.md)."""

    COMPLAINTS_WRITE = "complaints:write", _("File complaints (partner API)")
    COMPLAINTS_READ = "complaints:read", _("Read its own complaints' status (partner API)")
    OPEN311_WRITE = "open311:write", _("Post Open311 requests and updates")


def default_partner_scopes() -> list[str]:
    """Every scope: keys made before scopes existed keep doing what they did."""
    return list(PartnerScope.values)


class PartnerKey(models.Model):
    """An API key of a partner system (LAPOR!, a kelurahan app) for /api/v1/partner/.

    Only the SHA-256 of the key is stored: the plaintext is shown once when the key is
    made (admin or `manage.py create_partner_key`) and cannot be recovered, only replaced.
    A random 256-bit key needs no slow hash; looking it up by its hash is constant-time
    with respect to the key's content.
    """

    name = models.CharField(_("name"), max_length=100)
    # The first characters of the key, so staff can tell keys apart without the secret.
    prefix = models.CharField(_("key prefix"), max_length=16, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=default_partner_scopes, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=120,
        help_text=_("Requests this key may make per minute; 0 for no limit."),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
