"""Write static/css/charts.css: pygal's chart styles as a file the CSP allows.

Run after changing the chart style in dashboard/reports/charts.py:
    .venv/bin/python scripts/write_chart_css.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from dashboard.reports.charts import chart_css  # noqa: E402

TARGET = ROOT / "static" / "css" / "charts.css"

if __name__ == "__main__":
    TARGET.write_text(chart_css(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
