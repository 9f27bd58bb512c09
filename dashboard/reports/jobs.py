"""Export jobs: large list and section exports written by a worker (docs/reports.md).

    export_job_start(owner=, kind=, section=, fmt=, params=)  -> ExportJob (enqueued after commit)
    export_job_run(job_id=)       the task's body; idempotent, fenced by `attempt`
    export_jobs_sweep(now=)       beat: re-enqueue stranded jobs, remove expired files
    export_job_for_owner(user=, job_id=) / export_jobs_of(user=)   reads

The worker re-reads the owner's visibility when it runs (complaints_filtered for a list,
ReportScope.for_user for a section), so a job sees exactly what its owner's page would.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints.models import User
from config.queue import enqueue

from ..models import ExportJob
from .exports import csv_lines, xlsx_bytes
from .list_export import list_count, list_header, list_queryset, list_rows
from .period import ReportInputError, parse_filters
from .scope import ReportScope
from .sections import SECTIONS, report_section

logger = logging.getLogger(__name__)

Status = ExportJob.Status
PROGRESS_EVERY = 2000
# Excel's sheet holds 1,048,576 rows, the header included.
XLSX_ROW_LIMIT = 1_048_575
# A job still pending this long was never delivered (broker down at the time): send again.
STRANDED_PENDING = timedelta(minutes=2)
# A running job that reported no progress this long lost its worker: run it again.
STRANDED_RUNNING = timedelta(minutes=15)


class Superseded(Exception):
    """Another run claimed the job after this one: this run stops and leaves no file."""


def exports_storage() -> Storage:
    return storages["exports"]


def _enqueue(job_id: int) -> None:
    enqueue("dashboard.run_export_job", job_id)


def export_job_start(
    *, owner: User, kind: str, fmt: str, params: str, section: str = ""
) -> ExportJob:
    """A job for this export; the same export still waiting or running is reused."""
    if kind == ExportJob.Kind.SECTION and section not in SECTIONS:
        raise ValueError(f"unknown report section {section!r}")
    with transaction.atomic():
        existing = (
            ExportJob.objects.filter(
                owner=owner, kind=kind, section=section, fmt=fmt, params=params,
                status__in=[Status.PENDING, Status.RUNNING],
            )
            .order_by("-created_at")
            .first()
        )  # fmt: skip
        if existing is not None:
            return existing
        job = ExportJob.objects.create(
            owner=owner, kind=kind, section=section, fmt=fmt, params=params,
            language=translation.get_language() or "",
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _touch(job: ExportJob, attempt: int, **fields: object) -> None:
    """Write progress or a result if this run still holds the job; else Superseded."""
    updated = ExportJob.objects.filter(pk=job.pk, attempt=attempt, status=Status.RUNNING).update(
        updated_at=timezone.now(), **fields
    )
    if not updated:
        raise Superseded


def _claim(job_id: int) -> tuple[ExportJob, int] | None:
    job = ExportJob.objects.filter(pk=job_id).select_related("owner").first()
    if job is None or job.is_finished:
        return None
    attempt = job.attempt + 1
    now = timezone.now()
    # The job's own status (never a complaint's, which only complaints/lifecycle.py writes).
    claimed = ExportJob.objects.filter(
        pk=job.pk, attempt=job.attempt, status__in=[Status.PENDING, Status.RUNNING]
    ).update(
        status=Status.RUNNING, attempt=attempt, rows_done=0, updated_at=now
    )  # fmt: skip
    return (job, attempt) if claimed else None


def _write_list(job: ExportJob, attempt: int, path: Path) -> int:
    qs = list_queryset(job.owner, QueryDict(job.params))
    total = list_count(qs)
    if job.fmt == ExportJob.Format.XLSX and total > XLSX_ROW_LIMIT:
        raise ReportInputError(
            _("More than %s rows do not fit in one Excel sheet: download the CSV.")
            % f"{XLSX_ROW_LIMIT:,}"
        )
    _touch(job, attempt, rows_total=total)

    def counted(rows: Iterator[list[str]]) -> Iterator[list[str]]:
        done = 0
        for done, row in enumerate(rows, 1):
            yield row
            if done % PROGRESS_EVERY == 0:
                _touch(job, attempt, rows_done=done, rows_total=max(total, done))
        _touch(job, attempt, rows_done=done, rows_total=done)

    rows = counted(list_rows(qs))
    if job.fmt == ExportJob.Format.CSV:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(list_header())
            writer.writerows(rows)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="aduan")
        sheet.append(list_header())
        for row in rows:
            sheet.append(row)
        book.save(path)
    return ExportJob.objects.values_list("rows_done", flat=True).get(pk=job.pk)


def _write_section(job: ExportJob, attempt: int, path: Path) -> int:
    scope = ReportScope.for_user(job.owner)
    if scope is None:
        raise ReportInputError(_("This account may no longer read reports."))
    filters = parse_filters(QueryDict(job.params), scope)
    tables = report_section(job.section, scope, filters)
    rows = sum(len(t.rows) for t in tables)
    _touch(job, attempt, rows_total=rows)
    if job.fmt == ExportJob.Format.CSV:
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(csv_lines(tables))
    else:
        path.write_bytes(xlsx_bytes(tables))
    _touch(job, attempt, rows_done=rows)
    return rows


def download_name(job: ExportJob) -> str:
    stem = "aduan" if job.kind == ExportJob.Kind.LIST else job.section
    return f"sigap-{stem}-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.{job.fmt}"


def export_job_run(*, job_id: int) -> str:
    """Write the job's file; the outcome as a word (the worker logs it)."""
    claimed = _claim(job_id)
    if claimed is None:
        return "skipped"
    job, attempt = claimed
    storage = exports_storage()
    fd, temp_name = tempfile.mkstemp(suffix=f".{job.fmt}")
    os.close(fd)
    temp = Path(temp_name)
    saved = ""
    try:
        # Headers and labels in the language the owner asked in (the worker has no request).
        with translation.override(job.language or settings.LANGUAGE_CODE):
            if job.kind == ExportJob.Kind.LIST:
                _write_list(job, attempt, temp)
            else:
                _write_section(job, attempt, temp)
        with temp.open("rb") as handle:
            saved = storage.save(
                f"{job.pk}-{attempt}-{get_random_string(16)}.{job.fmt}", File(handle)
            )
        now = timezone.now()
        _touch(
            job, attempt, status=Status.DONE, file_name=saved, finished_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )  # fmt: skip
        return "done"
    except Superseded:
        if saved:
            storage.delete(saved)
        return "superseded"
    except (ReportInputError, ValidationError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        ExportJob.objects.filter(pk=job.pk, attempt=attempt).update(
            status=Status.FAILED, error=message[:300], finished_at=timezone.now(),
            updated_at=timezone.now(),
        )  # fmt: skip
        return "failed"
    finally:
        temp.unlink(missing_ok=True)


def export_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat (idempotent): re-enqueue jobs a lost message or worker stranded; remove the
    files of expired jobs (the row stays, marked expired, so its page can say so)."""
    now = now or timezone.now()
    stranded = list(
        ExportJob.objects.filter(
            Q(status=Status.PENDING, updated_at__lt=now - STRANDED_PENDING)
            | Q(status=Status.RUNNING, updated_at__lt=now - STRANDED_RUNNING)
        ).values_list("pk", flat=True)
    )
    for pk in stranded:
        # Bump updated_at so the next sweep waits again before a second re-enqueue.
        ExportJob.objects.filter(pk=pk).update(updated_at=now)
        _enqueue(pk)
    storage = exports_storage()
    expired = 0
    for pk, name in ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now).values_list(
        "pk", "file_name"
    ):
        # The file first: a sweep that dies between the two finds the row still done and
        # deletes again (deleting a missing file is a no-op); the download view answers 410.
        if name:
            storage.delete(name)
        expired += ExportJob.objects.filter(pk=pk, status=Status.DONE).update(
            status=Status.EXPIRED, file_name="", updated_at=now
        )
    return {"requeued": len(stranded), "expired": expired}


def export_jobs_of(*, user: User) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(owner=user).order_by("-created_at")


def export_job_for_owner(*, user: User, job_id: int) -> ExportJob | None:
    """The job if `user` owns it; None for anyone else (they get a 404, not a hint)."""
    return ExportJob.objects.filter(pk=job_id, owner=user).first()
