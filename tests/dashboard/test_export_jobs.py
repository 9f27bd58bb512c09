"""Export jobs: large exports go to a job, the job writes the same rows the page would,
only its owner sees it, runs are idempotent, the sweeper re-sends and expires.

The task's body is called directly (no eager Celery, no worker): the page flow and the
job's outcome are what is tested here; tests/dashboard/test_export_jobs_worker.py runs
the same flow through a real worker.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints.models import Complaint
from complaints.services import complaint_create
from dashboard.models import ExportJob
from dashboard.reports import jobs
from dashboard.reports.facts import facts_rebuild
from dashboard.reports.jobs import Superseded, export_job_run, export_jobs_sweep
from dispositions.services import disposition_route
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports(settings, tmp_path):
    """A private export folder per test, and a threshold small enough for a fixture."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }
    settings.EXPORT_ASYNC_ROWS = 3
    return tmp_path / "exports"


def _complaint(*, category, area, channel="web", **extra) -> Complaint:
    c = complaint_create(channel=channel, text="Jalan berlubang", category=category, area=area,
                         **extra)  # fmt: skip
    disposition_route(complaint_id=c.pk)
    c.refresh_from_db()
    return c


@pytest.fixture
def data(world):
    roads = [_complaint(category=world.road, area=world.dago) for _ in range(4)]
    garbage = [
        _complaint(
            category=world.garbage, area=world.dago, channel="whatsapp",
            reporter_name="Siti Rahasia", reporter_phone="081234567891", is_confidential=True,
        ),
        _complaint(
            category=world.garbage, area=world.dago, reporter_name="Budi Anonim",
            reporter_phone="081298765432", is_anonymous=True, report_type="informasi",
        ),
        *[_complaint(category=world.garbage, area=world.dago) for _ in range(3)],
    ]  # fmt: skip
    facts_rebuild()
    return {"roads": roads, "garbage": garbage}


def _start(client, url: str) -> ExportJob:
    response = client.get(url)
    assert response.status_code == 302, response.content[:300]
    job = ExportJob.objects.latest("created_at")
    assert response["Location"] == reverse("dashboard:export_job", args=[job.pk])
    return job


def _download(client, job: ExportJob) -> bytes:
    response = client.get(reverse("dashboard:export_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def _xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        "" if c is None else str(c) for ws in book for row in ws.iter_rows(values_only=True)
        for c in row
    )  # fmt: skip


def test_it_runs_a_large_list_export_as_a_job_and_offers_the_file(client, world, data,
                                                                     staff_env):  # fmt: skip
    client.login(username="staff_env", password=PASSWORD)
    job = _start(client, reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    assert job.owner == staff_env and job.status == ExportJob.Status.PENDING
    page = client.get(reverse("dashboard:export_job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    assert "export-progress.js" in page

    assert export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 5, 5)
    assert job.expires_at > timezone.now()
    page = client.get(reverse("dashboard:export_job", args=[job.pk])).content.decode()
    assert reverse("dashboard:export_download", args=[job.pk]) in page
    assert 'http-equiv="refresh"' not in page

    rows = list(csv.reader(io.StringIO(_download(client, job).decode())))
    assert rows[0][:4] == ["Kode aduan", "Diterima", "Kanal", "Jenis laporan"]
    codes = {r[0] for r in rows[1:]}
    # Same visibility as the list: the agency's own complaints only.
    assert codes == {c.tracking_code for c in data["garbage"]}
    assert "Permintaan informasi" in {r[3] for r in rows[1:]}


def test_the_file_never_names_an_anonymous_or_confidential_reporter(client, world, data,
                                                                     supervisor):  # fmt: skip
    client.login(username="supervisor", password=PASSWORD)
    for fmt in ("csv", "xlsx"):
        job = _start(client, reverse("dashboard:list_export", args=[fmt]) + "?status=all")
        export_job_run(job_id=job.pk)
        content = _download(client, ExportJob.objects.get(pk=job.pk))
        text = _xlsx_text(content) if fmt == "xlsx" else content.decode()
        assert all(c.tracking_code in text for c in data["roads"] + data["garbage"])
        for secret in ("Siti Rahasia", "081234567891", "Budi Anonim", "081298765432"):
            assert secret not in text


def test_a_small_export_is_still_answered_at_once(client, world, data, staff_env, settings):
    settings.EXPORT_ASYNC_ROWS = 50
    client.login(username="staff_env", password=PASSWORD)
    response = client.get(reverse("dashboard:list_export", args=["xlsx"]) + "?status=all")
    assert response.status_code == 200
    assert ExportJob.objects.count() == 0


def test_only_the_owner_sees_or_downloads_the_job(client, world, data, staff_env, supervisor):
    client.login(username="staff_env", password=PASSWORD)
    job = _start(client, reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    export_job_run(job_id=job.pk)
    client.logout()
    client.login(username="supervisor", password=PASSWORD)
    for name in ("export_job", "export_status", "export_download"):
        assert client.get(reverse(f"dashboard:{name}", args=[job.pk])).status_code == 404
    assert (
        f'data-job="{job.pk}"' not in client.get(reverse("dashboard:export_jobs")).content.decode()
    )
    client.logout()
    assert client.get(reverse("dashboard:export_download", args=[job.pk])).status_code == 302


def test_the_status_answers_json_for_the_poll(client, world, data, staff_env):
    client.login(username="staff_env", password=PASSWORD)
    job = _start(client, reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    url = reverse("dashboard:export_status", args=[job.pk])
    assert client.get(url).json() | {"progress": ""} == {
        "status": "pending", "status_label": "Menunggu", "rows_done": 0, "rows_total": 0,
        "percent": 0, "progress": "", "finished": False, "download_url": "", "error": "",
    }  # fmt: skip
    export_job_run(job_id=job.pk)
    body = client.get(url).json()
    assert body["finished"] and body["percent"] == 100
    assert body["download_url"] == reverse("dashboard:export_download", args=[job.pk])


def test_a_second_delivery_does_nothing_and_a_double_click_rejoins_the_job(
    client, world, data, staff_env, _exports
):
    client.login(username="staff_env", password=PASSWORD)
    url = reverse("dashboard:list_export", args=["csv"]) + "?status=all"
    job = _start(client, url)
    assert _start(client, url) == job  # still waiting: the same job, not a second one
    assert export_job_run(job_id=job.pk) == "done"
    assert export_job_run(job_id=job.pk) == "skipped"
    assert len(list(_exports.iterdir())) == 1
    assert ExportJob.objects.get(pk=job.pk).attempt == 1


def test_a_run_that_lost_its_claim_stops_without_a_file(client, world, data, staff_env,
                                                        _exports):  # fmt: skip
    client.login(username="staff_env", password=PASSWORD)
    job = _start(client, reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    first = jobs._claim(job.pk)  # a worker that then stalls
    assert first is not None
    assert export_job_run(job_id=job.pk) == "done"  # the redelivered message wins
    with pytest.raises(Superseded):
        jobs._touch(job, first[1], rows_done=1)
    assert len(list(_exports.iterdir())) == 1


def test_the_sweeper_resends_stranded_jobs_and_expires_old_files(client, world, data,
                                                                  staff_env, _exports):  # fmt: skip
    client.login(username="staff_env", password=PASSWORD)
    job = _start(client, reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    # Never delivered (the broker was down): the sweep sends it again, here run eagerly.
    later = timezone.now() + timedelta(minutes=5)
    assert export_jobs_sweep(now=later) == {"requeued": 1, "expired": 0}
    job.refresh_from_db()
    assert job.status == "done"
    assert export_jobs_sweep(now=later) == {"requeued": 0, "expired": 0}

    expired = job.expires_at + timedelta(seconds=1)
    assert export_jobs_sweep(now=expired) == {"requeued": 0, "expired": 1}
    assert export_jobs_sweep(now=expired) == {"requeued": 0, "expired": 0}
    assert list(_exports.iterdir()) == []
    response = client.get(reverse("dashboard:export_download", args=[job.pk]))
    assert response.status_code == 410


def test_a_section_export_over_the_threshold_is_a_job_with_the_page_numbers(
    client, world, data, supervisor, settings
):
    client.login(username="supervisor", password=PASSWORD)
    url = reverse("dashboard:report_export", args=["volume", "csv"]) + "?periode=tahun"
    job = _start(client, url)
    assert job.kind == "section" and job.section == "volume"
    assert export_job_run(job_id=job.pk) == "done"
    from_job = _download(client, ExportJob.objects.get(pk=job.pk)).decode()
    settings.EXPORT_ASYNC_ROWS = 1000
    direct = b"".join(client.get(url).streaming_content).decode()
    assert from_job == direct
    assert [world.roads_bdg.name, "4"] in list(csv.reader(io.StringIO(from_job)))


def test_a_bad_filter_is_a_400_and_starts_no_job(client, world, data, supervisor):
    client.login(username="supervisor", password=PASSWORD)
    assert (
        client.get(reverse("dashboard:list_export", args=["csv"]) + "?status=zzz").status_code
        == 400
    )
    url = reverse("dashboard:report_export", args=["volume", "xlsx"]) + "?periode=abad"
    assert client.get(url).status_code == 400
    assert ExportJob.objects.count() == 0


def test_a_job_whose_owner_lost_the_reports_fails_with_a_reason(client, world, data, supervisor):
    client.login(username="supervisor", password=PASSWORD)
    job = _start(client, reverse("dashboard:report_export", args=["volume", "csv"]))
    supervisor.role = ""
    supervisor.save(update_fields=["role"])
    assert export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error
