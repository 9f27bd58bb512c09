"""The read-replica router with a real second database alias (a second SQLite file made
to differ from the primary), in a process of its own since aliases are fixed at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from complaints.models import Complaint
from config.db_router import ReplicaRouter, reading_from_replica

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from complaints.models import Category
from config.db_router import reading_from_replica
Category.objects.using("default").create(slug="on-primary", name="Primary")
Category.objects.using("replica").create(slug="on-replica", name="Replica")
outside = sorted(Category.objects.values_list("slug", flat=True))
with reading_from_replica():
    inside = sorted(Category.objects.values_list("slug", flat=True))
    Category.objects.create(slug="written-inside", name="W")
written = sorted(Category.objects.using("default").values_list("slug", flat=True))
print(outside, inside, written)
"""


def test_without_a_replica_reads_stay_on_the_primary(settings):
    assert "replica" not in settings.DATABASES
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Complaint) is None


@pytest.mark.slow
def test_reads_inside_the_block_go_to_the_replica_and_writes_to_the_primary(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "replica-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    # The replica's tables, as replication would have made them (migrate skips it).
    subprocess.run(
        [*manage, "migrate", "-v0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": env["DATABASE_REPLICA_URL"], "DATABASE_REPLICA_URL": ""},
        check=True,
    )
    out = (
        subprocess.run(
            [*manage, "shell", "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == ("['on-primary'] ['on-replica'] ['on-primary', 'written-inside']")
