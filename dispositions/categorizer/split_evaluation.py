"""Scores a city can reproduce: train on its older complaints, judge on the newer ones.

The agency is scored from two sources: (1) the topic's probabilities from the text,
each spread over the units the mined routing gives that topic at the complaint's place
(mined_routing.RoutingTable.distribution, smoothed from kelurahan to kecamatan to city),
summed; (2) a classifier from the text straight to the unit, where a kecamatan or
kelurahan office is learned as "the complaint's own office" (so it generalizes across
places). Their normalized geometric mean is the routing distribution: a unit both
sources find likely wins, and its probability is the routing confidence. Automatic
routing happens when that confidence reaches a threshold; the coverage at a precision is
the largest share of complaints that can be routed automatically with at least that
share of them right.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score

from . import model as ml
from .mined_routing import HistoryRow, RoutingTable, unit_for_place, unit_template
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
    with_unit = [r for r in train if r.agency]
    started = time.process_time()
    unit_model = fit(
        [normalize(r.text) for r in with_unit],
        [unit_template(r.agency, r.kecamatan, r.kelurahan) for r in with_unit],
    )
    train_seconds += time.process_time() - started

    started = time.process_time()
    test_texts = [normalize(r.text) for r in test]
    classes, probabilities = ml.probabilities(pipeline, test_texts)
    unit_classes, unit_probabilities = (
        ml.probabilities(unit_model, test_texts) if unit_model is not None else ([], None)
    )
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
        topics = {str(classes[j]): float(probabilities[k, j]) for j in order[k][:TOPICS_SUMMED]}
        from_text = (
            dict(zip(map(str, unit_classes), map(float, unit_probabilities[k]), strict=True))
            if unit_probabilities is not None
            else None
        )
        units = unit_probabilities_for(table, topics, row.kecamatan, row.kelurahan, from_text)
        best = max(units, key=lambda u: units[u]) if units else ""
        correct.append(_same_unit(unit_for_place(best, row.kecamatan, row.kelurahan), row.agency))
        confidences.append(units.get(best, 0.0))
    report.agency_accuracy = float(np.mean(correct))
    report.coverage = {p: coverage_at(confidences, correct, p) for p in PRECISIONS}
    return report


def unit_probabilities_for(
    table: RoutingTable,
    topics: dict[str, float],
    kecamatan: str,
    kelurahan: str,
    from_text: dict[str, float] | None = None,
) -> dict[str, float]:
    """P(unit template | text, place): the mined routing marginalised over the topic's
    probabilities, times the text's own unit probabilities (when a unit classifier was
    fitted), renormalized. Units are templates ("@kelurahan"): `unit_for_place` names them.
    """
    routed: dict[str, float] = defaultdict(float)
    for topic, p in topics.items():
        for unit, q in table.distribution(topic, kecamatan, kelurahan).items():
            routed[unit] += p * q
    if from_text is None:
        found = dict(routed)
    else:
        found = {u: math.sqrt(p * from_text.get(u, 0.0)) for u, p in routed.items()}
    total = sum(found.values())
    if total <= 0:
        return dict(routed)
    return {u: p / total for u, p in found.items()}


def _same_unit(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def split_by_date(
    rows: Sequence[HistoryRow], day: str
) -> tuple[list[HistoryRow], list[HistoryRow]]:
    """Rows before `day` (ISO) to train on, rows on or after it to score; undated rows train."""
    train = [r for r in rows if not r.day or r.day < day]
    test = [r for r in rows if r.day and r.day >= day]
    return train, test
