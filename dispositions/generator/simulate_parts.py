"""Small pieces of the simulation: a complaint's draft, each agency's habits, a citizen's stars."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .world import Place


@dataclass
class Draft:
    """What arrives: when, by which channel, about what, where, from whom."""

    id: int
    created: float
    channel: str
    category_id: int
    place: Place
    priority: str
    reporter_id: int | None
    is_anonymous: bool
    is_confidential: bool
    text: str
    # A viral burst's later report: the first report of the burst it will be merged into.
    master_id: int | None = None


@dataclass(frozen=True)
class AgencyProfile:
    """How one agency works, drawn once per agency so the ranking has something to rank.

    `respond_mu` and `resolve_mu` are the log of the typical share of the deadline the
    agency uses (0 = all of it); `stuck` is the share it never opens at all.
    """

    respond_mu: float
    resolve_mu: float
    stuck: float
    forward: float
    returns: float
    reopen: float
    satisfaction: float

    @classmethod
    def draw(cls, rng: random.Random) -> AgencyProfile:
        return cls(
            respond_mu=rng.uniform(-1.6, -0.2),
            resolve_mu=rng.uniform(-1.4, -0.2),
            stuck=rng.uniform(0.002, 0.03),
            forward=rng.uniform(0.01, 0.06),
            returns=rng.uniform(0.005, 0.025),
            reopen=rng.uniform(0.02, 0.10),
            satisfaction=rng.uniform(-0.6, 0.6),
        )


_ON_TIME = (0.03, 0.04, 0.13, 0.40, 0.40)
_LATE = (0.15, 0.15, 0.30, 0.25, 0.15)


def rating_score(rng: random.Random, *, on_time: bool, bias: float) -> int:
    weights = _ON_TIME if on_time else _LATE
    score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
    if bias > 0.3 and score < 5 and rng.random() < bias - 0.3:
        score += 1
    elif bias < -0.3 and score > 1 and rng.random() < -bias - 0.3:
        score -= 1
    return score
