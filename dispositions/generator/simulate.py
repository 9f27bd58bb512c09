"""One generated complaint's life, as the real services would have recorded it.

A `Draft` (when, where, what, by which channel) goes through the lifecycle: routing or
triage, the agency's response, koordinasi to another agency or a return to triage, a
question that pauses the clock, resolution, the citizen's confirmation, rating or
reopening, silence and automatic closing, merging into a viral burst's first report,
and the escalation ladder. Everything after `now` is left undone, so open complaints
stay open in the state they reached. Rows go into a `Batch`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.conf import settings

from complaints.models import Channel, ComplaintEvent, Status
from dispositions.models import CategorizationDecision, Disposition, DuplicateLink

from . import texts
from .calendar import FastCalendar, to_datetime
from .ladder import Clock
from .rows import Batch, Ids
from .simulate_parts import AgencyProfile, Draft, rating_score
from .simulate_rows import write_life
from .world import World

HOUR, DAY = 3600.0, 86400.0
Kind = ComplaintEvent.Kind
D = Disposition.State
CHAT = {
    Channel.WHATSAPP, Channel.SMS, Channel.TELEGRAM, Channel.TWITTER,
    Channel.FACEBOOK, Channel.INSTAGRAM,
}  # fmt: skip
DESK = {Channel.HOTLINE, Channel.WALK_IN}


@dataclass
class Open:
    """The disposition being worked, and the clock the ladder reads."""

    id: int
    agency_id: int
    created: float
    row: dict[str, object]
    clock: Clock


@dataclass
class Life:
    draft: Draft
    current: str = Status.NEW  # the status the simulated lifecycle has reached
    agency_id: int | None = None
    due: float | None = None
    updated: float = 0.0
    events: list[tuple[float, tuple[object, ...]]] = field(default_factory=list)
    dispositions: list[Open] = field(default_factory=list)
    ratings: list[tuple[int, int, float]] = field(default_factory=list)  # event index, score, at
    returned_by: int | None = None
    merged_into: int | None = None
    categorized: bool = False  # by the reporter, the categorizer or an operator


class Simulator:
    def __init__(
        self, *, world: World, calendar: FastCalendar, ids: Ids, rng: random.Random, now: float
    ) -> None:
        self.world, self.cal, self.ids, self.rng, self.now = world, calendar, ids, rng, now
        self.profiles = {a: AgencyProfile.draw(rng) for a in world.agencies}
        self.reopen_window = settings.REOPEN_WINDOW_DAYS * DAY
        self.now_datetime = to_datetime(now)

    # Helpers -----------------------------------------------------------------------

    def _after(self, start: float, seconds: float, wall: bool) -> float:
        return start + seconds if wall else self.cal.after(start, seconds)

    def _staff(self, agency_id: int) -> int:
        return self.rng.choice(self.world.staff[agency_id])

    def _event(
        self,
        life: Life,
        at: float,
        kind: str,
        action: str,
        *,
        to: str | None = None,
        actor: int | None = None,
        label: str | None = None,
        note: str = "",
        public: bool = True,
        agency: int | None = None,
    ) -> None:
        before = life.current
        after = to or before
        label = label or self._label(actor)
        row = (kind, action, actor, label, agency, before, after, note, public)
        life.events.append((at, row))
        life.current = after
        life.updated = max(life.updated, at)

    def _open(
        self,
        life: Life,
        at: float,
        agency_id: int,
        *,
        action: str,
        actor: int | None,
        rule: tuple[int, str] | None = None,
        note: str = "",
        forwarded_from: int | None = None,
        reopen_of: int | None = None,
    ) -> Open:
        draft = life.draft
        deadline = self.world.deadline(draft.category_id, draft.priority, self.now_datetime)
        response_due = self._after(at, deadline.response_seconds, deadline.wall_time)
        resolution_due = self._after(at, deadline.resolution_seconds, deadline.wall_time)
        note = rule[1] if rule else note
        self._event(
            life, at, Kind.FORWARDED if action == "forward" else Kind.TRANSITION, action,
            to=Status.ASSIGNED, actor=actor, note=note,
            agency=agency_id,
        )  # fmt: skip
        life.agency_id, life.due = agency_id, resolution_due
        row: dict[str, object] = {
            "agency_id": agency_id, "state": D.PENDING, "note": note,
            "rule_id": rule[0] if rule else None, "forwarded_from_id": forwarded_from,
            "reopen_of_id": reopen_of, "created_by_id": actor, "wall": deadline.wall_time,
            "paused_at": None, "paused_total": 0.0, "accepted_at": None, "closed_at": None,
        }  # fmt: skip
        disposition = Open(
            id=self.ids.take(Disposition),
            agency_id=agency_id,
            created=at,
            row=row,
            clock=Clock(opened=at, response_due=response_due, resolution_due=resolution_due),
        )
        life.dispositions.append(disposition)
        return disposition

    def _label(self, actor: int | None) -> str:
        return "system" if actor is None else self.world.labels[actor]

    def _close(self, disposition: Open, at: float, state: str) -> None:
        disposition.row["state"] = state
        disposition.row["closed_at"] = at
        disposition.clock.closed = at

    def _other_agency(self, life: Life, current: int) -> int:
        """Where koordinasi sends it: the router's pick for a related topic, else anyone."""
        for _attempt in range(4):
            category = self.rng.choice(self.world.categories)
            found = self.world.route(category.pk, life.draft.place)
            if found and found[0] != current:
                return found[0]
        return self.rng.choice([a for a in self.world.agencies if a != current])

    # The life ------------------------------------------------------------------------

    def run(self, draft: Draft, batch: Batch) -> None:
        life = Life(draft=draft, updated=draft.created)
        desk_actor = self.rng.choice(self.world.operator_ids) if draft.channel in DESK else None
        life.events.append(
            (
                draft.created,
                (Kind.CREATED, "", desk_actor, draft.channel, None, "", Status.NEW, "", True),
            )
        )
        self._route(life, batch)
        self._write(life, batch)

    def _route(self, life: Life, batch: Batch) -> None:
        draft, rng = life.draft, self.rng
        at = draft.created + rng.uniform(2, 40)
        if at > self.now:
            return
        chose = draft.channel not in CHAT and rng.random() < 0.9
        confident = chose or rng.random() < 0.93
        decision_id = self.ids.take(CategorizationDecision)
        if chose:
            decision = (draft.category_id, None, CategorizationDecision.Source.REPORTER)
        elif confident:
            decision = (draft.category_id, rng.uniform(0.6, 0.99), "model")
        else:
            decision = (None, rng.uniform(0.2, 0.59), "model")
        batch.add(
            CategorizationDecision,
            (decision_id, draft.id, decision[0], decision[1], decision[2], [], None, None,
             "" if chose else "generated", None, to_datetime(at)),
        )  # fmt: skip
        life.categorized = confident
        match = self.world.route(draft.category_id, draft.place) if confident else None
        if match is None:
            self._event(life, at, Kind.TRANSITION, "send_to_triage", to=Status.TRIAGE)
            self._triage(life, at, batch)
            return
        disposition = self._open(
            life, at, match[0], action="route", actor=None, rule=(match[1], match[2])
        )
        self._dispositions(life, disposition, batch)

    def _triage(self, life: Life, since: float, batch: Batch) -> None:
        """An operator decides: reject with a reason, or categorize and assign."""
        rng, draft = self.rng, life.draft
        at = self.cal.after(since, rng.lognormvariate(0.5, 1.0) * HOUR)
        if at > self.now:
            return
        operator = rng.choice(self.world.operator_ids)
        match = self.world.route(draft.category_id, draft.place)
        if match is None or rng.random() < 0.3:
            self._event(
                life, at, Kind.TRANSITION, "reject", to=Status.REJECTED, actor=operator,
                note=rng.choice(texts.REJECT_REASONS),
            )  # fmt: skip
            return
        life.categorized = True
        self._event(
            life, at, Kind.NOTE, "categorize", actor=operator,
            note="Kategori ditetapkan operator", public=False,
        )  # fmt: skip
        batch.add(
            CategorizationDecision,
            (self.ids.take(CategorizationDecision), draft.id, draft.category_id, None, "person",
             [], None, None, "", operator, to_datetime(at)),
        )  # fmt: skip
        agency = match[0]
        if life.returned_by == agency:  # returned by this very agency: someone else's turn
            agency = self._other_agency(life, agency)
        disposition = self._open(life, at + 1, agency, action="assign", actor=operator)
        self._dispositions(life, disposition, batch)

    def _dispositions(self, life: Life, disposition: Open, batch: Batch) -> None:
        """The holder's turn, and whatever follows: another agency, a reopen, the end."""
        while disposition is not None:
            disposition = self._turn(life, disposition, batch)

    def _turn(self, life: Life, d: Open, batch: Batch) -> Open | None:
        rng, now, prof = self.rng, self.now, self.profiles[d.agency_id]
        draft, wall = life.draft, bool(d.row["wall"])
        if draft.master_id is not None and len(life.dispositions) == 1:
            return self._merge(life, d, batch)
        if rng.random() < prof.stuck:
            return None  # nobody at the agency ever opens it: the ladder runs to the end
        response_work = self._response_seconds(d, prof)
        responded = max(d.created + 60, self._after(d.created, response_work, wall))
        if responded > now:
            return None
        staff = self._staff(d.agency_id)
        roll = rng.random()
        hops = len(life.dispositions)
        if roll < prof.forward and hops < 3:
            self._close(d, responded, D.FORWARDED)
            target = self._other_agency(life, d.agency_id)
            return self._open(
                life, responded, target, action="forward", actor=staff,
                note=rng.choice(texts.FORWARD_REASONS), forwarded_from=d.id,
            )  # fmt: skip
        if roll < prof.forward + prof.returns and hops < 3:
            self._close(d, responded, D.RETURNED)
            self._event(
                life, responded, Kind.TRANSITION, "return_to_triage", to=Status.TRIAGE,
                actor=staff, note=rng.choice(texts.RETURN_REASONS),
                agency=d.agency_id,
            )  # fmt: skip
            life.due, life.agency_id, life.returned_by = None, None, d.agency_id
            self._triage(life, responded, batch)
            return None
        d.row.update(state=D.ACCEPTED, accepted_at=responded)
        d.clock.accepted = responded
        self._event(life, responded, Kind.ACCEPTED, "accept", actor=staff,
                    agency=d.agency_id)  # fmt: skip
        started = responded + rng.uniform(0, 2 * HOUR)
        if started > now:
            return None
        self._event(life, started, Kind.TRANSITION, "start", to=Status.IN_PROGRESS,
                    actor=staff, agency=d.agency_id)  # fmt: skip
        paused = 0.0
        if rng.random() < 0.04:
            paused = self._pause(life, d, started, staff)
            if paused < 0:
                return None  # still waiting for the reporter's answer
        work = (d.clock.resolution_due - d.created) if wall else self._resolution_seconds(d)
        factor = rng.lognormvariate(prof.resolve_mu, 0.75)
        resolved = self._after(d.created, work * factor + paused, wall)
        resolved = max(resolved, started + 600, (d.clock.resumed or 0) + 600)
        if resolved > now:
            return None
        self._close(d, resolved, D.RESOLVED)
        d.row["accepted_at"] = d.row["accepted_at"] or resolved
        self._event(
            life,
            resolved,
            Kind.TRANSITION,
            "resolve",
            to=Status.RESOLVED,
            actor=staff,
            note=rng.choice(texts.RESOLVE_NOTES),
            agency=d.agency_id,
        )
        resolve_index = len(life.events) - 1
        on_time = resolved <= (d.clock.moved_resolution_due or d.clock.resolution_due)
        return self._citizen(life, d, resolved, resolve_index, on_time, batch)

    def _response_seconds(self, d: Open, prof: AgencyProfile) -> float:
        window = (
            d.clock.response_due - d.created
            if d.row["wall"]
            else self.cal.between(d.created, d.clock.response_due)
        )
        return window * self.rng.lognormvariate(prof.respond_mu, 0.9)

    def _resolution_seconds(self, d: Open) -> float:
        return self.cal.between(d.created, d.clock.resolution_due)

    def _pause(self, life: Life, d: Open, started: float, staff: int) -> float:
        """A question to the reporter; the working time it paused, or -1 if unanswered."""
        rng = self.rng
        asked = started + rng.uniform(0.2, 6) * HOUR
        if asked > self.now:
            return 0.0
        self._event(life, asked, Kind.QUESTION, "request_info", actor=staff,
                    note=rng.choice(texts.QUESTIONS), agency=d.agency_id)  # fmt: skip
        d.row["paused_at"], d.clock.paused = asked, asked
        answered = asked + rng.lognormvariate(2.5, 1.0) * HOUR
        if rng.random() < 0.15 or answered > self.now:
            return -1.0
        wall = bool(d.row["wall"])
        span = (answered - asked) if wall else self.cal.between(asked, answered)
        d.row["paused_at"], d.row["paused_total"] = None, span
        d.clock.resumed = answered
        for name in ("response_due", "resolution_due"):
            due = getattr(d.clock, name)
            moved = due if asked >= due or not span else self._after(due, span, wall)
            setattr(d.clock, f"moved_{name}", moved)
        life.due = d.clock.moved_resolution_due
        self._event(life, answered, Kind.ANSWER, "provide_info", label="citizen",
                    note=rng.choice(texts.ANSWERS), agency=d.agency_id)  # fmt: skip
        return span

    def _citizen(
        self, life: Life, d: Open, resolved: float, resolve_index: int, on_time: bool, batch: Batch
    ) -> Open | None:
        """Reopen (back to the same agency), confirm and rate, or silence and closing."""
        rng, now, prof = self.rng, self.now, self.profiles[d.agency_id]
        roll = rng.random()
        reopen = prof.reopen * (1.0 if on_time else 1.8)
        if roll < reopen and len(life.dispositions) < 4:
            at = resolved + rng.uniform(0.1, 0.9) * self.reopen_window
            if at > now:
                return None
            self._event(life, at, Kind.TRANSITION, "reopen", to=Status.REOPENED,
                        label="citizen", note=rng.choice(texts.REOPEN_REASONS),
                        agency=d.agency_id)  # fmt: skip
            return self._open(
                life, at + rng.uniform(1, 5), d.agency_id, action="reassign", actor=None,
                note=rng.choice(texts.REOPEN_REASONS), reopen_of=d.id,
            )  # fmt: skip
        if roll < reopen + 0.45:
            at = resolved + min(rng.lognormvariate(2.5, 1.0) * HOUR, 0.95 * self.reopen_window)
            if at > now:
                return None
            self._event(life, at, Kind.TRANSITION, "confirm", to=Status.CLOSED, label="citizen",
                        agency=d.agency_id)  # fmt: skip
            if rng.random() < 0.75:
                self._rate(life, resolve_index, at, on_time, prof)
            return None
        at = resolved + self.reopen_window + rng.uniform(0, HOUR)
        if at > now:
            return None
        self._event(life, at, Kind.TRANSITION, "close", to=Status.CLOSED, agency=d.agency_id)
        later = at + rng.uniform(0, 5) * DAY
        if rng.random() < 0.15 and later <= now:
            self._rate(life, resolve_index, later, on_time, prof)
        return None

    def _rate(
        self, life: Life, resolve_index: int, at: float, on_time: bool, prof: AgencyProfile
    ) -> None:
        score = rating_score(self.rng, on_time=on_time, bias=prof.satisfaction)
        life.ratings.append((resolve_index, score, at))

    def _merge(self, life: Life, d: Open, batch: Batch) -> None:
        """A burst's later report, merged by an operator into the first one."""
        rng, draft = self.rng, life.draft
        link_id = self.ids.take(DuplicateLink)
        found = d.created + rng.uniform(1, 30)
        merged = d.created + rng.uniform(0.5, 8) * HOUR
        done = merged <= self.now
        operator = rng.choice(self.world.operator_ids)
        batch.add(
            DuplicateLink,
            (link_id, draft.id, draft.master_id, round(rng.uniform(0.55, 0.95), 3), "same_area",
             None, DuplicateLink.State.MERGED if done else DuplicateLink.State.OPEN,
             to_datetime(found), operator if done else None,
             to_datetime(merged) if done else None),
        )  # fmt: skip
        if not done:
            return None
        self._close(d, merged, D.CANCELLED)
        self._event(life, merged, Kind.TRANSITION, "mark_duplicate", to=Status.DUPLICATE,
                    actor=operator, agency=d.agency_id)  # fmt: skip
        life.merged_into = draft.master_id
        return None

    # Rows ------------------------------------------------------------------------------

    def _write(self, life: Life, batch: Batch) -> None:
        write_life(self, life, batch)
