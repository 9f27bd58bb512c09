"""The tables the generator fills, their columns in order, and a batch of rows for them.

Rows are plain tuples in the order of `COLUMNS[model]` (the models' attnames); the writer
turns them into COPY (PostgreSQL) or INSERT (SQLite) with the models' own column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from complaints.models import Complaint, ComplaintEvent, Rating, Reporter
from dispositions.models import CategorizationDecision, Disposition, DuplicateLink, Escalation

COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Reporter: ("id", "name", "phone", "email", "created_at"),
    Complaint: (
        "id", "tracking_code", "public_token", "channel", "title", "text", "category_id",
        "area_id", "latitude", "longitude", "address", "priority", "status", "agency_id",
        "due_at", "reporter_id", "is_anonymous", "is_confidential", "merged_into_id",
        "created_at", "updated_at", "report_type",
    ),
    Disposition: (
        "id", "complaint_id", "agency_id", "state", "note", "rule_id", "forwarded_from_id",
        "reopen_of_id", "created_by_id", "response_due_at", "resolution_due_at",
        "on_wall_time", "paused_at", "paused_total", "accepted_at", "closed_at", "created_at",
    ),
    ComplaintEvent: (
        "id", "complaint_id", "kind", "action", "actor_id", "actor_label", "agency_id",
        "from_status", "to_status", "note", "is_public", "created_at",
    ),
    Rating: ("id", "complaint_id", "resolution_id", "score", "comment", "created_at"),
    Escalation: (
        "id", "disposition_id", "deadline_kind", "step", "due_at", "reached_at", "fired_at",
        "notified", "note",
    ),
    CategorizationDecision: (
        "id", "complaint_id", "category_id", "confidence", "source", "suggestions",
        "agency_suggestion_id", "agency_confidence", "model_version", "actor_id", "created_at",
    ),
    DuplicateLink: (
        "id", "complaint_id", "candidate_of_id", "score", "reasons", "distance_m", "state",
        "created_at", "decided_by_id", "decided_at",
    ),
}  # fmt: skip

# Parents before children: each table's foreign keys point at tables written before it.
WRITE_ORDER: tuple[type[models.Model], ...] = (
    Reporter,
    Complaint,
    Disposition,
    ComplaintEvent,
    Rating,
    Escalation,
    CategorizationDecision,
    DuplicateLink,
)


@dataclass
class Batch:
    rows: dict[type[models.Model], list[tuple[object, ...]]] = field(
        default_factory=lambda: {model: [] for model in WRITE_ORDER}
    )

    def add(self, model: type[models.Model], row: tuple[object, ...]) -> None:
        self.rows[model].append(row)

    def count(self, model: type[models.Model]) -> int:
        return len(self.rows[model])


@dataclass
class Ids:
    """The next free id of each table, taken from the database once at the start."""

    next: dict[type[models.Model], int]

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    @classmethod
    def from_database(cls) -> Ids:
        found = {}
        for model in WRITE_ORDER:
            top = model._default_manager.aggregate(top=models.Max("id"))["top"]
            found[model] = (top or 0) + 1
        return cls(next=found)
