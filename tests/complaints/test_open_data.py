"""Open data: the public list as CSV and JSON, masked, coarse, without confidential rows;
idempotent; downloadable from /data-terbuka/."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints.models import Category
from complaints.open_data import FIELDS
from complaints.services import complaint_create
from complaints.tasks import export_open_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_data_dir(settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path / "open-data"
    return settings.OPEN_DATA_DIR


def make(world, text, **kwargs):
    kwargs.setdefault("category", world.road)
    return complaint_create(
        channel="web",
        text=text,
        area=world.dago,
        latitude=-6.885123,
        longitude=107.613456,
        reporter_name="Rina Marlina",
        reporter_phone="081399998888",
        **kwargs,
    )


@pytest.fixture
def complaints(world):
    hidden = Category.objects.create(slug="korupsi", name="Korupsi", is_public=False)
    return {
        "shown": make(world, "Jalan rusak, hub 0812-3456-7890 atau budi@gmail.com"),
        "secret": make(world, "Pungli di kantor", is_confidential=True),
        "sensitive": make(world, "Suap perizinan", category=hidden),
    }


def test_it_writes_masked_coarse_public_rows(complaints, _open_data_dir):
    call_command("export_open_data")
    with (_open_data_dir / "aduan.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["kode"] for r in rows] == [complaints["shown"].tracking_code]
    row = rows[0]
    assert list(row) == [name for name, _ in FIELDS]
    assert row["isi"] == "Jalan rusak, hub [nomor telepon disembunyikan] atau [email disembunyikan]"
    assert (row["lintang"], row["bujur"]) == ("-6.885", "107.613")
    assert row["diterima"].endswith("+07:00")
    document = json.loads((_open_data_dir / "aduan.json").read_text(encoding="utf-8"))
    assert document["license"] == "CC BY 4.0"
    assert [r["kode"] for r in document["aduan"]] == [complaints["shown"].tracking_code]
    for name in ("aduan.csv", "aduan.json"):
        body = (_open_data_dir / name).read_text(encoding="utf-8")
        for secret in ("0812-3456-7890", "budi@gmail.com", "Rina", "81399998888", "Pungli", "Suap"):
            assert secret not in body


def test_running_twice_gives_the_same_files(complaints, _open_data_dir):
    assert export_open_data() == 1
    first = (_open_data_dir / "aduan.csv").read_bytes()
    assert export_open_data() == 1
    assert (_open_data_dir / "aduan.csv").read_bytes() == first
    assert sorted(p.name for p in _open_data_dir.iterdir()) == ["aduan.csv", "aduan.json"]


def test_the_download_page_lists_and_serves_the_files(client, complaints):
    page = client.get(reverse("complaints:open_data")).content.decode()
    assert "aduan.csv" not in page  # before the first export
    export_open_data()
    page = client.get(reverse("complaints:open_data")).content.decode()
    assert "aduan.csv" in page and "CC BY 4.0" in page and "lintang" in page
    response = client.get(reverse("complaints:open_data_download", args=["aduan.csv"]))
    assert response.status_code == 200
    assert b"kode,diterima" in b"".join(response.streaming_content)
    for name in ("secret.txt", "..%2Fsecret_key", "aduan.xlsx"):
        url = reverse("complaints:open_data_download", args=[name])
        assert client.get(url).status_code == 404
