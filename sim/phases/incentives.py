"""Phase: incentives. Tally each member's contributions of the week and pay the fund [004].

Every day each membership's ``week_score`` grows by its effective (on-topic)
posts, or by all its posts when the operator commits the "undefined effective
activity" suicide behaviour [003 活跃界定不明]; the selected incentive policy
(:mod:`sim.policies.incentives`) reads the scores and pays.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies.incentives import POLICIES
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    raw = "undefined_activity" in w.params.practice.suicide_behaviours
    alive = w.ms.alive[t.rows]
    w.ms.week_score[t.rows[alive]] += (t.ugc if raw else t.ugc_on)[alive].astype(np.float32)
    t.counts["fund_paid"] = POLICIES[w.params.incentives.incentive_policy](w, t, rng)
