"""The staff list's search and filters (dashboard.filters), its keyset pages and counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints.images import process_image
from complaints.models import Complaint, Status
from complaints.search import search_terms_refresh, text_search_parse
from complaints.services import complaint_create
from dashboard import queue_views
from dashboard.filters import complaints_filtered
from dispositions.services import disposition_route
from tests.dashboard.test_staff_pages import action_url, make_complaint

pytestmark = pytest.mark.django_db


def codes(page) -> list[str]:
    return [row.tracking_code for row in page.context["rows"]]


def test_it_finds_a_complaint_by_a_word_of_its_text(client, world, staff_roads):
    hole = make_complaint(world, text="Jalan berlubang dalam dekat sekolah")
    make_complaint(world, text="Aspal mengelupas di tikungan")
    client.force_login(staff_roads)

    page = client.get(reverse("dashboard:home"), {"q": "berlubang"})

    assert page.status_code == 200
    assert codes(page) == [hole.tracking_code]


def test_it_forgives_a_typo_through_the_vocabulary(client, world, staff_roads):
    hole = make_complaint(world, text="Jalan berlubang dalam dekat sekolah")
    make_complaint(world, text="Aspal mengelupas di tikungan")
    search_terms_refresh()
    client.force_login(staff_roads)

    page = client.get(reverse("dashboard:home"), {"q": "berlubanf sekolah"})

    assert codes(page) == [hole.tracking_code]
    assert "berlubang" in text_search_parse("berlubanf").corrections["berlubanf"]


def test_the_vocabulary_refresh_is_incremental_and_safe_to_run_twice(world):
    make_complaint(world, text="Lampu penerangan jalan padam")
    assert search_terms_refresh() == 1
    assert search_terms_refresh() == 0
    make_complaint(world, text="Trotoar retak")
    assert search_terms_refresh() == 1
    from complaints.models import SearchTerm

    assert {"lampu", "penerangan", "padam", "trotoar", "retak"} <= set(
        SearchTerm.objects.values_list("word", flat=True)
    )


def test_it_finds_by_tracking_code_typed_loosely(client, world, staff_roads):
    complaint = make_complaint(world)
    make_complaint(world, text="Aspal mengelupas")
    client.force_login(staff_roads)
    loose = complaint.tracking_code.replace("-", " ").lower()

    assert codes(client.get(reverse("dashboard:home"), {"q": loose})) == [complaint.tracking_code]


def test_reporter_contact_is_searchable_by_operators_only(client, world, operator, staff_roads):
    complaint = make_complaint(world, reporter_phone="0812-3456-7890", reporter_name="Siti Aminah")
    make_complaint(world, text="Aspal mengelupas")
    client.force_login(operator)
    assert codes(client.get(reverse("dashboard:home"), {"q": "+62 812 3456 7890", "status": "all"}))
    assert codes(client.get(reverse("dashboard:home"), {"q": "siti aminah", "status": "all"})) == [
        complaint.tracking_code
    ]

    client.force_login(staff_roads)
    assert codes(client.get(reverse("dashboard:home"), {"q": "081234567890"})) == []
    assert codes(client.get(reverse("dashboard:home"), {"q": "Siti Aminah"})) == []


def test_it_filters_by_area_with_the_kelurahan_inside_a_kecamatan(client, world, supervisor):
    dago = make_complaint(world, area=world.dago)
    sukarasa = make_complaint(world, area=world.sukarasa)
    client.force_login(supervisor)

    coblong = client.get(reverse("dashboard:home"), {"area": world.coblong.code})
    picker = client.get(
        reverse("dashboard:home"),
        {"province": "32", "regency": "32.73", "district": world.sukasari.code},
    )

    assert codes(coblong) == [dago.tracking_code]
    assert codes(picker) == [sukarasa.tracking_code]
    # The link's area fills the picker's levels, so the page shows where it is.
    assert coblong.context["form"]["district"].value() == world.coblong.code


def test_it_filters_by_channel_category_topic_and_agency(client, world, supervisor):
    road = make_complaint(world, text="Jalan berlubang")
    light = make_complaint(world, category=world.streetlight, text="Lampu mati")
    garbage = make_complaint(world, category=world.garbage, text="Sampah menumpuk")
    Complaint.objects.filter(pk=light.pk).update(channel="whatsapp")
    client.force_login(supervisor)
    home = reverse("dashboard:home")

    assert set(codes(client.get(home, {"category": world.infra.pk}))) == {
        road.tracking_code,
        light.tracking_code,
    }
    assert codes(client.get(home, {"channel": "whatsapp"})) == [light.tracking_code]
    assert set(codes(client.get(home, {"channel": ["whatsapp", "web"]}))) == {
        road.tracking_code,
        light.tracking_code,
        garbage.tracking_code,
    }
    assert codes(client.get(home, {"agency": world.env_bdg.pk})) == [garbage.tracking_code]


def test_it_filters_overdue_and_due_soon(client, world, staff_roads):
    late = make_complaint(world, text="Jalan berlubang")
    soon = make_complaint(world, text="Aspal mengelupas")
    make_complaint(world, category=world.streetlight, text="Lampu mati")
    now = timezone.now()
    Complaint.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
    Complaint.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=3))
    Complaint.objects.exclude(pk__in=[late.pk, soon.pk]).update(due_at=now + timedelta(days=9))
    client.force_login(staff_roads)

    overdue = client.get(reverse("dashboard:home"), {"due": "overdue"})
    due_soon = client.get(reverse("dashboard:home"), {"due": "due_soon"})

    assert codes(overdue) == [late.tracking_code]
    assert codes(due_soon) == [soon.tracking_code]
    assert due_soon.context["rows"][0].is_due_soon
    assert "due-soon-flag" in due_soon.content.decode()


def test_it_filters_by_the_day_received_in_jakarta(client, world, supervisor):
    old = make_complaint(world, text="Jalan berlubang")
    new = make_complaint(world, text="Aspal mengelupas")
    Complaint.objects.filter(pk=old.pk).update(created_at="2026-01-10T23:30:00+07:00")
    Complaint.objects.filter(pk=new.pk).update(created_at="2026-01-11T00:30:00+07:00")
    client.force_login(supervisor)

    day = client.get(
        reverse("dashboard:home"), {"date_from": "2026-01-10", "date_to": "2026-01-10"}
    )

    assert codes(day) == [old.tracking_code]


def test_it_filters_reopened_and_with_photos(client, world, supervisor, photo_upload):
    with_photo = complaint_create(
        channel="web",
        text="Jalan berlubang",
        category=world.road,
        area=world.dago,
        photos=[process_image(photo_upload())],
    )
    disposition_route(complaint_id=with_photo.pk)
    make_complaint(world, text="Aspal mengelupas")
    client.force_login(supervisor)

    assert codes(client.get(reverse("dashboard:home"), {"photos": "1"})) == [
        with_photo.tracking_code
    ]
    assert codes(client.get(reverse("dashboard:home"), {"reopened": "1"})) == []


def test_bad_filters_get_a_400_with_the_reason(client, world, supervisor):
    client.force_login(supervisor)
    home = reverse("dashboard:home")

    bad = [
        {"category": "abc"},
        {"area": "99.99"},
        {"date_from": "2026-02-10", "date_to": "2026-02-01"},
        {"date_from": "kemarin"},
        {"sort": "random"},
        {"after": "not-a-cursor"},
    ]
    for params in bad:
        response = client.get(home, params)
        assert response.status_code == 400, params
        assert 'id="filter-errors"' in response.content.decode(), params


def test_agency_staff_never_reach_another_agencys_complaint_by_a_filter(client, world, staff_env):
    road = make_complaint(world, text="Jalan berlubang")
    client.force_login(staff_env)
    for params in (
        {"q": "berlubang"},
        {"q": road.tracking_code},
        {"agency": world.roads_bdg.pk},
        {"status": "all"},
        {"status": Status.ASSIGNED},
    ):
        page = client.get(reverse("dashboard:home"), params)
        assert codes(page) == [], params
        assert f'data-code="{road.tracking_code}"' not in page.content.decode(), params
        assert all(c.count == 0 for c, _url in page.context["tabs"]), params
    assert list(complaints_filtered(staff_env, {"agency": world.roads_bdg.pk})) == []


def test_pages_follow_a_keyset_and_keep_the_filters(client, world, supervisor, monkeypatch):
    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 3)
    made = [make_complaint(world, text=f"Jalan berlubang nomor {n}") for n in range(7)]
    make_complaint(world, category=world.garbage, text="Sampah")
    client.force_login(supervisor)
    home = reverse("dashboard:home")

    seen = []
    page = client.get(home, {"category": world.road.pk})
    while True:
        seen += codes(page)
        assert (
            f"category={world.road.pk}" in page.context["next_url"] or not page.context["next_url"]
        )
        if not page.context["next_url"]:
            break
        page = client.get(home + page.context["next_url"])
    assert sorted(seen) == sorted(c.tracking_code for c in made)
    assert len(seen) == len(set(seen))

    back = client.get(home + page.context["previous_url"])
    assert codes(back) == seen[3:6]


def test_tab_counts_follow_the_filters_and_stop_at_the_cap(client, world, supervisor, monkeypatch):
    from dashboard import queue

    for n in range(4):
        make_complaint(world, text=f"Jalan berlubang {n}")
    make_complaint(world, category=world.garbage, text="Sampah menumpuk")
    client.force_login(supervisor)

    page = client.get(reverse("dashboard:home"), {"category": world.env.pk})
    counts = {c.tab.key: (c.count, c.more) for c, _url in page.context["tabs"]}
    assert counts["all"] == (1, False)

    monkeypatch.setattr(queue, "COUNT_CAP", 3)
    page = client.get(reverse("dashboard:home"))
    counts = {c.tab.key: (c.count, c.more) for c, _url in page.context["tabs"]}
    assert counts["all"] == (3, True)
    assert "3+" in page.content.decode()


def test_the_selector_takes_the_pages_query_string(world, operator):
    road = make_complaint(world, text="Jalan berlubang")
    make_complaint(world, category=world.garbage, text="Sampah menumpuk")
    from django.http import QueryDict

    query = QueryDict(f"q=berlubang&status=all&category={world.road.pk}")
    assert list(complaints_filtered(operator, query)) == [road]
    with pytest.raises(ValidationError):
        complaints_filtered(operator, {"category": "x"})


def test_the_queue_page_runs_a_fixed_number_of_queries(
    client, world, supervisor, django_assert_max_num_queries
):
    for n in range(5):
        make_complaint(world, text=f"Jalan berlubang {n}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(16):
        small = client.get(reverse("dashboard:home"), {"q": "jalan", "area": "32.73.02"})
    for n in range(20):
        make_complaint(world, text=f"Aspal mengelupas {n}")
    with django_assert_max_num_queries(16):
        large = client.get(reverse("dashboard:home"), {"q": "jalan", "area": "32.73.02"})
    assert len(large.context["rows"]) >= len(small.context["rows"])


def test_an_assign_from_the_queue_keeps_working(client, world, operator):
    complaint = make_complaint(world, category=world.health, text="Puskesmas tutup")
    client.force_login(operator)
    response = client.post(
        action_url(complaint, "assign"), {"assign-agency": world.roads_bdg.pk, "assign-note": ""}
    )
    assert response.status_code == 302
