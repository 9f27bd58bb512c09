"""Sigap's own settings plus one bare JSON view (benchmarks/load/urls.py), the ceiling the
load benchmark compares every endpoint with under the same server and middleware."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load.urls"
