"""Categorizer training and batched classification speed on synthetic examples.

`python benchmarks/categorizer.py --n 100000` makes N examples from the starter set
(data/categorizer/starter.csv) with noise a real history has: words dropped, typos
(letters swapped, dropped or doubled), neighbouring words swapped, filler words from
other complaints, numbers. No lent data is read. It then times, in CPU seconds of this
process: normalization, fitting the topic and agency classifiers the way
`train_categorizer` does (`model.fit`), and batched `predict_proba` on held-out texts.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402 -- after the path and settings above

django.setup()

from dispositions.categorizer import model as ml  # noqa: E402
from dispositions.categorizer.normalize import normalize  # noqa: E402

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # neighbouring letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # a letter dropped
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # a letter doubled


def synthetic(n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """N (text, category, agency) rows varied from the starter set."""
    path = ROOT / "data" / "categorizer" / "starter.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        starter = [r for r in csv.DictReader(handle) if r["text"].strip()]
    rng = random.Random(seed)
    filler = [w for r in starter for w in r["text"].split()]
    rows = []
    for _ in range(n):
        base = rng.choice(starter)
        words = [w for w in base["text"].split() if rng.random() > 0.15] or base["text"].split()
        words = [_typo(w, rng) if rng.random() < 0.1 else w for w in words]
        if len(words) > 2 and rng.random() < 0.3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        words += rng.sample(filler, rng.randrange(4))
        if rng.random() < 0.3:
            words.append(str(rng.randrange(1, 200)))
        text = " ".join(words)
        if rng.random() < 0.2:
            text = text.replace(" ", " " + rng.choice(LETTERS), 1)  # a stray letter
        rows.append((text, base["category"], base.get("agency") or ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="training examples")
    parser.add_argument("--classify", type=int, default=5_000, help="texts classified")
    args = parser.parse_args()
    rows = synthetic(args.n + args.classify)
    train, held_out = rows[: args.n], rows[args.n :]

    started = time.process_time()
    texts = [normalize(t) for t, _c, _a in train]
    normalize_s = time.process_time() - started
    started = time.process_time()
    topic = ml.fit(texts, [c for _t, c, _a in train])
    topic_s = time.process_time() - started
    with_agency = [(t, a) for t, (_r, _c, a) in zip(texts, train, strict=True) if a]
    started = time.process_time()
    agency = ml.fit([t for t, _a in with_agency], [a for _t, a in with_agency])
    agency_s = time.process_time() - started
    assert topic is not None and agency is not None

    started = time.process_time()
    ml.probabilities(topic, [normalize(t) for t, _c, _a in held_out])
    classify_s = time.process_time() - started
    print("| examples | normalize (CPU s) | topic fit | agency fit | total | texts/s batched |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| {args.n:,} | {normalize_s:.1f} | {topic_s:.1f} | {agency_s:.1f} | "
        f"{normalize_s + topic_s + agency_s:.1f} | {len(held_out) / classify_s:,.0f} |"
    )


if __name__ == "__main__":
    main()
