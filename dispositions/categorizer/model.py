"""The trained layer: TF-IDF word and character n-grams into a calibrated linear SVM.

Word 1-2 grams catch phrases ("parkir liar"); character 3-5 grams within words catch
typos and affixes the stemmer misses. A linear SVM calibrated by 3-fold cross-validation
gives probabilities the threshold can trust; on the starter set it matched logistic
regression's accuracy, fitted in a third of the time, and was right 98% of the time
when it said 0.6 or more (docs/categorizer.md). Plain scikit-learn on lists of strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

# Calibration splits each category's examples in three; fewer cannot be learned (the
# keyword rules still cover such a category).
MIN_EXAMPLES = 3
CALIBRATION_FOLDS = 3
FOLDS = 5
SINGLE_MODEL_FROM = 2_000
# Cross-validation trains on 4/5 of a category's examples, which must stay >= MIN_EXAMPLES.
MIN_EXAMPLES_TO_EVALUATE = 5


def build_pipeline(n_examples: int = 0) -> Pipeline:
    """A fresh, unfitted text classifier; its input is normalized text.

    From SINGLE_MODEL_FROM examples on, the calibration keeps one SVM fitted on every
    example (its sigmoids fitted on the three folds' held-out scores) instead of the
    three fold SVMs: a third of the file (Surabaya's 8,501 rows: 26 MiB instead of 70)
    with the same scores on the time split (docs/categorizer.md). On a small set the full
    SVM is much surer than the fold SVMs its sigmoids were fitted on, so vague texts
    would look confident: the three are averaged there.
    """
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )
    classifier = CalibratedClassifierCV(
        LinearSVC(C=1.0), cv=CALIBRATION_FOLDS, ensemble=n_examples < SINGLE_MODEL_FROM
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def learnable(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """The examples whose label has at least MIN_EXAMPLES of them."""
    counts = Counter(labels)
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if counts[y] >= MIN_EXAMPLES]
    return [t for t, _y in kept], [y for _t, y in kept]


def fit(texts: Sequence[str], labels: Sequence[str]) -> Pipeline | None:
    """A pipeline fitted on the learnable examples, or None with fewer than two labels."""
    texts, labels = learnable(texts, labels)
    if len(set(labels)) < 2:
        return None
    return shrink(build_pipeline(len(texts)).fit(texts, labels))


def shrink(pipeline: Pipeline) -> Pipeline:
    """The fitted pipeline with its SVM weights in float32: half the file and the memory
    of every process that loads it, the same predictions to the sixth decimal."""
    for calibrated in pipeline[-1].calibrated_classifiers_:
        svm = calibrated.estimator
        svm.coef_ = svm.coef_.astype(np.float32)
        svm.intercept_ = svm.intercept_.astype(np.float32)
    return pipeline


def ranked(pipeline: Pipeline, text: str) -> list[tuple[str, float]]:
    """Every label the pipeline knows with its probability for `text`, best first."""
    probabilities = pipeline.predict_proba([text])[0]
    order = np.argsort(probabilities)[::-1]
    return [(str(pipeline.classes_[i]), float(probabilities[i])) for i in order]


def probabilities(pipeline: Pipeline, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The pipeline's labels and, per text, the probability of each: one batched call."""
    return pipeline.classes_, pipeline.predict_proba(list(texts))


def top_label(pipeline: Pipeline, text: str) -> tuple[str, float]:
    return ranked(pipeline, text)[0]


@dataclass
class Scores:
    """How well predictions matched the labels."""

    n: int
    accuracy: float
    macro_f1: float
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    folds: int = 0
    # Per prediction, in order: how sure it was and whether it was right.
    confidences: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "folds": self.folds,
        }

    def at_threshold(self, threshold: float) -> tuple[float, float | None]:
        """The share of predictions at or above `threshold`, and their accuracy."""
        sure = [ok for ok, c in zip(self.correct, self.confidences, strict=True) if c >= threshold]
        if not self.correct:
            return 0.0, None
        return len(sure) / len(self.correct), (sum(sure) / len(sure) if sure else None)

    def top_confusions(self, limit: int = 15) -> list[tuple[str, str, int]]:
        """(true, predicted, count) for the most frequent mistakes."""
        mistakes = [
            (self.labels[i], self.labels[j], count)
            for i, row in enumerate(self.confusion)
            for j, count in enumerate(row)
            if i != j and count
        ]
        return sorted(mistakes, key=lambda m: -m[2])[:limit]


def score(
    truth: Sequence[str], predicted: Sequence[str], confidences: Sequence[float] = ()
) -> Scores:
    labels = sorted(set(truth) | set(predicted))
    return Scores(
        confidences=list(confidences),
        correct=[t == p for t, p in zip(truth, predicted, strict=True)],
        n=len(truth),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro")),
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
    )


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    predict: Callable[[Pipeline, str], tuple[str, float]] | None = None,
    seed: int = 0,
) -> Scores | None:
    """Stratified 5-fold scores.

    Labels with fewer than MIN_EXAMPLES_TO_EVALUATE examples cannot be both trained on
    and tested: they are left out and counted in `excluded`. `predict(pipeline, text)
    -> (label, confidence)`, when given, replaces the model's own top label (the
    categorizer adds its keyword rules this way).
    """
    counts = Counter(labels)
    excluded = {label: n for label, n in counts.items() if n < MIN_EXAMPLES_TO_EVALUATE}
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if y not in excluded]
    if len({y for _t, y in kept}) < 2:
        return None
    x = np.array([t for t, _y in kept], dtype=object)
    y = np.array([y for _t, y in kept], dtype=object)
    folds = FOLDS
    truth: list[str] = []
    predicted: list[str] = []
    confidences: list[float] = []
    predict = predict or top_label
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        pipeline = build_pipeline().fit(list(x[train]), list(y[train]))
        for text in x[test]:
            label, confidence = predict(pipeline, text)
            predicted.append(label)
            confidences.append(confidence)
        truth.extend(str(t) for t in y[test])
    result = score(truth, predicted, confidences)
    result.excluded = excluded
    result.folds = folds
    return result
