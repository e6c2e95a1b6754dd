"""Phase 7, roles: credit recruits, then apply the role rules in force [000-3, 001, 004].

The rules (admin rotation, distributors, seniors, partners, KOL seeding) live in
:mod:`sim.policies.roles`; ``roles.role_rules`` lists those in force.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies import roles
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    roles.count_recruits(w)
    chosen = w.params.roles.role_rules
    for name, rule in roles.POLICIES.items():
        if name in chosen:
            rule(w, t, rng)
