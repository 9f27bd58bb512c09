"""The chaos tests' processes: tests/processes.py's stack, with workers to number and kill."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pytest
import redis

from tests.processes import Stack

PROCESS_TIMEOUT = 120.0
# Unacknowledged messages of a dead worker come back this soon (the production default is
# an hour, docs/hardening.md); no task in these tests has a countdown.
VISIBILITY_SECONDS = 3
QUEUES = ("default", "intake", "notify")


class ChaosStack(Stack):
    def __init__(self, tmp_path, **env: str) -> None:
        super().__init__(tmp_path)
        self.env.update(CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_SECONDS), **env)
        self._workers = 0

    def start_worker(self, *, concurrency: int = 2) -> str:
        self._workers += 1
        name = f"worker-{self._workers}"
        super().start_worker(name=name, concurrency=concurrency)
        return name

    def workers(self) -> list[str]:
        return [name for name in self.services if name.startswith("worker-")]

    def start_all(self) -> None:
        self.start_redis()
        self.start_web()
        self.start_worker()

    def kill_worker(self, name: str | None = None) -> None:
        """SIGKILL to a worker's whole process group (the newest unless named): no warm
        shutdown, no ack, no requeue."""
        worker = self.services.pop(name or f"worker-{self._workers}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()

    def broker(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.redis_port, db=0)

    def broker_idle(self) -> bool:
        """Every queue empty and no message held unacknowledged by any worker."""
        client = self.broker()
        queued = sum(client.llen(name) for name in QUEUES)
        return queued == 0 and client.hlen("unacked") == 0


@pytest.fixture
def chaos(tmp_path) -> Iterator:
    """Make a ChaosStack (environment overrides as keywords); every process stops after."""
    stacks: list[ChaosStack] = []

    def make(**env: str) -> ChaosStack:
        stack = ChaosStack(tmp_path, **env)
        stacks.append(stack)
        return stack

    try:
        yield make
    finally:
        for stack in stacks:
            stack.stop_all()
