"""Dashboard tasks (all idempotent): absorb new events and ratings into the report facts;
keep the public statistics' cache warm; write large exports; sweep export jobs."""

from __future__ import annotations

from celery import shared_task

from .reports.facts import facts_refresh
from .reports.jobs import export_job_run, export_jobs_sweep
from .reports.public import public_statistics_warm


@shared_task(name="dashboard.refresh_report_facts", acks_late=True)
def refresh_report_facts() -> int:
    return facts_refresh()


@shared_task(name="dashboard.warm_public_statistics", acks_late=True)
def warm_public_statistics() -> int:
    return public_statistics_warm()


@shared_task(name="dashboard.run_export_job", acks_late=True)
def run_export_job(job_id: int) -> str:
    """A redelivery or a second message is harmless: the job's attempt fence decides."""
    return export_job_run(job_id=job_id)


@shared_task(name="dashboard.sweep_export_jobs", acks_late=True)
def sweep_export_jobs() -> dict[str, int]:
    return export_jobs_sweep()
