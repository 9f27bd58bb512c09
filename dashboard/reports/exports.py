"""CSV (streamed) and XLSX exports of a section: the same tables the page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from openpyxl import Workbook

from .tables import Table


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(tables: list[Table]) -> Iterator[str]:
    """One block per table: its title, its header, its rows, a blank line."""
    writer = csv.writer(_Echo())
    for table in tables:
        yield writer.writerow([str(table.title)])
        yield writer.writerow([str(c) for c in table.columns])
        for row in table.rows:
            yield writer.writerow(["" if v is None else str(v) for v in row])
        if table.note:
            yield writer.writerow([str(table.note)])
        yield writer.writerow([])


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One sheet per table (section tables are small: the aggregated figures, not rows)."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=str(table.key)[:31])
        sheet.append([str(table.title)])
        sheet.append([str(c) for c in table.columns])
        for row in table.rows:
            sheet.append([v if isinstance(v, int | float) or v is None else str(v) for v in row])
        if table.note:
            sheet.append([str(table.note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
