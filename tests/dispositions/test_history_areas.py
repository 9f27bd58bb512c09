"""import_history reads RFC 4180 CSV exactly and finds kecamatan/kelurahan by name."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from complaints.models import Area
from dispositions.categorizer.area_names import AreaMatcher, area_key
from dispositions.categorizer.history import read_rows
from dispositions.models import TrainingExample

pytestmark = pytest.mark.django_db

WORDS = [
    "jalan",
    "rusak",
    "parah",
    "lampu",
    "mati",
    "sampah",
    "menumpuk",
    "tolong",
    "segera",
    "pak",
    "bu",
    "rt",
    "rw",
    "no",
]
AWKWARD = [",", ";", '"kata"', "\n", "'", ":", "(", ")", "-", "\\n", "|"]


def _awkward_texts(n: int, seed: int) -> list[str]:
    """Texts with quotes, commas, semicolons and line breaks, as citizens write them."""
    rng = random.Random(seed)  # noqa: S311 -- test data, not secrets
    pool = WORDS * 3 + AWKWARD
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(5, 150))) for _ in range(n)]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # Python's csv module: RFC 4180, texts quoted as needed
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("seed", range(4))
def test_texts_with_quotes_commas_and_line_breaks_stay_whole(tmp_path, seed):
    # csv.Sniffer guessed "quotes not doubled" on some of these files and cut texts into
    # fields that were then read as category and agency names.
    texts = _awkward_texts(60, seed)
    rows = [[t, "Jalan Rusak", "Dinas PU", "Gubeng"] for t in texts]
    path = _write(tmp_path / "aduan.csv", ["text", "topic", "agency", "kecamatan"], rows)
    read = read_rows(path)
    assert [r["text"] for r in read] == texts
    assert {(r["topic"], r["agency"], r["kecamatan"]) for r in read} == {
        ("Jalan Rusak", "Dinas PU", "Gubeng")
    }


def test_the_delimiter_comes_from_the_header_line(tmp_path):
    path = tmp_path / "aduan.csv"
    path.write_text('isi;kategori\n"jalan, rusak; parah";Jalan Rusak\n', encoding="utf-8")
    assert read_rows(path) == [{"isi": "jalan, rusak; parah", "kategori": "Jalan Rusak"}]


@pytest.fixture
def east_java(db) -> dict[str, Area]:
    def area(code: str, name: str, parent: Area | None) -> Area:
        level = code.count(".") + 1
        return Area.objects.create(code=code, name=name, level=level, parent=parent)

    jatim = area("35", "Jawa Timur", None)
    sby = area("35.78", "Kota Surabaya", jatim)
    madiun = area("35.19", "Kabupaten Madiun", jatim)
    found = {
        "karang_pilang": area("35.78.01", "Karang Pilang", sby),
        "rungkut": area("35.78.03", "Rungkut", sby),
        "sawahan": area("35.78.06", "Sawahan", sby),
        "sawahan_madiun": area("35.19.05", "Sawahan", madiun),
        "tenggilis": area("35.78.24", "Tenggilis Mejoyo", sby),
    }
    found["kebraon"] = area("35.78.01.1003", "Kebraon", found["karang_pilang"])
    found["wonorejo"] = area("35.78.03.1005", "Wonorejo", found["rungkut"])
    found["kel_sawahan"] = area("35.78.06.1001", "Sawahan", found["sawahan"])
    area("35.19.05.2001", "Sawahan", found["sawahan_madiun"])
    found["tengilis"] = area("35.78.24.1003", "Tengilis Mejoyo", found["tenggilis"])
    return found


def test_area_key_drops_prefixes_case_and_spacing():
    assert area_key("Kec. Karang  Pilang") == area_key("KARANGPILANG") == "karangpilang"
    assert area_key("Kel. Pacar-Kembang") == area_key("kelurahan pacarkembang")


def test_kecamatan_and_kelurahan_by_name_code_and_variant(east_java):
    matcher = AreaMatcher()
    assert matcher.match("Kec. Karangpilang", "KEL. KEBRAON") == east_java["kebraon"]
    assert matcher.match("", "35.78.01.1003") == east_java["kebraon"]
    assert matcher.match("Rungkut", "Wonorejo Rungkut") == east_java["wonorejo"]  # suffixed
    assert matcher.match("Tenggilis Mejoyo", "Tenggilis Mejoyo") == east_java["tengilis"]
    # An unknown kelurahan in a known kecamatan: the kecamatan, and it is reported.
    assert matcher.match("Rungkut", "Antah Berantah") == east_java["rungkut"]
    assert matcher.report.unknown == {"Rungkut / Antah Berantah": 1}
    # Sawahan is a kecamatan (and a village) in Surabaya and in Madiun: never guessed.
    assert matcher.match("Sawahan", "Sawahan") is None
    assert matcher.report.ambiguous == {"Sawahan / Sawahan": 1}
    assert AreaMatcher("35.78").match("Sawahan", "Sawahan") == east_java["kel_sawahan"]


def test_import_history_reports_area_columns(east_java, world, tmp_path):
    rows = [
        ["jalan rusak, berlubang", "Jalan rusak", "Kec. Karang Pilang", "Kebraon"],
        ['lampu "mati"\ndi gang', "Lampu jalan", "Sawahan", "Sawahan"],
        ["sampah menumpuk", "Sampah", "Atlantis", ""],
    ]
    path = _write(tmp_path / "sby.csv", ["text", "topic", "kecamatan", "kelurahan"], rows)
    options = ["--text-column", "text", "--category-column", "topic"]
    options += ["--kecamatan-column", "kecamatan", "--kelurahan-column", "kelurahan"]
    out = io.StringIO()
    call_command("import_history", str(path), *options, stdout=out)
    report = out.getvalue()
    assert "Imported 3 training examples." in report
    assert "1  Atlantis" in report
    assert "Ambiguous areas" in report and "1  Sawahan / Sawahan" in report
    areas = dict(TrainingExample.objects.values_list("category__slug", "area__code"))
    assert areas == {"jalan-rusak": "35.78.01.1003", "lampu-jalan": None, "sampah": None}

    TrainingExample.objects.all().delete()
    call_command(
        "import_history", str(path), *options, "--areas-within", "35.78", stdout=io.StringIO()
    )
    assert (
        TrainingExample.objects.get(category__slug="lampu-jalan").area == east_java["kel_sawahan"]
    )
