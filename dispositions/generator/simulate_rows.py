"""A simulated life as table rows: the complaint, its timeline, dispositions, escalations, stars."""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Complaint, ComplaintEvent, Rating
from dispositions.models import Disposition, Escalation

from .calendar import to_datetime
from .ladder import fired_steps
from .rows import Batch

if TYPE_CHECKING:
    from .simulate import Life, Open, Simulator

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_SPACE = 30**8
_SPREAD = 7**11  # coprime with 30**8: id -> code is a bijection, so codes never repeat


def tracking_code(complaint_id: int) -> str:
    value = (complaint_id * _SPREAD + 123_456_789) % _SPACE
    digits = []
    for _digit in range(8):
        value, rest = divmod(value, 30)
        digits.append(TRACKING_ALPHABET[rest])
    return f"{''.join(digits[:4])}-{''.join(digits[4:])}"


def _headlines() -> dict[str, str]:
    """The escalation notes' sentences (dispositions.escalation._headline), translated once."""
    return {
        Escalation.Step.DUE_SOON: _(
            "Due soon: the %(deadline)s of complaint %(code)s at %(agency)s is %(due)s."
        ),
        Escalation.Step.OVERDUE: _(
            "Complaint %(code)s at %(agency)s has passed its %(deadline)s (%(due)s)."
        ),
        Escalation.Step.SUPERVISOR: _(
            "Complaint %(code)s at %(agency)s is still past its %(deadline)s (%(due)s) "
            "after %(over)s."
        ),
        Escalation.Step.SANCTION: _(
            "Sanction recorded for %(agency)s: complaint %(code)s is past its %(deadline)s "
            "(%(due)s) by %(over)s."
        ),
    }


def _over(seconds: float) -> str:
    hours = round(seconds / 3600)
    return f"{hours // 24} hari" if hours >= 48 else f"{hours} jam"


def _local(moment: float) -> str:
    return to_datetime(moment).astimezone(_local.tz).strftime("%d-%m-%Y %H:%M")  # type: ignore[attr-defined]


def write_life(sim: Simulator, life: Life, batch: Batch) -> None:
    draft = life.draft
    if not hasattr(_local, "tz"):
        from zoneinfo import ZoneInfo

        from django.conf import settings

        _local.tz = ZoneInfo(settings.TIME_ZONE)  # type: ignore[attr-defined]
        write_life.headlines = _headlines()  # type: ignore[attr-defined]
    code = tracking_code(draft.id)
    # Escalations first: their timeline notes join the events before ids are given.
    for d in life.dispositions:
        _escalations(sim, life, d, code, batch)
    order = sorted(range(len(life.events)), key=lambda i: life.events[i][0])
    event_ids: dict[int, int] = {}
    ids = sim.ids
    for index in order:
        at, row = life.events[index]
        event_id = ids.take(ComplaintEvent)
        event_ids[index] = event_id
        batch.add(ComplaintEvent, (event_id, draft.id, *row, to_datetime(at)))
    for index, score, at in life.ratings:
        batch.add(
            Rating, (ids.take(Rating), draft.id, event_ids[index], score, "", to_datetime(at))
        )
    for d in life.dispositions:
        _disposition_row(d, draft.id, batch)
    place = draft.place
    rng = sim.rng
    located = place.latitude is not None and rng.random() < 0.6
    batch.add(
        Complaint,
        (
            draft.id, code, rng.randbytes(18).hex()[:24], draft.channel,
            _title(draft.text), draft.text, draft.category_id if life.categorized else None,
            place.village_id,
            Decimal(f"{place.latitude + rng.gauss(0, 0.03):.6f}") if located else None,
            Decimal(f"{place.longitude + rng.gauss(0, 0.03):.6f}") if located else None,
            "", draft.priority, life.current, life.agency_id,
            to_datetime(life.due) if life.due is not None else None, draft.reporter_id,
            draft.is_anonymous, draft.is_confidential, life.merged_into,
            to_datetime(draft.created), to_datetime(life.updated), "pengaduan",
        ),
    )  # fmt: skip


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:79] + "…"


def _disposition_row(d: Open, complaint_id: int, batch: Batch) -> None:
    row, clock = d.row, d.clock

    def at(value: object) -> object:
        return to_datetime(value) if isinstance(value, float) else value  # type: ignore[arg-type]

    batch.add(
        Disposition,
        (
            d.id, complaint_id, d.agency_id, row["state"], row["note"], row["rule_id"],
            row["forwarded_from_id"], row["reopen_of_id"], row["created_by_id"],
            to_datetime(clock.moved_response_due or clock.response_due),
            to_datetime(clock.moved_resolution_due or clock.resolution_due),
            row["wall"], at(row["paused_at"]), timedelta(seconds=float(row["paused_total"])),  # type: ignore[arg-type]
            at(row["accepted_at"]), at(row["closed_at"]), to_datetime(d.created),
        ),
    )  # fmt: skip


def _status_at(life: Life, moment: float) -> str:
    """The complaint's status at `moment`, read from its timeline so far."""
    changes = sorted((at, row[6]) for at, row in life.events)
    i = bisect_right([at for at, _status in changes], moment) - 1
    return changes[i][1] if i >= 0 else "new"


def _escalations(sim: Simulator, life: Life, d: Open, code: str, batch: Batch) -> None:
    steps = fired_steps(d.clock, now=sim.now, rng=sim.rng)
    if not steps:
        return
    agency = sim.world.agencies[d.agency_id]
    words = {"response": _("response deadline"), "resolution": _("resolution deadline")}
    notified = sim.world.emails.get(d.agency_id, [])
    for kind, step, due, reached, fired in steps:
        status = _status_at(life, fired)
        if status not in OPEN_STATUSES:
            continue
        note = write_life.headlines[step] % {  # type: ignore[attr-defined]
            "code": code,
            "agency": agency.name,
            "deadline": words[kind],
            "due": _local(due),
            "over": _over(reached - due),
        }
        batch.add(
            Escalation,
            (sim.ids.take(Escalation), d.id, kind, step, to_datetime(due), to_datetime(reached),
             to_datetime(fired), notified, note),
        )  # fmt: skip
        life.events.append(
            (fired, ("note", "", None, "system", d.agency_id, status, status, note, False))
        )


__all__ = ["Complaint", "tracking_code", "write_life"]
