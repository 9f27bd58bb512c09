"""The facts a benchmark number is meaningless without: hardware, versions, commit."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cpuinfo(field: str) -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == field:
            return value.strip()
    return "unknown"


def _ram() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.platform()


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def git_commit() -> str:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    # A dirty tree means the numbers belong to code that no commit holds.
    return f"{commit} (with uncommitted changes)" if _git("status", "--porcelain") else commit


def machine_facts(
    runs: list[dict[str, Any]], *, load_at_start: tuple[float, float, float]
) -> dict[str, str]:
    facts = {
        "CPU": _cpuinfo("model name"),
        "Cores (logical)": str(os.cpu_count()),
        "RAM": _ram(),
        # Other work on the machine (tests, builds) shows up here and in the spread.
        "Load average at start (1/5/15 min)": _load(load_at_start),
        "Load average at end": _load(os.getloadavg()),
        "OS": f"{_os()}, kernel {platform.release()}",
        "Python": platform.python_version(),
        "Django": version("django"),
        "Django REST framework": version("djangorestframework"),
        "Pillow": version("pillow"),
        "psycopg": version("psycopg"),
        "SQLite": sqlite3.sqlite_version,
    }
    for run in runs:
        if run["database"]["vendor"] == "PostgreSQL":
            facts["PostgreSQL"] = run["database"]["version"]
    facts["Git commit"] = git_commit()
    return facts
