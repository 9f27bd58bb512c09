"""The routing dry run, the dead-end report and their admin pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from complaints.models import Area, Category, User
from dispositions.models import RoutingRule
from dispositions.routing import routing_dry_run, routing_gaps, routing_rule_match
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
DRY_RUN_URL = "admin:dispositions_routingrule_dry_run"
GAPS_URL = "admin:dispositions_routingrule_gaps"


@pytest.mark.usefixtures("english")
def test_it_explains_the_winner_and_ranks_every_candidate(world):
    # A second Bandung rule for the road subcategory, and a topic rule with a higher order.
    sub = RoutingRule.objects.create(category=world.road, area=world.bandung, agency=world.env_bdg)
    late = RoutingRule.objects.create(
        category=world.infra, area=world.bandung, agency=world.kel_sukarasa, order=200
    )
    anywhere = RoutingRule.objects.create(category=None, area=None, agency=world.env_prov)

    result = routing_dry_run(category=world.road, area=world.dago, now=NOW)

    ranked = [c.rule for c in result.candidates]
    topic_bdg = RoutingRule.objects.get(category=world.infra, area=world.bandung, order=100)
    topic_jabar = RoutingRule.objects.get(category=world.infra, area=world.jabar)
    assert ranked == [sub, topic_bdg, late, topic_jabar, anywhere]
    assert result.match.rule == sub
    assert result.match == routing_rule_match(category=world.road, area=world.dago)
    assert result.reason == (
        f"Rule #{sub.pk}: Jalan rusak in KOTA BANDUNG goes to Dinas Lingkungan Hidup Kota Bandung"
    )
    first, second, third, fourth, fifth = result.candidates
    assert first.is_winner and first.why.startswith("Wins")
    assert first.category_text == "exactly Jalan rusak"
    assert first.area_text == "KOTA BANDUNG, which contains Dago"
    assert first.level == "Regency/city"
    assert second.why == f"Same area as rule #{sub.pk}, but a less specific category."
    assert second.category_text == "topic Infrastruktur, which contains Jalan rusak"
    assert third.why == f"Same area and category as rule #{topic_bdg.pk}, but a higher order."
    assert fourth.why == f"Its area is less specific than rule #{late.pk}'s."
    assert fifth.level == "Anywhere" and fifth.area_text == "anywhere: covers every area"
    # The road subcategory's own deadlines (6 h to respond, 72 h to resolve) in working
    # time from NOW, Monday 09:00: 15:00 the same day; 72 h = 9 working days later.
    assert (result.response_hours, result.resolution_hours) == (6, 72)
    assert result.response_due_at == NOW + timedelta(hours=6)
    assert result.resolution_due_at == datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.mark.usefixtures("english")
def test_equal_rules_are_decided_by_age_and_inactive_ones_are_listed_apart(world):
    twin = RoutingRule.objects.create(
        category=world.infra, area=world.bandung, agency=world.env_bdg
    )
    off = RoutingRule.objects.create(
        category=world.road, area=world.dago, agency=world.kel_sukarasa, is_active=False
    )
    world.roads_prov.is_active = False
    world.roads_prov.save()

    result = routing_dry_run(category=world.road, area=world.dago, now=NOW)

    assert result.candidates[1].rule == twin
    assert result.candidates[1].why.endswith("which is older.")
    assert {s.rule.pk: s.why for s in result.skipped} == {
        off.pk: "The rule is inactive.",
        RoutingRule.objects.get(agency=world.roads_prov).pk: "The agency is inactive.",
    }


@pytest.mark.usefixtures("english")
def test_no_rule_means_triage_and_no_deadlines(world):
    result = routing_dry_run(category=world.health, area=world.dago, now=NOW)
    assert result.match is None
    assert result.candidates == []
    assert "an operator would triage it" in result.reason
    assert result.response_due_at is None


@pytest.mark.usefixtures("english")
def test_coordinates_refine_the_area_in_the_dry_run(world):
    Area.objects.filter(pk=world.sukarasa.pk).update(
        latitude=Decimal("-6.880000"), longitude=Decimal("107.590000")
    )
    result = routing_dry_run(
        category=world.garbage,
        area=world.bandung,
        latitude=Decimal("-6.881"),
        longitude=Decimal("107.591"),
        now=NOW,
    )
    assert result.area == world.sukarasa
    assert result.chosen_area == world.bandung
    assert result.location_note == "The coordinates lie in Sukarasa; routing uses it."
    assert result.match.agency == world.kel_sukarasa


def test_gaps_list_the_largest_uncovered_subtrees(world):
    gaps = {gap.category.slug: gap for gap in routing_gaps()}

    # Roads: the province rule covers everything. Health: no rule at all.
    assert "jalan-rusak" not in gaps and "infrastruktur" not in gaps
    assert [a.code for a in gaps["kesehatan"].areas] == ["32"]
    assert gaps["kesehatan"].area_count == Area.objects.count()

    # Take the province's environment rule away: only Bandung is covered, Bekasi is not.
    RoutingRule.objects.filter(category=world.env, area=world.jabar).update(is_active=False)
    gaps = {gap.category.slug: gap for gap in routing_gaps()}
    assert [a.code for a in gaps["lingkungan"].areas] == ["32.75"]
    assert [a.code for a in gaps["sampah"].areas] == ["32.75"]
    # Every reported area really matches no rule, and a covered one does.
    for area in gaps["sampah"].areas:
        assert routing_rule_match(category=world.garbage, area=area) is None
    assert routing_rule_match(category=world.garbage, area=world.dago) is not None


def test_gaps_descend_into_partly_covered_areas(world):
    RoutingRule.objects.create(category=world.health, area=world.dago, agency=world.env_bdg)
    gaps = {gap.category.slug: gap for gap in routing_gaps()}
    # Dago is covered, so its kecamatan, city and province are only partly uncovered.
    assert [a.code for a in gaps["kesehatan"].areas] == ["32.73.01", "32.75"]
    assert gaps["kesehatan"].area_count == 3  # Sukasari, Sukarasa, Bekasi


def test_an_anywhere_rule_closes_every_gap(world):
    RoutingRule.objects.create(category=None, area=None, agency=world.env_prov)
    assert routing_gaps() == []


def test_gaps_ignore_inactive_categories(world):
    Category.objects.filter(pk=world.health.pk).update(is_active=False)
    assert "kesehatan" not in {gap.category.slug for gap in routing_gaps()}


# Admin pages ---------------------------------------------------------------------------


def test_the_dry_run_page_shows_the_agency_and_the_ranking(client, admin_user, world):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:dispositions_routingrule_changelist"))
    assert reverse(DRY_RUN_URL).encode() in changelist.content

    empty = client.get(reverse(DRY_RUN_URL))
    assert empty.status_code == 200
    assert empty.context["result"] is None

    page = client.get(
        reverse(DRY_RUN_URL), {"category": world.garbage.pk, "area": world.sukarasa.pk}
    )
    assert page.status_code == 200
    result = page.context["result"]
    assert result.match.agency == world.kel_sukarasa
    html = page.content.decode()
    assert 'id="dry-run-agency"><strong>Kelurahan Sukarasa</strong>' in html
    assert html.count('<tr class="selected">') == 1
    assert len(result.candidates) == 3  # Sukarasa, Bandung and Jawa Barat rules


def test_the_dry_run_page_reports_bad_input(client, admin_user, world):
    client.force_login(admin_user)
    page = client.get(reverse(DRY_RUN_URL), {"area": world.dago.pk, "latitude": "-6.9"})
    assert page.status_code == 200
    assert page.context["result"] is None
    assert page.context["form"].non_field_errors()


def test_the_gaps_page_lists_dead_ends(client, admin_user, world):
    client.force_login(admin_user)
    page = client.get(reverse(GAPS_URL))
    assert page.status_code == 200
    assert "Kesehatan" in page.content.decode()


@pytest.mark.parametrize("url", [DRY_RUN_URL, GAPS_URL])
def test_staff_without_change_permission_are_refused(client, world, url):
    viewer = User.objects.create_user(
        username="viewer", password=PASSWORD, role=User.Role.SUPERVISOR, is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_routingrule"))
    client.force_login(viewer)
    assert client.get(reverse(url)).status_code == 403
    changelist = client.get(reverse("admin:dispositions_routingrule_changelist"))
    assert changelist.status_code == 200
    assert reverse(url).encode() not in changelist.content

    viewer.user_permissions.add(Permission.objects.get(codename="change_routingrule"))
    assert client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize("url", [DRY_RUN_URL, GAPS_URL])
def test_agency_staff_and_visitors_never_reach_the_pages(client, staff_roads, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and "login" in response.url
    client.force_login(staff_roads)
    response = client.get(reverse(url))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("chosen", "note"),
    [
        ("bandung", "The coordinates agree with the chosen area (KOTA BANDUNG)."),
        ("dago", "The coordinates agree with the chosen area (KOTA BANDUNG)."),
        ("bekasi", "The coordinates point to KOTA BANDUNG, outside the chosen KOTA BEKASI; "),
    ],
)
def test_the_dry_run_says_when_coordinates_do_not_change_the_area(world, chosen, note):
    Area.objects.filter(pk=world.bandung.pk).update(
        latitude=Decimal("-6.914700"), longitude=Decimal("107.609800")
    )
    area = getattr(world, chosen)
    result = routing_dry_run(
        category=world.road,
        area=area,
        latitude=Decimal("-6.9"),
        longitude=Decimal("107.6"),
        now=NOW,
    )
    assert result.area == area
    assert result.location_note.startswith(note)


@pytest.mark.usefixtures("english")
def test_the_dry_run_says_when_no_centroid_is_in_range(world):
    result = routing_dry_run(
        category=world.road, area=None, latitude=Decimal("-6.9"), longitude=Decimal("107.6")
    )
    assert result.area is None
    assert result.location_note == "No area centroid lies within range of the coordinates."
    assert result.match is None  # no area known: only rules for "anywhere" could match
