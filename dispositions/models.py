"""Routing rules, dispositions, duplicates, deadlines and escalations.

The categorizer's models are in categorizer/records.py, imported here so this app has them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, Category, Complaint, Priority

from .categorizer.records import (  # noqa: F401  (registered in this app)
    CategorizationDecision,
    CategorizerModel,
    CategorizerModelStorage,
    CategoryKeyword,
    TrainingExample,
    categorizer_model_storage,
)


class RoutingRule(models.Model):
    """Category x area -> agency. The most specific area wins, then category, then order.

    A blank category means "any category"; a blank area means "anywhere".
    """

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("category"),
        help_text=_("A topic also matches its subcategories. Blank: any category."),
    )
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("area"),
        help_text=_("Matches this area and everything inside it. Blank: anywhere."),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("agency")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Among equally specific rules, lower wins.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area", "agency"], name="routing_rule_unique"
            )
        ]
        indexes = [models.Index(fields=["category", "area"])]

    def __str__(self) -> str:
        category = self.category or _("any category")
        area = self.area or _("anywhere")
        return f"{category} @ {area} → {self.agency}"


class Disposition(models.Model):
    """The assignment of a complaint to one agency, with its deadlines.

    A complaint has at most one open disposition (a partial unique constraint); forwarding
    closes the old one and opens a new one whose `forwarded_from` keeps the chain; a
    reopen opens a new one whose `reopen_of` points at the resolved one.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the agency")
        ACCEPTED = "accepted", _("Accepted")
        FORWARDED = "forwarded", _("Forwarded")
        RETURNED = "returned", _("Returned to triage")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.PENDING, State.ACCEPTED)

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="dispositions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dispositions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    note = models.TextField(_("note"), blank=True)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forwarded_to"
    )
    # Set on the disposition a reopen opens: the resolved one the reporter was not happy
    # with. Counting these gives each agency's first-time-fix rate.
    reopen_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reopened_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response_due_at = models.DateTimeField(_("respond by"))
    resolution_due_at = models.DateTimeField(_("resolve by"))
    # Emergencies and urgent complaints run on wall time; the rest on working time.
    on_wall_time = models.BooleanField(_("wall time"), default=False)
    # Set while the agency waits for the reporter's answer: the clock is stopped.
    paused_at = models.DateTimeField(_("waiting for the reporter since"), null=True, blank=True)
    # Every finished pause, in this disposition's own clock (working or wall time).
    paused_total = models.DurationField(_("time paused"), default=timedelta(0))
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(state__in=["pending", "accepted"]),
                name="one_open_disposition_per_complaint",
            )
        ]
        indexes = [
            models.Index(fields=["agency", "state", "resolution_due_at"], name="disp_agency_due"),
            models.Index(fields=["state", "response_due_at"], name="disp_state_response_due"),
            # The escalation sweep looks across all agencies for resolution deadlines.
            models.Index(fields=["state", "resolution_due_at"], name="disp_state_resolution_due"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.tracking_code} → {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class DuplicateLink(models.Model):
    """A probable duplicate found by dispositions.duplicates, waiting for an operator.

    `complaint` is the newer report, `candidate_of` the older open one it may repeat.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not a duplicate")

    class Reason(models.TextChoices):
        NEARBY = "nearby", _("same category, close by")
        SAME_AREA = "same_area", _("same category and kelurahan, no map point")
        SAME_REPORTER = "same_reporter", _("same reporter")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="duplicate_links"
    )
    candidate_of = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="duplicate_candidate_links"
    )
    # Text similarity, 0..1 (character 3-gram cosine).
    score = models.FloatField(_("similarity"))
    # Reason codes (Reason values) separated by commas; the page translates them.
    reasons = models.CharField(_("reasons"), max_length=100)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("probable duplicate")
        verbose_name_plural = _("probable duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "candidate_of"], name="duplicate_link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(complaint=models.F("candidate_of")),
                name="duplicate_link_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate_of", "state"], name="duplicate_link_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.tracking_code} ≈ {self.candidate_of.tracking_code}"

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]


class DeadlinePolicy(models.Model):
    """Deadlines for one category at one priority, overriding the category's own hours.

    A policy on a topic also covers its subcategories; a subcategory's own policy wins.
    """

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        verbose_name=_("category"),
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    response_hours = models.PositiveIntegerField(_("response deadline (hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution deadline (hours)"))

    class Meta:
        ordering = ["category__name", "priority"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="deadline_policy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class NonWorkingDay(models.Model):
    """A day off the `holidays` package does not know: cuti bersama, a local holiday."""

    class Kind(models.TextChoices):
        CUTI_BERSAMA = "cuti_bersama", _("Collective leave (cuti bersama)")
        LOCAL_HOLIDAY = "local_holiday", _("Local holiday")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("non-working day")
        verbose_name_plural = _("non-working days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class Escalation(models.Model):
    """One rung of the escalation ladder reached by one disposition's deadline.

    The row is the proof that the step fired: the unique constraint on (disposition,
    deadline kind, step) lets exactly one worker insert it, and only that worker sends
    the notice. Sanction rows are the recorded sanction events the agency KPIs count.
    """

    class Kind(models.TextChoices):
        RESPONSE = "response", _("Response deadline")
        RESOLUTION = "resolution", _("Resolution deadline")

    class Step(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue: agency head notified")
        SUPERVISOR = "overdue_supervisor", _("Overdue: supervisor notified")
        SANCTION = "sanction", _("Sanction recorded")

    disposition = models.ForeignKey(
        Disposition, on_delete=models.CASCADE, related_name="escalations"
    )
    deadline_kind = models.CharField(_("deadline"), max_length=10, choices=Kind.choices)
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    due_at = models.DateTimeField(_("deadline measured"))
    # When the step became due; fired_at minus this is how late the notice went out.
    reached_at = models.DateTimeField(_("step reached"))
    fired_at = models.DateTimeField(_("fired"))
    notified = models.JSONField(_("notified"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["reached_at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["disposition", "deadline_kind", "step"], name="escalation_once_per_step"
            )
        ]
        indexes = [models.Index(fields=["step", "reached_at"], name="escalation_step_reached")]

    def __str__(self) -> str:
        return f"{self.disposition_id} {self.deadline_kind} {self.step}"
