"""Start a Celery task by its name, so services never import tasks.py (which imports them).

The task is looked up in the app's registry (each app's AppConfig.ready() imports its tasks.py at
start-up): registered, it honours eager mode in tests; unknown here, the message still
goes to the broker under that name. A broker that is down is the caller's to handle.
"""

from __future__ import annotations

from celery import current_app


def enqueue(name: str, *args: object, countdown: float | None = None, retry: bool = False) -> None:
    """Publish `name(*args)`; no publish retries unless asked (a dead broker must not block)."""
    options: dict[str, object] = {"retry": retry}
    if countdown:
        options["countdown"] = countdown
    task = current_app.tasks.get(name)
    if task is None:
        current_app.send_task(name, args=args, **options)
    else:
        task.apply_async(args, **options)
