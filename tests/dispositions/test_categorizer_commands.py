"""import_history, train_categorizer and evaluate_categorizer, as an adopting city runs them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from complaints.models import Agency, Category
from dispositions.models import CategorizerModel, TrainingExample
from tests.dispositions.test_categorizer import SMALL_SET

pytestmark = pytest.mark.django_db

HEADER = ["Isi Aduan", "Kategori", "OPD", "Kelurahan", "Tanggal"]
# How a city's own export names things: its own words, not Sigap's slugs.
CITY_NAMES = {
    "jalan-rusak": ("Jalan Rusak", "Dinas Bina Marga Kota Bandung"),
    "lampu-jalan": ("PJU", "Dinas Bina Marga Kota Bandung"),
    "sampah": ("Persampahan", "DLH Kota"),
}


def _history_rows() -> list[list[str]]:
    rows = []
    for slug, texts in SMALL_SET.items():
        category, agency = CITY_NAMES[slug]
        rows.extend([text, category, agency, "Sukarasa", "05/03/2024"] for text in texts)
    return rows


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "aduan-2024.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _xlsx(tmp_path: Path, rows: list[list[str]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "aduan-2023.xlsx"
    workbook.save(path)
    return path


COLUMNS = ["--text-column", "Isi Aduan", "--category-column", "Kategori"]
WITH_AGENCY = [*COLUMNS, "--agency-column", "OPD"]
ALL_COLUMNS = [*WITH_AGENCY, "--area-column", "Kelurahan", "--date-column", "Tanggal"]
MAPS = ["--map", "Jalan Rusak=jalan-rusak", "--map", "PJU=lampu-jalan"]
MAPS += ["--map", "Persampahan=sampah", "--map", "DLH Kota=dlh-bandung"]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_unknown_names_are_reported_with_counts_and_nothing_is_imported(world, tmp_path):
    path = _csv(tmp_path, _history_rows())
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_history", str(path), *WITH_AGENCY, stdout=out)
    report = out.getvalue()
    assert "Unknown category names (2)" in report  # "Jalan Rusak" matches by name
    assert "12  PJU" in report and "12  Persampahan" in report
    assert "Unknown agency names (1)" in report and "12  DLH Kota" in report
    assert not TrainingExample.objects.exists()


def test_mapped_names_import_from_csv_with_area_and_date(world, tmp_path):
    path = _csv(tmp_path, _history_rows())
    out = run("import_history", str(path), *ALL_COLUMNS, *MAPS)
    assert "Imported 36 training examples." in out
    example = TrainingExample.objects.filter(category=world.garbage).first()
    assert (example.agency, example.area, example.source) == (
        world.env_bdg,
        world.sukarasa,
        "import",
    )
    assert str(example.occurred_on) == "2024-03-05" and example.imported_from == "aduan-2024.csv"
    # Running it again adds nothing.
    assert "Rows imported before, skipped: 36" in run(
        "import_history", str(path), *ALL_COLUMNS, *MAPS
    )
    assert TrainingExample.objects.count() == 36


def test_create_missing_adopts_the_citys_taxonomy_from_excel(world, tmp_path):
    rows = [*_history_rows(), ["banjir sepinggang di perumahan", "Banjir", "BPBD", "", ""]]
    path = _xlsx(tmp_path, rows)
    out = run("import_history", str(path), *WITH_AGENCY, "--create-missing")
    assert "New category: pju (PJU)" in out and "New category: banjir (Banjir)" in out
    assert "New agency: dlh-kota (DLH Kota)" in out and "New agency: bpbd (BPBD)" in out
    assert "Imported 37 training examples." in out
    assert Category.objects.get(slug="persampahan").parent is None
    assert Agency.objects.get(slug="bpbd").level == "city"
    assert TrainingExample.objects.filter(category__slug="pju").count() == 12


def test_a_dry_run_writes_nothing(world, tmp_path):
    path = _csv(tmp_path, _history_rows())
    out = run("import_history", str(path), *COLUMNS, "--create-missing", "--dry-run")
    assert "Would import 36 training examples." in out
    assert not TrainingExample.objects.exists()
    assert not Category.objects.filter(slug="pju").exists()


def test_a_missing_column_or_bad_map_is_a_clear_error(world, tmp_path):
    path = _csv(tmp_path, _history_rows())
    with pytest.raises(CommandError, match="Column\\(s\\) Isi not in the file"):
        run("import_history", str(path), "--text-column", "Isi", "--category-column", "Kategori")
    with pytest.raises(CommandError, match="--map needs"):
        run("import_history", str(path), *COLUMNS, "--map", "PJU")


def test_train_and_evaluate_on_imported_history(world, tmp_path):
    path = _csv(tmp_path, _history_rows())
    run("import_history", str(path), *WITH_AGENCY, *MAPS)
    out = run("train_categorizer", "--evaluate")
    model = CategorizerModel.objects.get(is_active=True)
    assert f"Model {model.version}: 36 examples, 3 categories, 36 with an agency" in out
    assert "category: accuracy" in out and "agency: accuracy" in out
    assert set(model.metrics) == {"category", "category_with_rules", "agency"}

    out = run("evaluate_categorizer")
    assert "Cross-validated on 36 training examples (5-fold, stratified)." in out
    for line in ("category accuracy: ", "category macro-F1: ", "agency accuracy: "):
        assert line in out
    assert "Confusion table" in out and "jalan-rusak" in out


def test_evaluate_scores_a_separate_labeled_file(world, tmp_path):
    run("import_history", str(_csv(tmp_path, _history_rows())), *WITH_AGENCY, *MAPS)
    run("train_categorizer", "--skip-evaluation")
    held_out = [
        ["lampu jalan di gang kami mati total", "PJU", "Dinas Bina Marga Kota Bandung"],
        ["jalan banyak lubang besar", "Jalan Rusak", "Dinas Bina Marga Kota Bandung"],
        ["sampah belum diangkut 5 hari", "Persampahan", "DLH Kota"],
        ["pohon tumbang", "Pohon", ""],
    ]
    path = tmp_path / "uji.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["teks", "kat", "opd"], *held_out])
    out = run(
        "evaluate_categorizer", str(path), "--text-column", "teks", "--category-column", "kat",
        "--agency-column", "opd", *MAPS,
    )  # fmt: skip
    assert "Unknown category names (1)" in out and "1  Pohon" in out
    assert "Scored 3 rows of uji.csv." in out
    assert "category accuracy: 1.000" in out and "category macro-F1: 1.000" in out
    assert "agency accuracy: 1.000" in out and "agency macro-F1: 1.000" in out
    assert "categorized automatically" in out

    no_agency = run(
        "evaluate_categorizer",
        str(path),
        "--text-column",
        "teks",
        "--category-column",
        "kat",
        *MAPS,
    )
    assert "category accuracy" in no_agency and "agency accuracy" not in no_agency
