"""Realistic complaints in bulk for demos, reports and benchmarks (`manage.py generate_complaints`).

Never run it against a production database: generated tokens and codes follow the seed.
"""

from .generate import GenerateResult, generate_complaints

__all__ = ["GenerateResult", "generate_complaints"]
