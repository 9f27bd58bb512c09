"""Export jobs' pages: my exports, one job's progress (HTML and JSON) and its file.

Only the owner sees a job: anyone else gets the same 404 as for a job that never existed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import ExportJob
from .reports.jobs import download_name, export_job_for_owner, export_jobs_of, exports_storage

# Seconds between two looks at a running job (the page's refresh and its script's poll).
POLL_SECONDS = 2


def _job_or_404(request: HttpRequest, job_id: int) -> ExportJob:
    job = export_job_for_owner(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    if job is None:
        raise Http404("No such export")
    return job


def _progress_text(job: ExportJob) -> str:
    if job.status == ExportJob.Status.PENDING:
        return _("Waiting for a worker…")
    if job.status == ExportJob.Status.RUNNING and not job.rows_total:
        return _("Counting…")
    return _("%(done)s of %(total)s rows") % {
        "done": number_format(job.rows_done, force_grouping=True),
        "total": number_format(job.rows_total, force_grouping=True),
    }


@login_required
@require_GET
def export_jobs(request: HttpRequest) -> HttpResponse:
    jobs = export_jobs_of(user=request.user)[:20]  # type: ignore[arg-type]
    return render(request, "dashboard/exports.html", {"jobs": jobs})


@never_cache
@login_required
@require_GET
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    return render(
        request,
        "dashboard/export_job.html",
        {"job": job, "progress": _progress_text(job), "poll_seconds": POLL_SECONDS},
    )


@never_cache
@login_required
@require_GET
def export_job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the page's script polls: status, rows, and the file's address when ready."""
    job = _job_or_404(request, job_id)
    done = job.status == ExportJob.Status.DONE
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "percent": job.percent,
            "progress": _progress_text(job),
            "finished": job.is_finished,
            "download_url": reverse("dashboard:export_download", args=[job.pk]) if done else "",
            "error": job.error,
        }
    )


@login_required
@require_GET
def export_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    if job.status == ExportJob.Status.EXPIRED:
        return HttpResponse(
            _("This export has expired and its file was removed: start it again."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    if job.status != ExportJob.Status.DONE:
        return HttpResponse(
            _("This export is not ready yet."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    try:
        handle = exports_storage().open(job.file_name, "rb")
    except FileNotFoundError:
        # The sweeper removed it a moment ago.
        return HttpResponse(
            _("This export has expired and its file was removed: start it again."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    return FileResponse(handle, as_attachment=True, filename=download_name(job))
