"""Reads that may lag a little (reports, statistics) go to a read replica when one is set.

`DATABASE_REPLICA_URL` adds the `replica` alias; a view (or a block) wrapped in
`reading_from_replica()` sends its reads there, everything else reads and writes the
primary. Without a replica the router answers None and Django uses `default`, so the
same code runs on one database. docs/scaling.md says which pages use it and why.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view decorator: the view's reads go to the replica (when there is one)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _use_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # it follows the primary by replication, never by migrate
