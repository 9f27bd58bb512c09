"""The column and name-mapping options shared by import_history and evaluate_categorizer."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import CommandParser, OutputWrapper

from dispositions.categorizer.history import Columns


def add_column_options(parser: CommandParser, *, required: bool) -> None:
    parser.add_argument("--text-column", required=required, help="Column with the complaint text.")
    parser.add_argument(
        "--category-column", required=required, help="Column with the category name or slug."
    )
    parser.add_argument("--agency-column", default="", help="Column with the agency name or slug.")
    parser.add_argument("--area-column", default="", help="Column with the area code or name.")
    parser.add_argument("--date-column", default="", help="Column with the complaint's date.")
    parser.add_argument(
        "--kecamatan-column", default="", help="Column with the kecamatan (name or code)."
    )
    parser.add_argument(
        "--kelurahan-column", default="", help="Column with the kelurahan/desa (name or code)."
    )
    parser.add_argument(
        "--areas-within",
        default="",
        metavar="CODE",
        help="Look kecamatan/kelurahan names up in this area only (e.g. 35.78, Kota Surabaya).",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar='"OLD NAME=slug"',
        help="Read a category or agency name of the file as an existing slug (repeatable).",
    )


def columns_from(options: dict[str, Any]) -> Columns:
    return Columns(
        text=options["text_column"],
        category=options["category_column"],
        agency=options["agency_column"],
        area=options["area_column"],
        date=options["date_column"],
        kecamatan=options["kecamatan_column"],
        kelurahan=options["kelurahan_column"],
        areas_within=options["areas_within"],
    )


def write_unknown(out: OutputWrapper, kind: str, names: Counter[str]) -> None:
    if not names:
        return
    out.write(f"Unknown {kind} names ({len(names)}), with their row counts:")
    for name, count in names.most_common():
        out.write(f"  {count:6d}  {name}")
