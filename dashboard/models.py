"""Report summary tables (one timing fact per complaint, kept fresh by a high-water mark)
and the export jobs that write large exports in the background.

Reports read the facts instead of joining complaints, dispositions, events and ratings,
so a year of a province is one scan of a narrow indexed table (dashboard/reports/facts.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, Category, Complaint


class ComplaintFact(models.Model):
    """What the reports need of one complaint; rebuilt from its records, never edited."""

    complaint = models.OneToOneField(
        Complaint, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    channel = models.CharField(max_length=12)
    status = models.CharField(max_length=12)
    is_open = models.BooleanField()
    agency = models.ForeignKey(Agency, null=True, on_delete=models.DO_NOTHING, related_name="+")
    category = models.ForeignKey(Category, null=True, on_delete=models.DO_NOTHING, related_name="+")
    topic = models.ForeignKey(Category, null=True, on_delete=models.DO_NOTHING, related_name="+")
    # The area and its ancestors, so any level of the area filter is one equality.
    area = models.ForeignKey(Area, null=True, on_delete=models.DO_NOTHING, related_name="+")
    kecamatan = models.ForeignKey(Area, null=True, on_delete=models.DO_NOTHING, related_name="+")
    city = models.ForeignKey(Area, null=True, on_delete=models.DO_NOTHING, related_name="+")
    province = models.ForeignKey(Area, null=True, on_delete=models.DO_NOTHING, related_name="+")
    due_at = models.DateTimeField(null=True)
    responded_at = models.DateTimeField(null=True)
    response_due_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolution_due_at = models.DateTimeField(null=True)
    reopened = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True)
    reject_reason = models.CharField(max_length=120, blank=True)
    # The escalation ladder's steps reached by this complaint (the sanction ledger).
    esc_due_soon = models.PositiveIntegerField(default=0)
    esc_overdue = models.PositiveIntegerField(default=0)
    esc_supervisor = models.PositiveIntegerField(default=0)
    esc_sanction = models.PositiveIntegerField(default=0)
    # Filled after the insert by dashboard/reports/workclock.py (facts_enrich); database
    # defaults, so the set-based INSERT that writes the other columns need not name them.
    report_type = models.CharField(max_length=10, db_default="pengaduan")
    is_confidential = models.BooleanField(db_default=False)
    # Working seconds (the deadlines' calendar) from receipt to first response / resolution.
    response_work_seconds = models.BigIntegerField(null=True)
    resolution_work_seconds = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["agency", "created_at"], name="fact_agency_created"),
            models.Index(fields=["province", "created_at"], name="fact_province_created"),
            models.Index(fields=["city", "created_at"], name="fact_city_created"),
            models.Index(fields=["kecamatan", "created_at"], name="fact_kecamatan_created"),
            models.Index(fields=["area", "created_at"], name="fact_area_created"),
            models.Index(fields=["created_at"], condition=models.Q(is_open=True), name="fact_open"),
        ]

    def __str__(self) -> str:
        return f"fact {self.complaint_id}"


class WorkingInterval(models.Model):
    """One span of working time (a working day's hours) in Unix seconds, with the working
    seconds of every earlier span: the working time between two moments is the difference
    of their "working clocks", which SQL reads with one index lookup per moment
    (dashboard/reports/workclock.py). Rebuilt when the calendar changes."""

    opens_at = models.BigIntegerField(primary_key=True)
    closes_at = models.BigIntegerField()
    worked_before = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.opens_at}-{self.closes_at} (+{self.worked_before})"


class ReportMark(models.Model):
    """A high-water mark: the last event, rating or escalation id the facts have absorbed."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class ExportJob(models.Model):
    """One large export run by a worker (docs/reports.md "Export jobs").

    The file lives in the private "exports" storage under `file_name`; only `owner` may
    download it, until `expires_at`. `attempt` fences runs: each run claims the job by
    raising it, and its progress and result count only while it still holds that value
    (a conditional UPDATE whose row count says who won), so a redelivered task or a
    sweeper's re-enqueue never leaves two files or a half-written one.
    """

    class Kind(models.TextChoices):
        LIST = "list", _("Complaint list")
        SECTION = "section", _("Report section")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    section = models.SlugField(max_length=40, blank=True)  # the report section (kind=section)
    fmt = models.CharField(max_length=4, choices=Format.choices)
    params = models.TextField(blank=True)  # the page's query string, re-parsed by the worker
    language = models.CharField(max_length=10, blank=True)  # of the file's headers and labels
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_owner_created"),
            models.Index(fields=["status", "updated_at"], name="export_status_updated"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.kind} {self.section} {self.fmt}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
