"""Entry policies: how a group screens the people who want in [001, 004].

"Entering our group has requirements: first complete our task ... to screen for
partners who agree with us and are willing to give" [001 入群]. A screening
policy is a function ``(world, persons, groups, rng) -> passed`` (bool per
candidate) applied by the growth phase to invitees who accepted; seeding is
not screened (the core seeding is a screening of its own).

* ``none``: everyone who accepts gets in (today's behaviour).
* ``question``: an entry question reveals the candidate's values alignment
  ``a`` with noise; pass if ``a + N(0, screen_noise) >= screen_threshold``.
  Screens on values (认同) [001].
* ``task``: a task costs effort; a candidate completes it with probability
  ``1 - exp(-sociability * a / task_effort)``: the willing (sociable) and the
  aligned do it [001 愿意付出].

A paid entry (``entry_fee`` > 0) is a second, independent gate, see
:func:`pays_fee`: the candidate pays with probability
``exp(-entry_fee / (fee_wtp * purchasing_power * a))`` [004].

Examples
--------
>>> sorted(POLICIES)
['none', 'question', 'task']
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.state import World, alignment

__all__ = ["POLICIES", "SELECTED_BY", "pays_fee"]


def _alignment(w: World, persons: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return alignment(w.pop.values[persons], w.groups.center[groups], w.params.group.alignment_scale)


def none(w: World, persons: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:  # noqa: ARG001
    return np.ones(len(persons), bool)


def question(w: World, persons: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ap = w.params.admission
    shown = _alignment(w, persons, groups) + ap.screen_noise * rng.standard_normal(len(persons))
    return shown >= ap.screen_threshold


def task(w: World, persons: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    effort = w.pop.sociability[persons] * _alignment(w, persons, groups)
    return rng.random(len(persons)) < 1.0 - np.exp(-effort / w.params.admission.task_effort)


def pays_fee(w: World, persons: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each candidate pays ``entry_fee`` (always True when the fee is 0) [004]."""
    ap = w.params.admission
    if ap.entry_fee <= 0:
        return np.ones(len(persons), bool)
    wtp = ap.fee_wtp * w.pop.purchasing_power[persons] * _alignment(w, persons, groups)
    return rng.random(len(persons)) < np.exp(-ap.entry_fee / np.maximum(wtp, 1e-12))


SELECTED_BY = "admission.screening"
POLICIES: dict[str, Callable[[World, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]] = {
    "none": none,
    "question": question,
    "task": task,
}
