"""After-commit hooks: how the core announces events to the apps built on it.

complaints/ imports no other app. When a complaint is created or changes status, other
apps (routing, replies to the citizen) must act. They register a handler here in their
AppConfig.ready(); the core calls `fire()` inside its transaction and the handlers run
after the commit, each on its own: one failing handler (a broker that is down) is logged
and never breaks the request or the other handlers. Work that must not be lost has a
periodic sweeper as well (see dispositions.tasks.route_stranded_complaints).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

COMPLAINT_CREATED = "complaint.created"
COMPLAINT_TRANSITIONED = "complaint.transitioned"
# A complaint was merged into another (payload: complaint_id, into_id); its reporter now
# follows the other one's progress (see complaints.selectors.complaint_followers).
COMPLAINT_MERGED = "complaint.merged"
# Two reporter records of one citizen became one (payload: reporter_id, merged_id; the
# merged record is gone). Rows that point at a reporter by foreign key have already moved
# in the same transaction (complaints.services.reporter_merge); this is for anything that
# keeps a reporter's id elsewhere (a cache, a search index, another system).
REPORTER_MERGED = "reporter.merged"
EVENTS = (COMPLAINT_CREATED, COMPLAINT_TRANSITIONED, COMPLAINT_MERGED, REPORTER_MERGED)

Handler = Callable[..., Any]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def register(event: str, handler: Handler) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown hook event {event!r}")
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def handlers(event: str) -> list[Handler]:
    return list(_handlers[event])


def fire(event: str, **payload: Any) -> None:
    """Run every handler of `event` with `payload` once the current transaction commits."""
    for handler in handlers(event):
        transaction.on_commit(lambda h=handler: _run(h, event, payload))


def _run(handler: Handler, event: str, payload: dict[str, Any]) -> None:
    try:
        handler(**payload)
    except Exception:
        logger.exception("Hook %s for %s failed; the sweeper will catch up", handler, event)
