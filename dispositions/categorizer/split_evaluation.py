"""Scores a city can reproduce: train on its older complaints, judge on the newer ones.

The agency is scored the way Sigap routes: the topic's probabilities from the text, each
topic's unit at the complaint's place from the mined routing (mined_routing.py), the
units' probabilities summed. Automatic routing happens when that sum reaches a
threshold; the coverage at a precision is the largest share of complaints that can be
routed automatically with at least that share of them right.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score

from . import model as ml
from .mined_routing import HistoryRow, RoutingTable
from .normalize import normalize

PRECISIONS = (0.90, 0.95, 0.98)
# Topics whose probability is summed into their unit's (the rest add almost nothing).
TOPICS_SUMMED = 10


@dataclass
class SplitReport:
    n_train: int
    n_test: int
    topic_accuracy: float
    top3_accuracy: float
    macro_f1: float
    agency_accuracy: float | None
    coverage: dict[float, tuple[float, float]] = field(default_factory=dict)
    # CPU seconds of this process (the machine may be shared: wall time says little).
    train_seconds: float = 0.0
    classify_per_second: float = 0.0
    unseen_topics: int = 0  # test rows whose topic never appears in training


def coverage_at(confidences: Sequence[float], correct: Sequence[bool], precision: float):
    """(share routed automatically, threshold) at the lowest threshold keeping `precision`."""
    order = np.argsort(-np.asarray(confidences, dtype=float), kind="stable")
    hits = np.cumsum(np.asarray(correct, dtype=float)[order])
    counts = np.arange(1, len(order) + 1)
    ok = np.nonzero(hits / counts >= precision)[0]
    if not len(ok):
        return 0.0, 1.0
    k = int(ok[-1])
    return (k + 1) / len(order), float(np.asarray(confidences)[order][k])


def _fit_default(texts: list[str], labels: list[str]):
    return ml.fit(texts, labels)


def evaluate_split(
    train: Sequence[HistoryRow],
    test: Sequence[HistoryRow],
    *,
    fit: Callable[[list[str], list[str]], object] = _fit_default,
) -> SplitReport:
    """Fit a topic model on `train`, mine its routing, score both on `test`."""
    started = time.process_time()
    pipeline = fit([normalize(r.text) for r in train], [r.topic for r in train])
    if pipeline is None:
        raise ValueError("The older rows need at least two topics with 3+ complaints each.")
    train_seconds = time.process_time() - started
    table = RoutingTable(train)

    started = time.process_time()
    classes, probabilities = ml.probabilities(pipeline, [normalize(r.text) for r in test])
    per_second = len(test) / max(time.process_time() - started, 1e-9)
    order = np.argsort(-probabilities, axis=1)
    truth = [r.topic for r in test]
    predicted = [str(classes[i[0]]) for i in order]
    top3 = [r.topic in {str(classes[j]) for j in i[:3]} for r, i in zip(test, order, strict=True)]

    report = SplitReport(
        n_train=len(train),
        n_test=len(test),
        topic_accuracy=float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        top3_accuracy=float(np.mean(top3)),
        macro_f1=float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro")),
        agency_accuracy=None,
        train_seconds=train_seconds,
        classify_per_second=per_second,
        unseen_topics=sum(t not in set(classes) for t in truth),
    )
    with_agency = [(k, r) for k, r in enumerate(test) if r.agency]
    if not with_agency:
        return report
    correct, confidences = [], []
    for k, row in with_agency:
        units: dict[str, float] = defaultdict(float)
        for j in order[k][:TOPICS_SUMMED]:
            unit = table.unit(str(classes[j]), row.kecamatan, row.kelurahan)
            if unit:
                units[unit] += float(probabilities[k, j])
        best = max(units, key=lambda u: units[u]) if units else ""
        correct.append(_same_unit(best, row.agency))
        confidences.append(units.get(best, 0.0))
    report.agency_accuracy = float(np.mean(correct))
    report.coverage = {p: coverage_at(confidences, correct, p) for p in PRECISIONS}
    return report


def _same_unit(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def split_by_date(
    rows: Sequence[HistoryRow], day: str
) -> tuple[list[HistoryRow], list[HistoryRow]]:
    """Rows before `day` (ISO) to train on, rows on or after it to score; undated rows train."""
    train = [r for r in rows if not r.day or r.day < day]
    test = [r for r in rows if r.day and r.day >= day]
    return train, test
