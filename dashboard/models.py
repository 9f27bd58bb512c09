"""Report summary tables: one timing fact per complaint, kept fresh by a high-water mark.

Reports read these instead of joining complaints, dispositions, events and ratings, so
a year of a province is one scan of a narrow indexed table (dashboard/reports/facts.py).
"""

from __future__ import annotations

from django.db import models

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


class ReportMark(models.Model):
    """A high-water mark: the last event and rating id the facts have absorbed."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
