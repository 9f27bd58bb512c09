"""The core records: areas, categories, agencies, users, reporters, complaints and their timeline.

No side effects live here: every write goes through complaints.services and every status
change through complaints.lifecycle.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Crockford-style alphabet without 0/O, 1/I/L, U: safe to read aloud on a hotline or SMS.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_CODE_LENGTH = 8


def new_tracking_code() -> str:
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))
    return f"{body[:4]}-{body[4:]}"


def normalize_tracking_code(raw: str) -> str:
    """A code as typed ("ab12cd34", "AB12 CD34") in its stored form ("AB12-CD34")."""
    body = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(body) == TRACKING_CODE_LENGTH:
        return f"{body[:4]}-{body[4:]}"
    return (raw or "").strip().upper()


def new_public_token() -> str:
    return secrets.token_urlsafe(18)


class Area(models.Model):
    """One node of the administrative tree, keyed by its Kemendagri code (e.g. 32.73)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        REGENCY = 2, _("Regency/city")
        DISTRICT = 3, _("District (kecamatan)")
        VILLAGE = 4, _("Village (kelurahan/desa)")

    code = models.CharField(_("official code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["parent", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="area_parent_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        """This area's code and every ancestor's, most specific first (derived from the code)."""
        parts = self.code.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class Category(models.Model):
    """A topic (parent is null) or a subcategory, with the deadlines the agency is held to."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("topic"),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    response_hours = models.PositiveIntegerField(_("response deadline (hours)"), default=24)
    resolution_hours = models.PositiveIntegerField(_("resolution deadline (hours)"), default=168)
    # Floods, fallen trees, fires: their deadlines run on wall time, nights and holidays too.
    is_emergency = models.BooleanField(
        _("emergency"),
        default=False,
        help_text=_("Deadlines run around the clock, not in working hours."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Sensitive topics (violence, corruption reports) never appear on the public list,
    # map or open data; a subcategory is hidden when it or its topic is.
    is_public = models.BooleanField(
        _("shown to the public"),
        default=True,
        help_text=_("Complaints in this category appear on the public list, map and open data."),
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    @property
    def lineage_ids(self) -> list[int]:
        """This category's id and its topic's id, most specific first (rules match both)."""
        return [self.pk, self.parent_id] if self.parent_id else [self.pk]


class Agency(models.Model):
    """An OPD/SKPD or a kecamatan/kelurahan office; covers areas, may sit under a parent."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Regency/city")
        DISTRICT = "district", _("Kecamatan office")
        VILLAGE = "village", _("Kelurahan/desa office")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=160)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    areas = models.ManyToManyField(
        Area, blank=True, related_name="agencies", verbose_name=_("areas covered")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account. Citizens have none; their identity lives on Reporter."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        AGENCY_STAFF = "agency_staff", _("Agency staff")
        AGENCY_HEAD = "agency_head", _("Agency head")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("agency"),
    )
    # A supervisor or operator may be scoped to part of the tree (a city supervisor).
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area scope"),
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["agency_staff", "agency_head"]) | Q(agency__isnull=False),
                name="agency_roles_have_agency",
            )
        ]

    @property
    def is_agency_member(self) -> bool:
        return self.role in (self.Role.AGENCY_STAFF, self.Role.AGENCY_HEAD)


class Reporter(models.Model):
    """The citizen behind one or more complaints. Never shown to the public."""

    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        # Operators find a reporter by full name typed in any case (name__iexact).
        indexes = [models.Index(Upper("name"), name="reporter_name_upper")]

    def __str__(self) -> str:
        return self.name or self.phone or self.email or f"#{self.pk}"


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    HOTLINE = "hotline", _("Hotline")
    WALK_IN = "walk_in", _("Walk-in counter")
    TWITTER = "twitter", "Twitter/X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", "Telegram"
    API = "api", _("API / LAPOR!")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Awaiting triage")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


class ReportType(models.TextChoices):
    """SP4N-LAPOR!'s report types (docs/report-types.md); rules in complaints/report_types.py."""

    COMPLAINT = "pengaduan", pgettext_lazy("report type", "Complaint")
    SUGGESTION = "aspirasi", _("Suggestion")
    INFORMATION = "informasi", _("Information request")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Complaints without a deadline sort after every deadline: the queues order by
# due_key() (an expression the indexes below hold, so it must not change shape).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def due_key() -> Coalesce:
    return Coalesce("due_at", Value(NO_DEADLINE))


# The open statuses, as the partial indexes below name them (complaints.lifecycle's
# OPEN_STATUSES imports this module; a test checks the two agree).
OPEN = ["new", "triage", "assigned", "in_progress", "reopened"]


class Complaint(models.Model):
    """One ticket, whatever channel it came by."""

    tracking_code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code, editable=False
    )
    public_token = models.CharField(
        max_length=32, unique=True, default=new_public_token, editable=False
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=140, blank=True)
    text = models.TextField(_("complaint"))
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("category"),
    )
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("area"),
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address or landmark"), max_length=255, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    # Only complaints.lifecycle writes this field (a test checks it).
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # The agency currently holding the complaint; dispositions keep the full history.
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("agency"),
    )
    # The current holder's resolution deadline, copied from its open disposition so queues
    # and the tracking page need no join (dispositions own the full deadline history).
    due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    reporter = models.ForeignKey(
        Reporter, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    # LAPOR!'s two flags: anonim hides who reported from the agency and the public;
    # rahasia hides the report itself from the public.
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    report_type = models.CharField(
        _("report type"), max_length=10, choices=ReportType.choices, default=ReportType.COMPLAINT
    )
    # Set with the "duplicate" status by complaints.services.complaint_mark_duplicate: the
    # complaint whose progress this one's reporter follows. Groups stay one level deep.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_complaints",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["agency", "status", "-created_at"], name="complaint_agency_queue"),
            models.Index(fields=["status", "-created_at"], name="complaint_status_queue"),
            models.Index(fields=["status", "due_at"], name="complaint_status_due"),
            models.Index(fields=["category", "-created_at"], name="complaint_category"),
            models.Index(fields=["area", "-created_at"], name="complaint_area"),
            models.Index(fields=["channel", "-created_at"], name="complaint_channel"),
            # The staff lists' default order is the deadline, complaints without one last:
            # (due_key, id), read page by page with a keyset (docs/workspace.md has the
            # EXPLAIN of each). Open complaints are a small share of a big table: the
            # partial indexes hold only them.
            models.Index(due_key(), F("id"), name="complaint_due"),
            models.Index(
                due_key(), F("id"), condition=Q(status__in=OPEN), name="complaint_open_due"
            ),
            models.Index(F("agency"), due_key(), F("id"), name="complaint_agency_due"),
            models.Index(
                F("agency"),
                due_key(),
                F("id"),
                condition=Q(status__in=OPEN),
                name="complaint_agency_open_due",
            ),
            # Sorted by age (oldest or newest first), keyset on (created_at, id).
            models.Index(fields=["created_at", "id"], name="complaint_created"),
            # The search vocabulary's high-water mark reads complaints changed since it.
            models.Index(fields=["updated_at", "id"], name="complaint_updated"),
            # The maps read a bounding box of located complaints (docs/public-pages.md).
            models.Index(
                fields=["latitude", "longitude"],
                condition=Q(latitude__isnull=False),
                name="complaint_located",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="complaint_coordinates_valid",
                violation_error_message=_(
                    "Latitude must be between -90 and 90 and longitude between -180 and 180."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"


class Attachment(models.Model):
    """A validated, EXIF-stripped image on a complaint: the citizen's photo or evidence."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Reporter's photo")
        EVIDENCE = "evidence", _("Follow-up evidence")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPORT)
    event = models.ForeignKey(
        "ComplaintEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "kind"])]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class PendingUpload(models.Model):
    """A photo that passed validation on a form that did not: kept so the citizen keeps it."""

    file = models.FileField(upload_to="pending/")
    thumbnail = models.FileField(upload_to="pending/")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    MAX_AGE = timedelta(hours=6)

    def __str__(self) -> str:
        return self.original_name or self.file.name


class ComplaintEvent(models.Model):
    """Append-only timeline: who did what, when, from which status to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status changed")
        ACCEPTED = "accepted", _("Accepted by agency")
        FORWARDED = "forwarded", _("Forwarded")
        NOTE = "note", _("Note")
        QUESTION = "question", _("Question to the reporter")
        ANSWER = "answer", _("Reporter's answer")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the timeline shows when there is no user: "system", "citizen".
    actor_label = models.CharField(max_length=40, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action or self.kind}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Complaint events are append-only")
        super().save(*args, **kwargs)


class Rating(models.Model):
    """The reporter's 1-5 verdict on one resolution round (one `resolve` event).

    Keyed by the resolve event, not by the complaint: a complaint reopened and resolved
    again is a new round and may be rated again; the event also names the agency rated.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="ratings")
    resolution = models.OneToOneField(
        ComplaintEvent, on_delete=models.PROTECT, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="rating_score_1_to_5",
                violation_error_message=_("A rating is from 1 to 5 stars."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.score}"


# Registered in this app: the search vocabulary (complaints/search.py).
from .search_models import SearchTerm, SearchTermMark  # noqa: E402, F401
from .staff_models import AuditEntry, RejectionReason, StaffApiToken  # noqa: E402, F401


class MapCell(models.Model):
    """Located public complaints counted per coarse grid cell, status colour and topic.

    A summary for the public map at city zoom (complaints/geo.py), rebuilt by a beat task:
    reading a few thousand of these is what keeps a city-wide box fast at a million
    complaints. Plain integers, no foreign keys: the table is wiped and refilled.
    """

    cy = models.IntegerField()
    cx = models.IntegerField()
    colour = models.CharField(max_length=8)
    # The topic (top-level category) of the complaint's category; null when uncategorized.
    topic_id = models.IntegerField(null=True)
    n = models.PositiveIntegerField()
    lat_sum = models.FloatField()
    lon_sum = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["cy", "cx"], name="mapcell_cell")]

    def __str__(self) -> str:
        return f"{self.cy},{self.cx} {self.colour}: {self.n}"
