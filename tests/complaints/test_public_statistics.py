"""The public statistics page /statistik/: anonymous, aggregate only, the supervisors'
figures, a clear 400 for a bad period, a bounded number of queries, cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints.lifecycle import Actor
from complaints.services import complaint_create
from dashboard.reports.charts import chart_css, chart_svg
from dashboard.reports.facts import facts_rebuild
from dashboard.reports.public import PUBLIC_TABLES, plain
from dashboard.reports.tables import Table
from dashboard.tasks import warm_public_statistics
from dispositions.services import disposition_resolve, disposition_route, disposition_start

pytestmark = pytest.mark.django_db

PHONE, NIK, EMAIL = "0812-3456-7890", "3273021505800003", "budi.santoso@gmail.com"
REPORTER = {
    "reporter_name": "Rina Marlina",
    "reporter_phone": "081399998888",
    "reporter_email": "rina@contoh.id",
}
URL = "/statistik/"
CHART_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "charts.css"


@pytest.fixture(autouse=True)
def _indonesian():
    cache.clear()
    with translation.override("id"):
        yield


@pytest.fixture
def seeded(world, staff_roads):
    made = []
    for i, (category, channel) in enumerate(
        [(world.road, "web"), (world.road, "whatsapp"), (world.garbage, "web")]
    ):
        c = complaint_create(
            channel=channel,
            text=f"Jalan rusak {i}, hub {PHONE} email {EMAIL} NIK {NIK}",
            category=category,
            area=world.dago,
            **REPORTER,
        )
        disposition_route(complaint_id=c.pk)
        c.refresh_from_db()
        made.append(c)
    actor = Actor.for_user(staff_roads)
    disposition_start(complaint=made[0], actor=actor)
    made[0].refresh_from_db()
    disposition_resolve(complaint=made[0], actor=actor, note=f"Sudah ditambal, hub {PHONE}")
    facts_rebuild()
    return made


def test_the_page_opens_for_anyone(client, seeded):
    assert reverse("public_statistics") == URL
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ("Aduan yang diterima", "Papan skor instansi", "Ketepatan waktu"):
        assert heading in body
    assert "<svg" in body and "<table>" in body
    assert "<script>" not in body  # no inline script for the CSP
    assert "max-age=300" in response["Cache-Control"]


def test_no_personal_data_nor_complaint_text(client, seeded):
    for period in ("bulan", "kuartal", "tahun"):
        body = client.get(URL, {"periode": period}).content.decode()
        for secret in (PHONE, NIK, EMAIL, *REPORTER.values(), "Jalan rusak", "ditambal"):
            assert secret not in body, (period, secret)
        assert seeded[0].tracking_code not in body


def test_the_figures_are_the_supervisors(client, seeded, supervisor):
    public = client.get(URL, {"periode": "tahun"}).context["sections"]
    public_rows = {t["key"]: t["rows"] for s in public for t in s["tables"]}
    client.force_login(supervisor)
    compared = 0
    for name, keys in PUBLIC_TABLES.items():
        page = client.get(reverse("dashboard:report", args=[name]), {"periode": "tahun"})
        assert page.status_code == 200
        staff = {t.key: t.rows for t, _svg in page.context["tables"]}
        for key in keys:
            as_text = [[plain(v) for v in row] for row in staff[key]]
            assert public_rows[f"{name}-{key}"] == as_text, (name, key)
            compared += 1
    assert compared == sum(len(k) for k in PUBLIC_TABLES.values())
    channels = dict((r[0], r[1]) for r in public_rows["volume-channel"])
    assert sorted(channels.values()) == [1, 2]


@pytest.mark.parametrize(
    "query",
    [
        {"periode": "abad"},
        {"periode": "kustom", "dari": "2020-01-01", "sampai": "2020-02-01"},
        {"periode": "minggu"},
        {"wilayah": "32"},
        {"instansi": "1"},
        {"periode": "bulan' OR 1=1"},
    ],
)
def test_a_bad_period_is_a_400_with_a_reason(client, seeded, query):
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.content.decode().strip()


def test_only_get(client, seeded):
    assert client.post(URL).status_code == 405


def test_the_query_count_is_bounded_and_the_answer_cached(client, seeded):
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL, {"periode": "kuartal"}).status_code == 200
    print(f"queries: first {len(first)}", end=" ")
    assert len(first) <= 30, [q["sql"] for q in first]
    with CaptureQueriesContext(connection) as again:
        assert client.get(URL, {"periode": "kuartal"}).status_code == 200
    print(f"cached {len(again)}")
    assert len(again) <= 2, [q["sql"] for q in again]


def test_english(client, seeded):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        body = client.get(URL).content.decode()
    assert "What the city does with complaints" in body
    assert "Agency scoreboard" in body


def test_linked_from_home_and_public_pages(client, seeded):
    for name in ("complaints:home", "complaints:public_list", "complaints:open_data"):
        assert f'href="{URL}"' in client.get(reverse(name)).content.decode(), name


def test_charts_carry_no_inline_style_and_their_css_is_current():
    """The CSP (style-src 'self') refuses inline styles: the rules live in charts.css."""
    for kind in ("bar", "hbar", "line"):
        svg = chart_svg(Table("k", "T", ["a", "b"], [["x", 1], ["y", 2]], chart=kind))
        assert "<style" not in svg and " style=" not in svg and "<script" not in svg
    assert CHART_CSS.read_text(encoding="utf-8") == chart_css(), "run scripts/write_chart_css.py"


def test_the_beat_task_warms_every_period_and_language(client, seeded, world):
    assert warm_public_statistics.delay().get() == 6
    with CaptureQueriesContext(connection) as cached:
        for period in ("bulan", "kuartal", "tahun"):
            assert client.get(URL, {"periode": period}).status_code == 200
    assert len(cached) == 0, [q["sql"] for q in cached]
    complaint_create(channel="email", text="Lampu mati", category=world.road, area=world.dago)
    facts_rebuild()
    assert warm_public_statistics() == 6  # idempotent: a rerun only refreshes
    body = client.get(URL).content.decode()
    assert "Email" in body or "Surel" in body


@pytest.mark.parametrize(
    "name",
    ["complaints:home", "complaints:new", "complaints:track_lookup", "complaints:public_list",
     "complaints:public_map", "complaints:open_data", "public_statistics"],
)  # fmt: skip
def test_every_public_page_links_the_statistics(client, world, name):
    page = client.get(reverse(name)).content.decode()
    assert 'id="footer-statistics"' in page
    assert f'href="{reverse("public_statistics")}"' in page
