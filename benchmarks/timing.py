"""Timing helpers: warm up, repeat, and summarise latencies and rates with the median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One line of the results table: a case measured on one database."""

    section: str
    case: str
    ops: int
    repetitions: int
    rate_per_s: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; good enough for a few hundred samples."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def measure(
    section: str,
    case: str,
    operation: Callable[[int], object],
    *,
    ops: int,
    repetitions: int,
    warmup: int,
) -> Result:
    """Run `operation(i)` `warmup` times untimed, then `repetitions` rounds of `ops` calls.

    The rate is the median over rounds of ops / round time; p50 and p95 pool every call's
    latency. `i` runs on across warm-up and rounds so each call can pick fresh input.
    """
    counter = 0
    for _ in range(warmup):
        operation(counter)
        counter += 1
    latencies: list[float] = []
    rates: list[float] = []
    for _ in range(repetitions):
        round_start = time.perf_counter()
        for _ in range(ops):
            start = time.perf_counter()
            operation(counter)
            latencies.append(time.perf_counter() - start)
            counter += 1
        rates.append(ops / (time.perf_counter() - round_start))
    return Result(
        section=section,
        case=case,
        ops=ops,
        repetitions=repetitions,
        rate_per_s=statistics.median(rates),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
    )
