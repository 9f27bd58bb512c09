"""Thin Celery tasks of the core."""

from celery import shared_task

from . import services


@shared_task(name="complaints.purge_pending_uploads")
def purge_pending_uploads() -> int:
    """Drop photos kept for forms that were never resubmitted."""
    return services.pending_uploads_purge()
