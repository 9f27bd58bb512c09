"""KPI reports: each role sees exactly its scope in every section and export; known figures."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Complaint
from complaints.services import complaint_create
from dashboard.reports.facts import facts_rebuild, facts_refresh
from dashboard.reports.period import ReportInputError, parse_filters
from dashboard.reports.scope import ReportScope
from dashboard.reports.sections import SECTIONS, report_section
from dispositions.services import disposition_resolve, disposition_route, disposition_start
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _complaint(world, *, category, area, text="Jalan berlubang", channel="web") -> Complaint:
    c = complaint_create(channel=channel, text=text, category=category, area=area)
    disposition_route(complaint_id=c.pk)
    c.refresh_from_db()
    return c


def _resolve(complaint: Complaint, user) -> None:
    actor = Actor.for_user(user)
    disposition_start(complaint=complaint, actor=actor)
    complaint.refresh_from_db()
    disposition_resolve(complaint=complaint, actor=actor, note="Sudah diperbaiki")
    complaint.refresh_from_db()


@pytest.fixture
def data(world, staff_roads, staff_env):
    roads = [_complaint(world, category=world.road, area=world.dago) for _ in range(3)]
    garbage = [
        _complaint(world, category=world.garbage, area=world.dago, channel="whatsapp")
        for _ in range(2)
    ]
    _resolve(roads[0], staff_roads)
    _resolve(roads[1], staff_roads)
    complaint_transition(
        complaint=roads[1], action="reopen", actor=Actor(kind="citizen"), note="Masih berlubang"
    )
    facts_rebuild()
    return {"roads": roads, "garbage": garbage}


def _cells(tables) -> dict[str, list[list[object]]]:
    return {t.key: t.rows for t in tables}


def test_it_counts_volume_by_channel_and_agency(world, data):
    scope = ReportScope()
    tables = _cells(report_section("volume", scope, parse_filters({}, scope)))
    assert tables["channel"] == [["WhatsApp", 2, 40.0], ["Formulir web", 3, 60.0]] or {
        r[1] for r in tables["channel"]
    } == {2, 3}
    agencies = {r[0]: r[1] for r in tables["agency"]}
    assert agencies == {world.roads_bdg.name: 3, world.env_bdg.name: 2}


def test_it_computes_reopen_and_first_time_fix(world, data):
    scope = ReportScope()
    rates = _cells(report_section("kualitas", scope, parse_filters({}, scope)))["rates"]
    resolved, reopened, first_fix = (r[1:] for r in rates[:3])
    assert resolved[0] == 2
    assert reopened == [1, 50.0]
    assert first_fix == [1, 50.0]


def test_an_empty_period_has_no_rows(world, data):
    scope = ReportScope()
    filters = parse_filters(
        {"periode": "kustom", "dari": "2001-01-01", "sampai": "2001-01-31"}, scope
    )
    for name in SECTIONS:
        for table in report_section(name, scope, filters):
            if table.key in ("backlog", "rates", "satisfaction", "sla", "durations"):
                continue  # fixed rows (zeros) or "open now" figures
            assert table.rows == [], (name, table.key)


def test_a_unit_below_the_minimum_is_not_ranked(world, data):
    scope = ReportScope()
    ranking = _cells(report_section("akuntabilitas", scope, parse_filters({}, scope)))["agencies"]
    assert ranking == [["-", world.roads_bdg.name, 2, 100.0, ranking[0][4]]]


@pytest.mark.parametrize("name", list(SECTIONS))
def test_agency_staff_see_only_their_agency(client, world, data, staff_env, name):
    client.login(username="staff_env", password=PASSWORD)
    page = client.get(reverse("dashboard:report", args=[name]))
    assert page.status_code == 200
    body = page.content.decode()
    assert world.roads_bdg.name not in body
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("dashboard:report_export", args=[name, fmt]))
        assert export.status_code == 200
        content = b"".join(export.streaming_content) if export.streaming else export.content
        if fmt == "xlsx":
            book = load_workbook(io.BytesIO(content))
            content = "\n".join(
                str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
            ).encode()
        assert world.roads_bdg.name.encode() not in content


def test_the_agency_filter_cannot_reach_another_agency(client, world, data, head_roads):
    client.login(username="head_roads", password=PASSWORD)
    for name in SECTIONS:
        url = reverse("dashboard:report", args=[name]) + f"?instansi={world.env_bdg.pk}"
        assert client.get(url).status_code == 400
        export = reverse("dashboard:report_export", args=[name, "csv"])
        assert client.get(export + f"?instansi={world.env_bdg.pk}").status_code == 400


def test_the_head_sees_agencies_under_theirs(world, head_roads):
    world.kel_sukarasa.parent = world.roads_bdg
    world.kel_sukarasa.save(update_fields=["parent"])
    scope = ReportScope.for_user(head_roads)
    assert scope.agency_ids == {world.roads_bdg.pk, world.kel_sukarasa.pk}


def test_supervisor_sees_every_agency_and_export_equals_page(client, world, data, supervisor):
    client.login(username="supervisor", password=PASSWORD)
    page = client.get(reverse("dashboard:report", args=["volume"])).content.decode()
    assert world.roads_bdg.name in page and world.env_bdg.name in page
    raw = b"".join(
        client.get(reverse("dashboard:report_export", args=["volume", "csv"])).streaming_content
    )
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert [world.roads_bdg.name, "3"] in rows
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_citizens_and_unknown_roles_get_no_reports(client, world):
    assert client.get(reverse("dashboard:reports")).status_code == 302  # to the login
    assert ReportScope.public_scope().agency_ids is None


@pytest.mark.parametrize(
    "query",
    [
        "periode=abad",
        "periode=kustom&dari=2026-02-30&sampai=2026-03-01",
        "periode=kustom&dari=2026-03-01",
        "wilayah=99.99",
        "instansi=abc",
        "periode=kustom&dari=2026-03-02&sampai=2026-03-01",
    ],
)
def test_bad_filters_are_a_clear_400(client, world, supervisor, query):
    client.login(username="supervisor", password=PASSWORD)
    response = client.get(reverse("dashboard:report", args=["volume"]) + "?" + query)
    assert response.status_code == 400
    assert response.content


def test_the_area_filter_narrows(world, data):
    scope = ReportScope()
    filters = parse_filters({"wilayah": world.bekasi.code}, scope)
    assert report_section("volume", scope, filters)[0].rows == []
    with pytest.raises(ReportInputError):
        parse_filters({"wilayah": world.bekasi.code}, ReportScope(area_code=world.bandung.code))


def test_each_section_runs_a_fixed_number_of_queries(world, data, django_assert_max_num_queries):
    scope = ReportScope()
    filters = parse_filters({}, scope)
    for name in SECTIONS:
        with django_assert_max_num_queries(12):
            report_section(name, scope, filters)


def test_the_beat_refresh_absorbs_new_events_once(world, data, staff_roads):
    scope = ReportScope()
    extra = _complaint(world, category=world.road, area=world.dago)
    assert facts_refresh() == 1  # only the new complaint
    _resolve(extra, staff_roads)
    assert facts_refresh() == 1
    assert facts_refresh() == 0  # idempotent: nothing new, nothing done
    rates = _cells(report_section("kualitas", scope, parse_filters({}, scope)))["rates"]
    assert rates[0][1] == 3  # resolved at least once


def test_rebuild_equals_incremental(world, data):
    scope = ReportScope()
    filters = parse_filters({}, scope)
    before = [[t.rows for t in report_section(n, scope, filters)] for n in SECTIONS]
    facts_rebuild()
    assert [[t.rows for t in report_section(n, scope, filters)] for n in SECTIONS] == before


def test_timeliness_counts_met_missed_and_merged(world, data, operator, staff_roads):
    """Hand-made: two resolved roads on time; a complaint past its respond-by counts missed."""
    from datetime import timedelta

    from dispositions.merging import complaint_merge
    from dispositions.models import Disposition

    late = data["roads"][2]
    Disposition.objects.filter(complaint=late).update(
        response_due_at=late.created_at - timedelta(hours=1)
    )
    complaint_merge(duplicate=data["garbage"][1], into=data["garbage"][0],
                    actor=Actor.for_user(operator))  # fmt: skip
    facts_refresh()
    facts_rebuild()  # the response deadline moved without an event: a rebuild sees it
    scope = ReportScope()
    tables = _cells(report_section("ketepatan-waktu", scope, parse_filters({}, scope)))
    response, resolution = (r[1:] for r in tables["sla"])
    assert response[:2] == [2, 1]  # two accepted in time, one unaccepted and past due
    assert resolution[:2] == [2, 0]
    rates = _cells(report_section("kualitas", scope, parse_filters({}, scope)))["rates"]
    assert rates[4][1] == 1  # one duplicate merged


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_list_export_obeys_visibility(client, world, data, staff_env, fmt):
    client.login(username="staff_env", password=PASSWORD)
    response = client.get(reverse("dashboard:list_export", args=[fmt]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        content = "\n".join(
            str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
        ).encode()
    for c in data["garbage"]:
        assert c.tracking_code.encode() in content
    for c in data["roads"]:
        assert c.tracking_code.encode() not in content


def test_the_list_export_refuses_a_bad_filter(client, world, supervisor):
    client.login(username="supervisor", password=PASSWORD)
    response = client.get(reverse("dashboard:list_export", args=["csv"]) + "?status=zzz")
    assert response.status_code == 400


def test_the_list_links_its_exports_with_its_filters(client, world, supervisor):
    client.login(username="supervisor", password=PASSWORD)
    page = client.get(reverse("dashboard:home") + "?channel=whatsapp").content.decode()
    assert reverse("dashboard:list_export", args=["csv"]) + "?channel=whatsapp" in page
