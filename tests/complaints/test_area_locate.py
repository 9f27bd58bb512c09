"""Locating a complaint's area from its coordinates, and routing by the located area."""

from __future__ import annotations

from decimal import Decimal

import pytest

from complaints.areas import CENTROIDS_FILE, DATA_DIR, area_locate, distance_km, read_centroids
from complaints.models import Area, ComplaintEvent, Status
from complaints.services import complaint_create
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db

# Near Jalan Ir. H. Juanda (Dago), Kota Bandung, and the Bekasi city hall.
DAGO_POINT = (Decimal("-6.885000"), Decimal("107.613000"))
BEKASI_POINT = (Decimal("-6.240000"), Decimal("106.990000"))


def _place(area: Area, latitude: str, longitude: str) -> None:
    Area.objects.filter(pk=area.pk).update(latitude=Decimal(latitude), longitude=Decimal(longitude))


@pytest.fixture
def city_centroids(world):
    """The shipped regency centroids for the world's two cities."""
    centroids = read_centroids(DATA_DIR / CENTROIDS_FILE)
    for area in (world.bandung, world.bekasi):
        Area.objects.filter(pk=area.pk).update(
            latitude=centroids[area.code][0], longitude=centroids[area.code][1]
        )


@pytest.fixture
def fine_centroids(city_centroids, world):
    """Kecamatan and kelurahan centroids, as an admin or a richer data file would add them."""
    _place(world.coblong, "-6.887000", "107.615000")
    _place(world.dago, "-6.884000", "107.614000")
    _place(world.sukasari, "-6.870000", "107.585000")
    _place(world.sukarasa, "-6.872000", "107.589000")


def test_distance_is_the_great_circle_distance():
    # One degree of latitude is about 111.2 km anywhere.
    assert distance_km(-6.0, 107.0, -7.0, 107.0) == pytest.approx(111.2, abs=0.1)
    assert distance_km(-6.9, 107.6, -6.9, 107.6) == 0


def test_with_city_centroids_only_it_finds_the_city(city_centroids, world):
    assert area_locate(latitude=DAGO_POINT[0], longitude=DAGO_POINT[1]) == world.bandung
    assert area_locate(latitude=BEKASI_POINT[0], longitude=BEKASI_POINT[1]) == world.bekasi


def test_it_prefers_the_most_specific_level_in_range(fine_centroids, world):
    assert area_locate(latitude=DAGO_POINT[0], longitude=DAGO_POINT[1]) == world.dago
    # 5 km from every kelurahan centroid but within 8 km of Sukasari's kecamatan centroid.
    assert area_locate(latitude=Decimal("-6.83"), longitude=Decimal("107.57")) == world.sukasari


def test_it_picks_the_nearest_of_several_in_range(fine_centroids, world):
    # Between Dago and Sukarasa (about 2.8 km apart), closer to Sukarasa.
    assert area_locate(latitude=Decimal("-6.874"), longitude=Decimal("107.593")) == world.sukarasa


def test_it_finds_nothing_far_from_every_centroid(fine_centroids):
    # Pangandaran's coast: over 150 km from Bandung, nothing in range at any level.
    assert area_locate(latitude=Decimal("-7.70"), longitude=Decimal("108.65")) is None


def test_it_finds_nothing_without_centroids(world):
    assert area_locate(latitude=DAGO_POINT[0], longitude=DAGO_POINT[1]) is None


def _route(world, **kwargs):
    complaint = complaint_create(channel="web", text="Sampah menumpuk di trotoar", **kwargs)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@pytest.mark.usefixtures("english")
def test_routing_uses_a_more_specific_located_area_inside_the_choice(fine_centroids, world):
    complaint = _route(
        world,
        category=world.garbage,
        area=world.bandung,
        latitude=Decimal("-6.8721"),
        longitude=Decimal("107.5891"),
    )
    assert complaint.area == world.sukarasa
    assert complaint.agency == world.kel_sukarasa  # the kelurahan's own garbage rule
    event = complaint.events.get(action="set_area")
    assert event.kind == ComplaintEvent.Kind.NOTE and not event.is_public
    assert event.note == "Area: KOTA BANDUNG → Sukarasa (from the reporter's coordinates)"
    assert event.actor_label == "system"


def test_routing_uses_the_located_area_when_none_was_chosen(city_centroids, world):
    complaint = _route(
        world, category=world.garbage, latitude=DAGO_POINT[0], longitude=DAGO_POINT[1]
    )
    assert complaint.area == world.bandung
    assert complaint.agency == world.env_bdg


def test_routing_never_overrides_a_more_specific_choice(fine_centroids, world):
    # The reporter chose the kelurahan Sukarasa; the point is nearest to Dago.
    complaint = _route(
        world,
        category=world.garbage,
        area=world.sukarasa,
        latitude=DAGO_POINT[0],
        longitude=DAGO_POINT[1],
    )
    assert complaint.area == world.sukarasa
    assert complaint.agency == world.kel_sukarasa
    assert not complaint.events.filter(action="set_area").exists()


def test_routing_ignores_a_located_area_outside_the_choice(fine_centroids, world):
    # The reporter said Kota Bekasi; the coordinates are in Dago. The choice stands.
    complaint = _route(
        world,
        category=world.garbage,
        area=world.bekasi,
        latitude=DAGO_POINT[0],
        longitude=DAGO_POINT[1],
    )
    assert complaint.area == world.bekasi
    assert complaint.agency == world.env_prov
    assert not complaint.events.filter(action="set_area").exists()


def test_routing_without_a_located_area_keeps_the_choice(world):
    complaint = _route(
        world,
        category=world.health,
        area=world.dago,
        latitude=DAGO_POINT[0],
        longitude=DAGO_POINT[1],
    )
    assert complaint.area == world.dago
    assert complaint.status == Status.TRIAGE
