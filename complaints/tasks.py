"""Thin Celery tasks of the core."""

from celery import shared_task

from . import services


@shared_task(name="complaints.purge_pending_uploads")
def purge_pending_uploads() -> int:
    """Drop photos kept for forms that were never resubmitted."""
    return services.pending_uploads_purge()


@shared_task(name="complaints.export_open_data")
def export_open_data() -> int:
    """The daily open-data files (complaints/open_data.py); rewriting them is harmless."""
    from .open_data import open_data_export

    return open_data_export()


@shared_task(name="complaints.refresh_map_cells")
def refresh_map_cells() -> int:
    """Rebuild the public map's city-zoom summary (complaints/geo.py); a rerun is harmless."""
    from .geo import map_cells_rebuild

    return map_cells_rebuild()
