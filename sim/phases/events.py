"""Phase 10, events: offline events turn attendees' ties strong and raise their trust [000-7].

The policy (``events.event_policy``) is one of :mod:`sim.policies.events`.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies import events
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    events.POLICIES[w.params.events.event_policy](w, t, rng)
