"""An export job through a real `celery worker` process: the page starts it, the worker
writes the file into the private export storage, the owner downloads it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from complaints.services import complaint_create
from dashboard.models import ExportJob
from dispositions.services import disposition_route
from tests.conftest import PASSWORD
from tests.test_real_worker import start_worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exports(settings, tmp_path):
    """The worker writes under SIGAP_VAR_DIR (tmp_path/var, set by start_worker); this
    process reads the same folder."""
    folder = tmp_path / "var" / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    settings.EXPORT_ASYNC_ROWS = 2
    return folder


def test_the_worker_writes_the_export_and_the_owner_downloads_it(
    client,
    world,
    staff_env,
    exports,
    start_worker,  # noqa: F811
):
    codes = set()
    for _ in range(4):
        c = complaint_create(channel="web", text="Sampah menumpuk", category=world.garbage,
                             area=world.dago)  # fmt: skip
        disposition_route(complaint_id=c.pk)
        codes.add(c.tracking_code)
    worker = start_worker()
    client.login(username="staff_env", password=PASSWORD)
    response = client.get(reverse("dashboard:list_export", args=["csv"]) + "?status=all")
    assert response.status_code == 302
    job = ExportJob.objects.get()

    def done() -> bool:
        job.refresh_from_db()
        return job.is_finished

    worker.wait_until(done, "the export job finishing")
    assert (job.status, job.rows_done, job.rows_total) == ("done", 4, 4), job.error
    assert worker.succeeded("dashboard.run_export_job") == ["done"]
    assert [p.name for p in exports.iterdir()] == [job.file_name]
    download = client.get(reverse("dashboard:export_download", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert {r[0] for r in rows[1:]} == codes
