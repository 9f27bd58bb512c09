"""Keep dashboard.ComplaintFact fresh: set-based SQL (same text on PostgreSQL and SQLite).

`facts_rebuild()` recomputes every row (manage.py rebuild_report_tables);
`facts_refresh()` recomputes only complaints with an event or rating past the high-water
marks (the beat task, every minute). Both are idempotent: a fact is deleted and inserted
again from its complaint's records inside one transaction.
"""

from __future__ import annotations

from django.db import connection, transaction

from complaints.models import ComplaintEvent, Rating
from dispositions.models import Escalation

from ..models import ReportMark
from .workclock import facts_enrich, working_intervals_sync

OPEN = ("new", "triage", "assigned", "in_progress", "reopened")

_COLUMNS = (
    "complaint_id, created_at, channel, status, is_open, agency_id, category_id, topic_id, "
    "area_id, kecamatan_id, city_id, province_id, due_at, responded_at, response_due_at, "
    "resolved_at, resolution_due_at, reopened, rating, reject_reason, "
    "esc_due_soon, esc_overdue, esc_supervisor, esc_sanction"
)
STEPS = ("due_soon", "overdue", "overdue_supervisor", "sanction")
# Constant SQL: only module constants are formatted in; values go as parameters.
_SELECT = f"""
SELECT c.id, c.created_at, c.channel, c.status,
  CASE WHEN c.status IN ({", ".join(f"'{s}'" for s in OPEN)}) THEN TRUE ELSE FALSE END,
  c.agency_id, c.category_id, COALESCE(cat.parent_id, cat.id), c.area_id,
  CASE a.level WHEN 4 THEN a.parent_id WHEN 3 THEN a.id END,
  CASE a.level WHEN 4 THEN p.parent_id WHEN 3 THEN a.parent_id WHEN 2 THEN a.id END,
  CASE a.level WHEN 4 THEN pp.parent_id WHEN 3 THEN p.parent_id WHEN 2 THEN a.parent_id
               WHEN 1 THEN a.id END,
  c.due_at,
  (SELECT MIN(d.accepted_at) FROM dispositions_disposition d WHERE d.complaint_id = c.id),
  (SELECT d.response_due_at FROM dispositions_disposition d WHERE d.complaint_id = c.id
     ORDER BY d.created_at, d.id LIMIT 1),
  (SELECT d.closed_at FROM dispositions_disposition d
     WHERE d.complaint_id = c.id AND d.state = 'resolved' ORDER BY d.closed_at, d.id LIMIT 1),
  (SELECT d.resolution_due_at FROM dispositions_disposition d
     WHERE d.complaint_id = c.id AND d.state = 'resolved' ORDER BY d.closed_at, d.id LIMIT 1),
  EXISTS (SELECT 1 FROM complaints_complaintevent e
     WHERE e.complaint_id = c.id AND e.action = 'reopen'),
  (SELECT r.score FROM complaints_rating r WHERE r.complaint_id = c.id
     ORDER BY r.created_at DESC, r.id DESC LIMIT 1),
  CASE c.status WHEN 'rejected' THEN COALESCE((SELECT SUBSTR(e.note, 1, 120)
     FROM complaints_complaintevent e WHERE e.complaint_id = c.id AND e.action = 'reject'
     ORDER BY e.created_at DESC, e.id DESC LIMIT 1), '') ELSE '' END,
{
    ", ".join(
        "(SELECT COUNT(*) FROM dispositions_escalation x JOIN dispositions_disposition xd "
        f"ON xd.id = x.disposition_id WHERE xd.complaint_id = c.id AND x.step = '{step}')"
        for step in STEPS
    )
}
FROM complaints_complaint c
LEFT JOIN complaints_category cat ON cat.id = c.category_id
LEFT JOIN complaints_area a ON a.id = c.area_id
LEFT JOIN complaints_area p ON p.id = a.parent_id
LEFT JOIN complaints_area pp ON pp.id = p.parent_id
"""  # noqa: S608
BATCH = 50_000


def _rewrite(where: str, params: list[object]) -> int:
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM dashboard_complaintfact WHERE complaint_id IN "  # noqa: S608 (constant)
            f"(SELECT c.id FROM complaints_complaint c WHERE {where})",
            params,
        )
        cur.execute(
            f"INSERT INTO dashboard_complaintfact ({_COLUMNS}) {_SELECT} WHERE {where}", params
        )
        written = cur.rowcount
    facts_enrich(where, params)
    return written


MARKED = {"event": ComplaintEvent, "rating": Rating, "escalation": Escalation}


def _set_marks() -> dict[str, int]:
    return {
        name: model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for name, model in MARKED.items()
    }


def facts_rebuild(progress=lambda line: None) -> int:  # type: ignore[no-untyped-def]
    """Recompute every fact, in id ranges (each range one transaction)."""
    with connection.cursor() as cur:
        cur.execute("SELECT MIN(id), MAX(id) FROM complaints_complaint")
        low, high = cur.fetchone()
    marks = _set_marks()
    working_intervals_sync()
    total = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM dashboard_complaintfact")
    if low is not None:
        for start in range(low, high + 1, BATCH):
            with transaction.atomic():
                total += _rewrite("c.id >= %s AND c.id < %s", [start, start + BATCH])
            progress(f"  facts: {total:,} complaints")
    _store_marks(marks)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE dashboard_complaintfact")
    return total


def _store_marks(marks: dict[str, int]) -> None:
    for name, value in marks.items():
        ReportMark.objects.update_or_create(name=name, defaults={"value": value})


def facts_refresh() -> int:
    """Recompute the facts of complaints touched since the marks; returns how many.

    The mark rows are locked for the run, so two beats or workers never interleave.
    """
    for name in MARKED:
        ReportMark.objects.get_or_create(name=name)
    with transaction.atomic():
        old = dict(
            ReportMark.objects.select_for_update().order_by("name").values_list("name", "value")
        )
        new = _set_marks()
        if all(new[name] == old[name] for name in MARKED):
            return 0
        working_intervals_sync()
        n = _rewrite(
            "c.id IN (SELECT e.complaint_id FROM complaints_complaintevent e "
            "WHERE e.id > %s AND e.id <= %s UNION SELECT r.complaint_id FROM complaints_rating r "
            "WHERE r.id > %s AND r.id <= %s UNION SELECT d.complaint_id "
            "FROM dispositions_escalation x JOIN dispositions_disposition d "
            "ON d.id = x.disposition_id WHERE x.id > %s AND x.id <= %s)",
            [old["event"], new["event"], old["rating"], new["rating"],
             old["escalation"], new["escalation"]],
        )  # fmt: skip
        _store_marks(new)
    return n
