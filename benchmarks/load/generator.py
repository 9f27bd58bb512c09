"""A bounded HTTP load generator on aiohttp: closed loop, N connections, for T seconds.

Why not locust: it brings gevent, Flask and a dozen packages for what is here a loop of
timed requests; aiohttp is already pinned for the tests. 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

# (method, path, body, headers) for request number n.
RequestMaker = Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


async def _run(
    base: str, name: str, make: RequestMaker, *, concurrency: int, seconds: float, limit: int
) -> Result:
    assert urlsplit(base).hostname == "127.0.0.1", "load goes to this machine only"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    counter = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:

        async def user() -> None:
            nonlocal counter, errors
            while time.monotonic() < deadline and counter < limit:
                counter += 1
                method, path, body, headers = make(counter)
                started = time.perf_counter()
                try:
                    async with session.request(method, path, data=body, headers=headers) as r:
                        await r.read()
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                        if r.status >= 400:
                            errors += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return Result(name, len(latencies), errors, elapsed, latencies, statuses)


def run(
    base: str,
    name: str,
    make: RequestMaker,
    *,
    concurrency: int = 16,
    seconds: float = 10.0,
    limit: int = 1_000_000,
) -> Result:
    return asyncio.run(
        _run(base, name, make, concurrency=concurrency, seconds=seconds, limit=limit)
    )
