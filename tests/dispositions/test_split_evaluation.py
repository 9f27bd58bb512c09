"""Routing mined from history and `evaluate_categorizer FILE --time-split DATE`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from complaints.models import Area
from dispositions.categorizer.mined_routing import HistoryRow, RoutingTable
from dispositions.categorizer.split_evaluation import coverage_at, unit_probabilities_for
from tests.dispositions.test_categorizer import SMALL_SET

# Synthetic city: topic -> unit; garbage goes to the complaint's own kelurahan office.
UNITS = {"jalan-rusak": "Dinas PU", "lampu-jalan": "Dinas Perhubungan", "sampah": "@kelurahan"}
PLACES = [("Rungkut", "Wonorejo"), ("Gubeng", "Mojo"), ("Tegalsari", "Kedungdoro")]


def _unit(topic: str, kelurahan: str) -> str:
    return f"Kelurahan {kelurahan}" if UNITS[topic] == "@kelurahan" else UNITS[topic]


def test_the_most_specific_place_with_history_decides():
    rows = [HistoryRow("banjir", "Dinas SDA", "Rungkut", "Wonorejo")] * 3
    rows += [HistoryRow("banjir", "BPBD", "Gubeng", "Mojo")] * 2
    rows += [HistoryRow("banjir", "BPBD", "Gubeng", "Airlangga")]
    table = RoutingTable(rows)
    assert table.unit("banjir", "Kec. Rungkut", "Wonorejo") == "Dinas SDA"
    route = table.route("banjir", "Gubeng", "Airlangga")  # one complaint: the kecamatan decides
    assert (route.agency, route.level, route.count, route.total) == ("BPBD", "kecamatan", 3, 3)
    route = table.route("banjir", "Sawahan", "Banyu Urip")  # never seen: the city decides
    assert (route.agency, route.level, route.confidence) == ("Dinas SDA", "city", 0.5)
    assert table.route("pungli") is None


def test_office_units_follow_the_complaints_own_area():
    rows = [
        HistoryRow("sampah", "Kelurahan Wonorejo", "Rungkut", "Wonorejo"),
        HistoryRow("sampah", "Kelurahan Mojo", "Gubeng", "Mojo"),
        HistoryRow("ktp", "Kecamatan Gubeng", "Gubeng", "Mojo"),
    ]
    table = RoutingTable(rows)
    assert table.unit("sampah", "Tegalsari", "Kedungdoro") == "Kelurahan Kedungdoro"
    assert table.unit("ktp", "Rungkut", "Wonorejo") == "Kecamatan Rungkut"


def test_the_distribution_keeps_a_split_habit_and_smooths_thin_places():
    rows = [HistoryRow("banjir", "Dinas SDA", "Rungkut", "Wonorejo")] * 3
    rows += [HistoryRow("banjir", "BPBD", "Gubeng", "Mojo")]
    rows += [HistoryRow("sampah", "Kelurahan Mojo", "Gubeng", "Mojo")] * 4
    table = RoutingTable(rows)
    city = table.distribution("banjir")
    assert sum(city.values()) == pytest.approx(1.0)
    assert city["Dinas SDA"] > city["BPBD"] > 0
    # One BPBD complaint in Mojo outweighs the city's habit there, not certainly.
    mojo = table.distribution("banjir", "Gubeng", "Mojo")
    assert mojo["BPBD"] > mojo["Dinas SDA"] and mojo["BPBD"] < 0.9
    # An office unit is learned as the complaint's own office, anywhere.
    assert (
        max(table.distribution("sampah", "Rungkut", "Wonorejo").items(), key=lambda i: i[1])[0]
        == "@kelurahan"
    )
    # A topic never seen routes by the units' overall shares.
    assert table.distribution("pungli") == table.prior


def test_routing_combines_the_topics_routes_with_the_units_read_from_the_text():
    rows = [HistoryRow("banjir", "Dinas SDA", "Rungkut", "Wonorejo")] * 2
    rows += [HistoryRow("banjir", "BPBD", "Rungkut", "Wonorejo")] * 2
    table = RoutingTable(rows)
    routed_only = unit_probabilities_for(table, {"banjir": 1.0}, "Rungkut", "Wonorejo")
    assert routed_only["Dinas SDA"] == pytest.approx(routed_only["BPBD"])
    # The text says which of the two units the history split between: it decides.
    both = unit_probabilities_for(
        table, {"banjir": 1.0}, "Rungkut", "Wonorejo", {"BPBD": 0.8, "Dinas SDA": 0.2}
    )
    assert sum(both.values()) == pytest.approx(1.0)
    assert both["BPBD"] > 0.6 > both["Dinas SDA"]


def test_coverage_is_the_largest_share_keeping_the_precision():
    confidences = [0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, False, True, False]
    assert coverage_at(confidences, correct, 0.95) == (0.4, 0.8)
    assert coverage_at(confidences, correct, 0.75) == (0.8, 0.6)
    assert coverage_at([0.9], [False], 0.9) == (0.0, 1.0)


def _history(tmp_path: Path) -> Path:
    path = tmp_path / "kota.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tanggal", "isi", "topik", "unit", "kecamatan", "kelurahan"])
        for topic, texts in SMALL_SET.items():
            for i, text in enumerate(texts * 2):
                kecamatan, kelurahan = PLACES[i % 3]
                month = 1 + i % 12  # the later months are scored
                writer.writerow(
                    [
                        f"2022-{month:02d}-15 08:00",
                        f'{text}, "tolong"\ndi {kelurahan}',
                        topic,
                        _unit(topic, kelurahan),
                        kecamatan,
                        kelurahan,
                    ]
                )
    return path


SPLIT_OPTIONS = ["--text-column", "isi", "--category-column", "topik", "--date-column", "tanggal"]
SPLIT_OPTIONS += ["--agency-column", "unit", "--kecamatan-column", "kecamatan"]
SPLIT_OPTIONS += ["--kelurahan-column", "kelurahan"]


@pytest.mark.django_db
def test_time_split_prints_the_figures_a_city_needs(tmp_path):
    out = io.StringIO()
    path = _history(tmp_path)
    call_command(
        "evaluate_categorizer", str(path), *SPLIT_OPTIONS, "--time-split", "2022-09-01", stdout=out
    )
    report = out.getvalue()
    assert "Trained on 48 rows before 2022-09-01" in report
    assert "scored 24 rows from 2022-09-01 on" in report
    for line in ("topic accuracy: ", "topic top-3 accuracy: ", "topic macro-F1: "):
        assert line in report
    assert "agency accuracy (topic x area routing): " in report
    assert "automatic routing at 95% precision: " in report
    topic = float(report.split("topic accuracy: ")[1].split()[0])
    agency = float(report.split("agency accuracy (topic x area routing): ")[1].split()[0])
    assert topic >= 0.7 and agency >= topic  # the garbage offices follow the kelurahan


@pytest.mark.django_db
def test_time_split_needs_a_date_column_and_a_valid_date(tmp_path):
    path = _history(tmp_path)
    with pytest.raises(CommandError, match="date columns"):
        call_command(
            "evaluate_categorizer", str(path), *SPLIT_OPTIONS[:4], "--time-split", "2022-09-01"
        )
    with pytest.raises(CommandError, match="Invalid isoformat"):
        call_command("evaluate_categorizer", str(path), *SPLIT_OPTIONS, "--time-split", "1 Sept")
    with pytest.raises(CommandError, match="nothing to compare"):
        call_command(
            "evaluate_categorizer", str(path), *SPLIT_OPTIONS, "--time-split", "2030-01-01"
        )


@pytest.mark.django_db
def test_propose_routing_from_history_then_apply_inactive(world):
    from complaints.models import Agency
    from dispositions.models import RoutingRule, TrainingExample

    dinkes = Agency.objects.create(slug="dinkes", name="Dinas Kesehatan", level="city")
    dago = Area.objects.get(code="32.73.02.1004")

    def example(category, area, agency, n):
        for i in range(n):
            TrainingExample.objects.create(
                text=f"aduan {i}", category=category, area=area, agency=agency, source="import"
            )

    example(world.health, dago, dinkes, 3)
    example(world.health, world.sukarasa, dinkes, 2)
    example(world.road, world.sukarasa, world.kel_sukarasa, 3)  # the kelurahan's own office
    example(world.streetlight, dago, world.roads_bdg, 2)  # too little history

    out = io.StringIO()
    call_command("propose_routing", stdout=out)
    report = out.getvalue()
    assert "Proposed rules: 2;" in report and "Dry run: nothing written." in report
    assert "Kesehatan @ KOTA BANDUNG (32.73) -> Dinas Kesehatan  [mined: 5/5" in report
    assert "Jalan rusak @ Sukarasa (32.73.01.1001) -> Kelurahan Sukarasa" in report
    assert not RoutingRule.objects.filter(note__startswith="mined").exists()

    call_command("propose_routing", "--apply", stdout=io.StringIO())
    mined = RoutingRule.objects.filter(note__startswith="mined")
    assert sorted(
        mined.values_list("category__slug", "area__code", "agency__slug", "is_active")
    ) == [
        ("jalan-rusak", "32.73.01.1001", "kel-sukarasa", False),
        ("kesehatan", "32.73", "dinkes", False),
    ]
    out = io.StringIO()
    call_command("propose_routing", stdout=out)
    assert "Proposed rules: 0; topic/area pairs already ruled: 2" in out.getvalue()


@pytest.mark.django_db
def test_the_admin_activates_reviewed_rules_in_bulk(world, admin_user, client):
    from dispositions.models import RoutingRule

    proposed = RoutingRule.objects.create(
        category=world.health, area=world.sukarasa, agency=world.kel_sukarasa, is_active=False
    )
    client.force_login(admin_user)
    response = client.post(
        "/admin/dispositions/routingrule/",
        {"action": "activate_rules", "_selected_action": [proposed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert proposed.is_active
