"""Routing rules and dispositions: which agency holds a complaint, since when, until when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, Category, Complaint


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
    closes the old one and opens a new one whose `forwarded_from` keeps the chain.
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response_due_at = models.DateTimeField(_("respond by"))
    resolution_due_at = models.DateTimeField(_("resolve by"))
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
