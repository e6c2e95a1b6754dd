"""Content policies: the operator's posting schedule and the six suicide behaviours [003].

Schedules (``POLICIES``, chosen by ``content.schedule``) give the operator's
posts (PGC) per group for a day:

* ``fixed``: exactly ``pgc_per_day`` posts (the fractional part as a
  Bernoulli draw): members learn when to look in [003 固定的时间].
* ``adhoc``: Poisson(``pgc_per_day``): the same mean, bursty.

The six suicide behaviours of seed 003 (社群运营自杀行为) are switches, a
combinable list ``practice.suicide_behaviours``; each changes one rule of the
phase named in :data:`SUICIDE_BEHAVIOURS`. ``ugc_support`` (PGC vs UGC: how
much the operator prompts member content) multiplies member posting [003 内容的生产].

Examples
--------
>>> sorted(POLICIES)
['adhoc', 'fixed']
>>> len(SUICIDE_BEHAVIOURS)
6
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.params import Params

__all__ = ["POLICIES", "SELECTED_BY", "SUICIDE_BEHAVIOURS", "commits"]


def fixed(rate: float, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    base = np.floor(rate)
    return base + (rng.random(n_groups) < rate - base)


def adhoc(rate: float, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(rate, n_groups)


SELECTED_BY = "content.schedule"
POLICIES: dict[str, Callable[[float, int, np.random.Generator], np.ndarray]] = {
    "fixed": fixed,
    "adhoc": adhoc,
}

SUICIDE_BEHAVIOURS: dict[str, str] = {
    "unclear_profile": "用户画像不明: people are pulled in at random; joining ignores values alignment (growth)",
    "no_service": "服务内容欠缺: no positioning or onboarding; members lose `service_gap` of identity value (attention)",
    "no_exchange": "缺乏价值深挖: no member-to-member exchange; friends' activity gives no social value (attention)",
    "broadcast_only": "单向灌输信息: one-way broadcasting; members post `broadcast_ugc` times as much (content)",
    "lax_ads": "价值观无传递: lax on ads; without it advertisers post `ad_deterrence` times as much (content)",
    "undefined_activity": ("活跃界定不明: raw chatter counts as activity; member posts are on-topic `chatter_on_topic` "
                           "times as often and the weekly fund ranks raw posts (content, incentives)"),
}


def commits(params: Params, behaviour: str) -> bool:
    """Whether the operator commits the suicide ``behaviour`` [003]."""
    assert behaviour in SUICIDE_BEHAVIOURS, behaviour
    return behaviour in params.practice.suicide_behaviours
