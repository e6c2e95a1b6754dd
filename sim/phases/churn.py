"""Phase 4, churn: members mute (become lurkers) or leave [001, 002, 003].

Daily hazards of a member with satisfaction ``S``::

    mute   : mute_prob        if unmuted and (S < mute_threshold or ads share > own tolerance)
    unmute : unmute_prob      if muted and S > 0
    leave  : base_leave
             + leave_prob     if S < leave_threshold            (dissatisfied)
               (times 1 - sunk_cost if the member paid an entry fee: "they think
               of the money paid" [001 学习型社群])
             + spam_leave_prob if active and ads share > tolerance   (spam) [002, 003]

Spammers stay for their ads and only leave by the background hazard. Leavers
may not be invited back for ``cooldown_days`` [001].
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.state import Cause, EventKind, Role, World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    cp, ms, pop = w.params.churn, w.ms, w.pop
    rows = t.rows
    p = ms.person[rows]
    S = ms.satisfaction[rows]
    spam = pop.spammer[p]
    fed_up = t.active & (t.spam_share > pop.spam_tolerance[p]) & ~spam
    unhappy = (S < cp.leave_threshold) & ~spam
    sunk = np.where(ms.paid[rows] > 0, 1.0 - w.params.admission.sunk_cost, 1.0)  # [001] 学习型社群
    hazard = cp.base_leave + cp.leave_prob * sunk * unhappy + cp.spam_leave_prob * fed_up
    u_leave, u_mute = rng.random(len(rows)), rng.random(len(rows))
    leave = u_leave < hazard
    cause = np.where(u_leave < cp.base_leave, Cause.BACKGROUND,
                     np.where(fed_up & (u_leave < cp.base_leave + cp.spam_leave_prob), Cause.SPAM, Cause.DISSATISFIED))

    muted = ms.muted[rows]
    mute = ~leave & ~muted & ~spam & ((S < cp.mute_threshold) | fed_up) & (u_mute < cp.mute_prob)
    unmute = ~leave & muted & (S > 0) & (u_mute < cp.unmute_prob)
    if mute.any():
        ms.muted[rows[mute]] = True
        ms.role[rows[mute]] = Role.LURKER
        w.events.log(w.day, EventKind.MUTE, p[mute], ms.group[rows[mute]],
                     cause=np.where(fed_up[mute], Cause.SPAM, Cause.DISSATISFIED))
    if unmute.any():
        ms.muted[rows[unmute]] = False
        ms.role[rows[unmute]] = Role.MEMBER
        w.events.log(w.day, EventKind.UNMUTE, p[unmute], ms.group[rows[unmute]])
    if leave.any():
        w.leave(rows[leave], cause[leave])
    t.counts.update(mutes=int(mute.sum()), unmutes=int(unmute.sum()), leaves=int(leave.sum()))
