"""The public list, read-only view and map data: only what the public may see, masked,
coarse; and a sweep of every public URL for a seeded phone, NIK and email."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints.lifecycle import Actor
from complaints.models import Category, Complaint
from complaints.services import complaint_create
from dispositions.merging import complaint_merge
from dispositions.services import disposition_route, disposition_start

pytestmark = pytest.mark.django_db

PHONE, NIK, EMAIL = "0812-3456-7890", "3273021505800003", "budi.santoso@gmail.com"
REPORTER_PHONE, REPORTER_EMAIL, REPORTER_NAME = "081399998888", "rina@contoh.id", "Rina Marlina"
LAT, LON = -6.885123, 107.613456
BOX = "107.5,-7.0,107.7,-6.8"


@pytest.fixture(autouse=True)
def _indonesian():
    # The map's answers are cached per box: each test starts with an empty cache.
    cache.clear()
    with translation.override("id"):
        yield


def make(world, text, *, route=True, **kwargs) -> Complaint:
    kwargs.setdefault("category", world.road)
    kwargs.setdefault("area", world.dago)
    complaint = complaint_create(
        channel="web",
        text=text,
        latitude=kwargs.pop("latitude", LAT),
        longitude=kwargs.pop("longitude", LON),
        reporter_name=REPORTER_NAME,
        reporter_phone=REPORTER_PHONE,
        reporter_email=REPORTER_EMAIL,
        **kwargs,
    )
    if route:
        disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def seeded(world, operator, staff_roads):
    shown = make(world, f"Jalan rusak parah, hub {PHONE} email {EMAIL} NIK {NIK}")
    disposition_start(complaint=shown, actor=Actor.for_user(staff_roads))
    secret = make(world, "Rahasia: pungli di kantor kelurahan", is_confidential=True)
    hidden_cat = Category.objects.create(slug="kekerasan", name="Kekerasan", is_public=False)
    sensitive = make(world, "Kekerasan dalam rumah tangga", category=hidden_cat, route=False)
    anonymous = make(world, "Lampu jalan mati total", category=world.streetlight, is_anonymous=True)
    merged = make(world, "Jalan rusak parah depan SD")
    complaint_merge(duplicate=merged, into=shown, actor=Actor.for_user(operator))
    return {"shown": shown, "secret": secret, "sensitive": sensitive, "anon": anonymous}


def get(client, name, *args, **query):
    response = client.get(reverse(f"complaints:{name}", args=args), query)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_the_list_shows_public_complaints_masked(client, seeded):
    html = get(client, "public_list")
    assert seeded["shown"].tracking_code in html
    assert seeded["anon"].tracking_code in html
    assert "[nomor telepon disembunyikan]" in html
    for hidden in ("secret", "sensitive"):
        assert seeded[hidden].tracking_code not in html
    assert "Rahasia" not in html and "Kekerasan dalam" not in html
    assert "status-yellow" in html  # the started one


def test_the_list_filters_by_area_category_and_status(client, world, seeded):
    assert seeded["shown"].tracking_code in get(client, "public_list", status="yellow")
    assert seeded["anon"].tracking_code not in get(client, "public_list", status="yellow")
    only_lights = get(client, "public_list", kategori="lampu-jalan")
    assert seeded["anon"].tracking_code in only_lights
    assert seeded["shown"].tracking_code not in only_lights
    in_dago = get(client, "public_list", kota="32.73", kecamatan="32.73.02")
    assert seeded["shown"].tracking_code in in_dago
    elsewhere = get(client, "public_list", kota="32.73", kecamatan="32.73.01")
    assert seeded["shown"].tracking_code not in elsewhere
    # Nonsense filters are ignored, never a 500.
    get(client, "public_list", status="purple", kota="x" * 500, sebelum="abc")


def test_the_list_pages_with_a_keyset(client, world):
    made = [make(world, f"Sampah menumpuk nomor {i}", route=False) for i in range(23)]
    first = get(client, "public_list")
    assert made[-1].tracking_code in first and made[0].tracking_code not in first
    assert "sebelum=" in first
    second = get(client, "public_list", sebelum=made[3].pk)
    assert made[0].tracking_code in second and made[3].tracking_code not in second


def test_the_read_only_view_hides_confidential_and_reporter(client, seeded):
    html = get(client, "public_detail", seeded["shown"].tracking_code)
    assert "Jalan rusak parah" in html
    assert seeded["shown"].public_token not in html  # never the reporter's own tracking link
    assert 'name="answer"' not in html and "csrfmiddlewaretoken" not in html.split("<main")[1]
    for code in (seeded["secret"].tracking_code, seeded["sensitive"].tracking_code, "ZZZZ-ZZZZ"):
        assert client.get(reverse("complaints:public_detail", args=[code])).status_code == 404


def test_map_data_is_clustered_and_coarse(client, seeded):
    data = client.get(reverse("complaints:public_map_data"), {"bbox": BOX, "zoom": "18"}).json()
    codes = {f["properties"].get("code") for f in data["features"]}
    assert seeded["secret"].tracking_code not in codes
    total = sum(f["properties"]["count"] for f in data["features"])
    assert total == 2  # shown + anonymous; not the confidential, hidden-category or merged
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert round(lat, 3) == lat and round(lon, 3) == lon
    city = client.get(reverse("complaints:public_map_data"), {"bbox": BOX, "zoom": "8"}).json()
    assert [f["properties"]["count"] for f in city["features"]] == [2]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"bbox": "a,b,c,d", "zoom": "5"},
        {"bbox": "110,-7,100,-6", "zoom": "5"},
        {"bbox": BOX, "zoom": "40"},
    ],
)
def test_map_data_refuses_bad_input_with_a_reason(client, query):
    response = client.get(reverse("complaints:public_map_data"), query)
    assert response.status_code == 400
    assert response.json()["error"]


def test_no_public_url_shows_a_phone_nik_or_email(client, seeded):
    shown = seeded["shown"]
    urls = [
        reverse("complaints:home"),
        reverse("complaints:public_list"),
        reverse("complaints:open_data"),
        reverse("complaints:public_map"),
        reverse("public_statistics"),
        reverse("complaints:public_map_data") + f"?bbox={BOX}&zoom=18",
        reverse("complaints:public_detail", args=[shown.tracking_code]),
        reverse("complaints:public_detail", args=[seeded["anon"].tracking_code]),
        reverse("complaints:track", args=[shown.public_token]),
        reverse("complaints-api:track", args=[shown.public_token]),
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{shown.tracking_code}.json",
    ]
    urls += [reverse("complaints:track", args=[c.public_token]) for c in Complaint.objects.all()]
    secrets = (
        PHONE,
        NIK,
        EMAIL,
        "81234567890",
        REPORTER_PHONE,
        "81399998888",
        REPORTER_EMAIL,
        "Rina",
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)


def test_nearby_boxes_share_one_cached_answer(client, seeded, django_assert_num_queries):
    url = reverse("complaints:public_map_data")
    client.get(url, {"bbox": "107.601,-6.901,107.631,-6.871", "zoom": "15"})
    with django_assert_num_queries(0):
        again = client.get(url, {"bbox": "107.602,-6.9005,107.6305,-6.8712", "zoom": "15"})
    assert sum(f["properties"]["count"] for f in again.json()["features"]) == 2


def test_city_zoom_reads_the_summary_with_the_same_counts(client, world, seeded):
    from complaints.geo import map_cells_rebuild
    from complaints.tasks import refresh_map_cells

    url = reverse("complaints:public_map_data")
    live = client.get(url, {"bbox": BOX, "zoom": "9"}).json()
    assert map_cells_rebuild() == refresh_map_cells()  # a rerun writes the same cells
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        summary = client.get(url, {"bbox": BOX, "zoom": "9"}).json()
    assert any("complaints_mapcell" in q["sql"] for q in queries.captured_queries)
    assert sum(f["properties"]["count"] for f in summary["features"]) == 2
    assert [f["properties"]["count"] for f in summary["features"]] == [
        f["properties"]["count"] for f in live["features"]
    ]
    cache.clear()
    yellow = client.get(url, {"bbox": BOX, "zoom": "9", "status": "yellow"}).json()
    assert [f["properties"]["count"] for f in yellow["features"]] == [1]
    cache.clear()
    lights = client.get(url, {"bbox": BOX, "zoom": "9", "kategori": "lampu-jalan"}).json()
    assert [f["properties"]["colours"] for f in lights["features"]] == [{"red": 1}]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        roads = client.get(url, {"bbox": BOX, "zoom": "9", "kategori": "infrastruktur"}).json()
    assert any("complaints_mapcell" in q["sql"] for q in queries.captured_queries)
    assert sum(f["properties"]["count"] for f in roads["features"]) == 2
