"""`generate_complaints`: N realistic complaints over a period, in batches, with progress.

When: the period ends at `until` (default: now, to the minute) and spans `months`; each
day's volume follows a weekly rhythm (Monday busiest, Sunday quietest), a slow growth
and a few viral bursts (one topic in one city for a day or three, whose later reports
get merged into the first); each complaint's hour follows a daily curve. What and where:
JQR's channel mix (WhatsApp about half), Jakarta's most common subjects, the loaded
area tree with Kota Bandung and Jakarta busiest. Then each complaint lives its life
(simulate.py) and its rows are written in batches (writer.py). Same seed, same
`until`, same starting database: same rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils import timezone

from complaints.models import Channel, Complaint, Reporter
from dispositions.deadlines import working_calendar

from . import texts
from .calendar import FastCalendar
from .rows import Batch, Ids
from .simulate import Simulator
from .simulate_parts import Draft
from .world import PRIORITIES, PRIORITY_WEIGHTS, World, world_load
from .writer import BatchWriter, sequences_reset

# JQR's first 30,827 complaints (DESIGN.md), plus Jakarta's other channels in small shares.
CHANNEL_WEIGHTS = {
    Channel.WHATSAPP: 48.0, Channel.WEB: 26.0, Channel.INSTAGRAM: 8.0, Channel.HOTLINE: 7.0,
    Channel.FACEBOOK: 3.0, Channel.TWITTER: 2.0, Channel.SMS: 2.0, Channel.WALK_IN: 1.5,
    Channel.EMAIL: 1.0, Channel.TELEGRAM: 0.8, Channel.API: 0.7,
}  # fmt: skip
WEEKDAY = (1.15, 1.1, 1.05, 1.0, 0.95, 0.7, 0.6)  # Monday .. Sunday
HOURS = (
    0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.7, 1.9, 1.8, 1.6,
    1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.3, 1.6, 1.7, 1.4, 0.9, 0.4,
)  # fmt: skip
# From this many complaints on PostgreSQL, one transaction with indexes built at the end.
ONE_TRANSACTION_FROM = 100_000
BURST_TOPICS = ("banjir", "pohon-tumbang", "sampah", "jalan-rusak", "kemacetan", "parkir-liar")


@dataclass(frozen=True)
class Burst:
    first_day: int
    days: int
    extra: float  # complaints a day on top of the usual
    category_id: int
    city_id: int


@dataclass
class GenerateResult:
    complaints: int
    rows: dict[str, int]
    seconds: float


def _bursts(rng: random.Random, world: World, days: int, per_day: float) -> list[Burst]:
    by_city: dict[int, float] = {}
    for place, weight in zip(world.places, world.place_weights, strict=True):
        by_city[place.city_id] = by_city.get(place.city_id, 0.0) + weight
    busy = sorted(by_city, key=lambda c: -by_city[c])[:8]
    slugs = {c.slug: c.pk for c in world.categories}
    topics = [slugs[s] for s in BURST_TOPICS if s in slugs] or [world.categories[0].pk]
    count = max(1, days // 90)
    return [
        Burst(
            first_day=rng.randrange(days),
            days=rng.randint(1, 3),
            extra=per_day * rng.uniform(1.5, 4.0),
            category_id=rng.choice(topics),
            city_id=rng.choice(busy),
        )
        for _ in range(count)
    ]


def _moments(
    np_rng: np.random.Generator, count: int, start: datetime, until: datetime, bursts: list[Burst]
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted creation moments (epoch seconds) and each one's day index."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first = start.astimezone(tz).date()
    days = (until.astimezone(tz).date() - first).days + 1
    weights = np.array(
        [
            WEEKDAY[(first + timedelta(days=d)).weekday()] * (0.7 + 0.6 * d / days)
            for d in range(days)
        ]
    )
    base = count / days
    for burst in bursts:
        for d in range(burst.first_day, min(days, burst.first_day + burst.days)):
            weights[d] += burst.extra / base * weights[d]
    per_day = np_rng.multinomial(count, weights / weights.sum())
    hours = np.array(HOURS) / sum(HOURS)
    midnights = np.array(
        [datetime.combine(first + timedelta(days=d), datetime.min.time(), tz).timestamp()
         for d in range(days)]
    )  # fmt: skip
    day_index = np.repeat(np.arange(days), per_day)
    moments = (
        midnights[day_index]
        + np_rng.choice(24, size=count, p=hours) * 3600.0
        + np_rng.uniform(0, 3600, size=count)
    )
    # Keep inside [start, until): the first and last days are partial.
    lo, hi = start.timestamp(), until.timestamp() - 1
    moments = np.clip(moments, lo, hi)
    order = np.argsort(moments, kind="stable")
    return moments[order], day_index[order]


class Drafts:
    """Draws what, where, how and who for each complaint."""

    def __init__(self, rng: random.Random, world: World, reporters: tuple[int, int]) -> None:
        self.rng, self.world = rng, world
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_cum = list(accumulate(CHANNEL_WEIGHTS.values()))
        self.category_cum = list(accumulate(world.category_weights))
        self.place_cum = list(accumulate(world.place_weights))
        self.slug_of = {c.pk: c.slug for c in world.categories}
        self.reporters = reporters
        self.city_places: dict[int, tuple[list[int], list[float]]] = {}
        for i, place in enumerate(world.places):
            members = self.city_places.setdefault(place.city_id, ([], []))
            members[0].append(i)
            members[1].append(world.place_weights[i])
        self.masters: dict[int, int] = {}  # burst index -> its first report

    def draw(self, complaint_id: int, created: float, burst: tuple[int, Burst] | None) -> Draft:
        rng, world = self.rng, self.world
        channel = rng.choices(self.channels, cum_weights=self.channel_cum)[0]
        master = None
        if burst is not None:
            index, spec = burst
            category_id = spec.category_id
            members, weights = self.city_places[spec.city_id]
            place = world.places[rng.choices(members, weights=weights)[0]]
            if index not in self.masters:
                self.masters[index] = complaint_id
                channel = Channel.WEB  # the first report comes categorized and routes at once
            elif rng.random() < 0.4:
                master = self.masters[index]
        else:
            category = rng.choices(world.categories, cum_weights=self.category_cum)[0]
            category_id = category.pk
            place = rng.choices(world.places, cum_weights=self.place_cum)[0]
        first, total = self.reporters
        reporter = first + rng.randrange(total) if rng.random() < 0.88 else None
        return Draft(
            id=complaint_id,
            created=created,
            channel=channel,
            category_id=category_id,
            place=place,
            priority=rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0],
            reporter_id=reporter,
            is_anonymous=rng.random() < 0.04,
            is_confidential=rng.random() < 0.015,
            text=texts.complaint_text(rng, self.slug_of[category_id]),
            master_id=master,
        )


def _reporters(rng: random.Random, ids: Ids, total: int, at: datetime) -> Batch:
    batch = Batch()
    for _ in range(total):
        reporter_id = ids.take(Reporter)
        name, phone, email = texts.reporter_identity(rng, reporter_id)
        batch.add(Reporter, (reporter_id, name, phone, email, at))
    return batch


def generate_complaints(
    *,
    count: int,
    seed: int,
    months: int = 24,
    until: datetime | None = None,
    batch_size: int = 10_000,
    progress: Callable[[str], None] = lambda line: None,
) -> GenerateResult:
    if count < 1 or months < 1:
        raise ValueError("count and months must be at least 1")
    started = time.perf_counter()
    until = until or timezone.now().replace(second=0, microsecond=0)
    start = until - timedelta(days=months * 30.4375)
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    world = world_load(seed=seed)
    calendar = FastCalendar(
        working_calendar(years=range(start.year - 1, until.year + 3)),
        first_day=(start - timedelta(days=10)).date(),
        last_day=(until + timedelta(days=400)).date(),
    )
    ids = Ids.from_database()
    writer = BatchWriter(one_transaction=count >= ONE_TRANSACTION_FROM)
    try:
        totals = _generate(
            count=count, start=start, until=until, rng=rng, np_rng=np_rng, world=world,
            calendar=calendar, ids=ids, writer=writer, batch_size=batch_size,
            progress=progress, started=started,
        )  # fmt: skip
        if writer.one_transaction:
            progress("building the indexes of the generated tables ...")
    finally:
        writer.close()
    sequences_reset()
    return GenerateResult(complaints=count, rows=totals, seconds=time.perf_counter() - started)


def _generate(
    *,
    count: int,
    start: datetime,
    until: datetime,
    rng: random.Random,
    np_rng: np.random.Generator,
    world: World,
    calendar: FastCalendar,
    ids: Ids,
    writer: BatchWriter,
    batch_size: int,
    progress: Callable[[str], None],
    started: float,
) -> dict[str, int]:
    total_reporters = max(20, int(count * 0.55))
    first_reporter = ids.next[Reporter]
    for offset in range(0, total_reporters, batch_size):
        writer.put(_reporters(rng, ids, min(batch_size, total_reporters - offset), start))
    days = (until - start).days + 1
    bursts = _bursts(rng, world, days, count / days)
    moments, day_index = _moments(np_rng, count, start, until, bursts)
    local = timezone.localtime
    progress(
        f"period {local(start):%Y-%m-%d} .. {local(until):%Y-%m-%d %H:%M}, "
        f"{len(bursts)} viral bursts"
    )
    drafts = Drafts(rng, world, (first_reporter, total_reporters))
    simulator = Simulator(world=world, calendar=calendar, ids=ids, rng=rng, now=until.timestamp())
    burst_days = {
        d: (i, b) for i, b in enumerate(bursts) for d in range(b.first_day, b.first_day + b.days)
    }
    base = count / days
    totals: dict[str, int] = {"reporter": total_reporters}
    batch = Batch()
    for n in range(count):
        burst = burst_days.get(int(day_index[n]))
        if burst is not None and rng.random() >= burst[1].extra / (burst[1].extra + base):
            burst = None
        simulator.run(drafts.draw(ids.take(Complaint), float(moments[n]), burst), batch)
        if batch.count(Complaint) >= batch_size or n == count - 1:
            for model, rows in batch.rows.items():
                name = model._meta.model_name
                totals[name] = totals.get(name, 0) + len(rows)
            writer.put(batch)
            batch = Batch()
            elapsed = time.perf_counter() - started
            progress(
                f"{n + 1:>10,} / {count:,} complaints ({(n + 1) / count:.0%}) · "
                f"{(n + 1) / elapsed:,.0f}/s · {elapsed:,.0f} s"
            )
    return totals
