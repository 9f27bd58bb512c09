"""load_demo: idempotent demo data whose rules route every category anywhere in 32 and 31."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Agency, Area, Category, Complaint, ComplaintEvent, Status, User
from complaints.services import complaint_create
from dispositions.demo import COMPLAINTS, DEMO_PASSWORD, TOPICS, all_category_slugs
from dispositions.models import (
    CategorizationDecision,
    CategorizerModel,
    CategoryKeyword,
    Disposition,
    RoutingRule,
    TrainingExample,
)
from dispositions.routing import routing_rule_match
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db

MODELS = (Area, Category, Agency, RoutingRule, User, Complaint, Disposition, ComplaintEvent)


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Seven demo users per load: the production hasher would make each test seconds slower.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo() -> str:
    return load_demo()


def test_it_loads_areas_categories_agencies_rules_users_and_complaints(demo):
    assert "Areas: 6930 new" in demo
    assert counts() == {
        "Area": 6930,
        "Category": len(all_category_slugs()),
        "Agency": 22,
        "RoutingRule": 32,
        "User": 7,
        "Complaint": len(COMPLAINTS),
        "Disposition": 11,
        # 12 created, 12 routed or triaged, 3 accepted, 2 started, 1 resolved, 1 confirmed
        "ComplaintEvent": 31,
    }
    assert Category.objects.filter(parent=None).count() == len(TOPICS) == 10
    road = Category.objects.get(slug="jalan-rusak")
    assert (road.parent.slug, road.response_hours, road.resolution_hours) == (
        "infrastruktur",
        6,
        56,
    )
    assert Category.objects.get(slug="banjir").response_hours == 2
    emergencies = Category.objects.filter(is_emergency=True).values_list("slug", flat=True)
    assert set(emergencies) == {"banjir", "pohon-tumbang", "kebakaran"}
    assert f"Demo logins (password: {DEMO_PASSWORD})" in demo


def test_it_is_idempotent(demo):
    before = counts()
    slugs = set(Category.objects.values_list("slug", flat=True))

    output = load_demo()

    assert counts() == before
    assert set(Category.objects.values_list("slug", flat=True)) == slugs
    assert "Areas:" not in output  # areas exist, so they are not reloaded
    for kind in ("Categories", "Agencies", "Routing rules", "Category keywords", "Users"):
        assert f"{kind}: 0 new, 0 updated" in output
    assert "none added" in output
    assert "Categorizer:" not in output  # same starter set, a model active: no retraining
    assert CategorizerModel.objects.count() == 1
    assert "kel.dago" in output  # the logins table is printed every run


def test_it_brings_back_edited_demo_values(demo):
    Category.objects.filter(slug="sampah").update(name="Sampah!", response_hours=99)
    Agency.objects.get(slug="kel-dago").areas.clear()

    output = load_demo("--quiet")

    assert output == ""
    sampah = Category.objects.get(slug="sampah")
    assert (sampah.name, sampah.response_hours) == ("Sampah menumpuk/tidak diangkut", 6)
    assert list(Agency.objects.get(slug="kel-dago").areas.values_list("code", flat=True)) == [
        "32.73.02.1004"
    ]


def test_every_category_routes_anywhere_in_jawa_barat_and_dki(demo):
    regencies = list(Area.objects.filter(level__in=(1, 2)))
    kelurahan = list(
        Area.objects.filter(
            code__in=[
                "32.73.02.1004",  # Dago
                "32.73.02.1006",  # Lebak Siliwangi
                "32.73.02.1001",  # Cipaganti
                "32.73.19.1001",  # Braga
                "32.05.05.2008",  # Tarogong, Garut
                "32.18.01.2001",
                "31.71.07.1007",  # Kampung Bali
                "31.01.01.1001",
            ]
        )
    )
    assert len(regencies) == 35
    assert len(kelurahan) == 8
    unrouted = [
        (category.slug, area.code)
        for category in Category.objects.all()
        for area in regencies + kelurahan
        if routing_rule_match(category=category, area=area) is None
    ]
    assert unrouted == []


def route(category_slug: str, area_code: str) -> Complaint:
    complaint = complaint_create(
        channel="web",
        text="Sampah menumpuk di pinggir jalan, belum diangkut.",
        category=Category.objects.get(slug=category_slug),
        area=Area.objects.get(code=area_code),
    )
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@pytest.mark.parametrize(
    ("category", "area", "agency"),
    [
        ("sampah", "32.73.02.1004", "kel-dago"),  # Kelurahan Dago's own rule
        ("sampah", "32.73.02.1001", "dlh-bandung"),  # Cipaganti: the city's rule
        ("sampah", "32.05.05.2008", "dlh-jabar"),  # Garut: the provincial default
        ("pkl", "32.73.02.1004", "kec-coblong"),  # the kecamatan's rule
        ("pkl", "32.73.19.1001", "satpolpp-bandung"),
        ("lampu-jalan", "32.73.19.1001", "dishub-bandung"),  # subcategory beats topic
        ("jalan-rusak", "32.73.19.1001", "dsdabm-bandung"),
        ("jalan-rusak", "32.04", "dbmpr-jabar"),
        ("adminduk", "32.73.07.1002", "disdukcapil-bandung"),
        ("pungli", "32.73.07.1002", "inspektorat-jabar"),  # no city rule: the province
        ("sampah", "31.71.07.1007", "crm-dki"),
    ],
)
def test_a_complaint_goes_to_the_most_specific_agency(demo, category, area, agency):
    complaint = route(category, area)

    assert complaint.status == Status.ASSIGNED
    assert complaint.agency.slug == agency


def test_demo_users_have_their_roles_and_agencies(demo):
    users = {u.username: u for u in User.objects.select_related("agency")}

    assert {name: (u.role, u.agency.slug if u.agency else None) for name, u in users.items()} == {
        "operator": ("operator", None),
        "dinas.binamarga": ("agency_staff", "dsdabm-bandung"),
        "kepala.binamarga": ("agency_head", "dsdabm-bandung"),
        "dinas.lh": ("agency_staff", "dlh-bandung"),
        "kel.dago": ("agency_staff", "kel-dago"),
        "supervisor": ("supervisor", None),
        "admin": ("admin", None),
    }
    assert all(u.check_password(DEMO_PASSWORD) and u.get_full_name() for u in users.values())
    assert (users["admin"].is_staff, users["admin"].is_superuser) == (True, True)
    assert not users["operator"].is_staff


def test_a_changed_password_survives_a_second_run(demo):
    user = User.objects.get(username="kel.dago")
    user.set_password("dago-punya-sendiri")
    user.save(update_fields=["password"])

    load_demo("--quiet")

    assert User.objects.get(username="kel.dago").check_password("dago-punya-sendiri")


def test_demo_complaints_show_every_colour_and_a_history(demo):
    statuses = set(Complaint.objects.values_list("status", flat=True))

    assert {"closed", "in_progress", "assigned", "triage"} <= statuses
    closed = Complaint.objects.get(status=Status.CLOSED)
    assert closed.agency.slug == "dsdabm-bandung"
    assert list(closed.events.values_list("action", flat=True)) == [
        "",
        "route",
        "accept",
        "start",
        "resolve",
        "confirm",
    ]
    triaged = Complaint.objects.get(status=Status.TRIAGE)
    assert triaged.category is None
    decision = CategorizationDecision.objects.get(complaint=triaged)
    assert decision.category is None and decision.suggestions  # the operator sees suggestions
    assert Complaint.objects.filter(is_anonymous=True, is_confidential=True).count() == 1


def test_it_adds_no_complaints_once_there_are_some(demo):
    Complaint.objects.filter(status=Status.TRIAGE).delete()
    left = Complaint.objects.count()

    load_demo("--quiet")

    assert Complaint.objects.count() == left


def test_it_refuses_without_areas_when_told_not_to_load_them():
    with pytest.raises(CommandError, match=r"are missing: run `manage\.py load_areas` first"):
        load_demo("--no-areas")
    assert not Category.objects.exists()


def test_it_uses_areas_already_loaded(demo):
    # The default load found areas, so --no-areas on a loaded database works too.
    assert "0 new, 0 updated" in load_demo("--no-areas")


def test_the_demo_categorizes_out_of_the_box(demo):
    model = CategorizerModel.objects.get(is_active=True)
    assert model.n_examples == TrainingExample.objects.filter(source="starter").count() > 300
    assert CategoryKeyword.objects.filter(category__slug="jalan-rusak", phrase="bolong").exists()
    assert f"model {model.version} trained on {model.n_examples} examples" in demo

    complaint = complaint_create(
        channel="whatsapp",
        text="jln di depan sdn 3 bolong gede bgt udh 2 minggu gk dibenerin",
        area=Area.objects.get(code="32.73.02.1006"),  # Lebak Siliwangi, Kota Bandung
    )
    assert disposition_route(complaint_id=complaint.pk) == "assigned"
    complaint.refresh_from_db()
    assert complaint.category.slug == "jalan-rusak"
    assert complaint.agency.slug == "dsdabm-bandung"
    decision = CategorizationDecision.objects.get(complaint=complaint)
    assert decision.source in ("rule", "model") and decision.model_version == model.version

    vague = complaint_create(
        channel="sms",
        text="pak tolong ditindaklanjuti laporan saya yang kemarin",
        area=complaint.area,
    )
    assert disposition_route(complaint_id=vague.pk) == "triage"
    assert CategorizationDecision.objects.get(complaint=vague).suggestions
