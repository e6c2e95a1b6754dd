"""Phase 8, splitting: the splitting rules in force open child groups; record the fission tree [000-2, 000-3].

The rules (capacity, distributor, tie_community, segment) live in
:mod:`sim.policies.splitting`; ``splitting.split_rules`` lists those in force.
Afterwards the sizes of every group opened today (by any phase) are recorded
in the fission tree: ``Groups.parent_size_before`` (the parent's members just
before this phase's rules ran), ``parent_size_after`` and ``child_size``.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies import splitting
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    chosen = w.params.splitting.split_rules
    before = w.group_sizes()
    for name, rule in splitting.POLICIES.items():
        if name in chosen:
            rule(w, t, rng)
    splitting.record_split_sizes(w, before)
