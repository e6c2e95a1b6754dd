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
from numba import njit

from sim.phases import Today
from sim.state import Cause, EventKind, Role, World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    cp, ms, pop = w.params.churn, w.ms, w.pop
    rows = t.rows
    p = ms.person[rows]
    u_leave, u_mute = rng.random(len(rows)), rng.random(len(rows))
    f32 = np.float32  # thresholds compared with the float32 satisfaction as numpy would
    coefficients = (cp.base_leave, cp.leave_prob, cp.spam_leave_prob, 1.0 - w.params.admission.sunk_cost,
                    f32(cp.leave_threshold), f32(cp.mute_threshold), cp.mute_prob, cp.unmute_prob)
    leave, mute, unmute, fed_up, cause = churn_decisions(rows, p, ms.satisfaction, ms.muted, ms.paid, pop.spammer,
                                                         pop.spam_tolerance, t.active, t.spam_share, u_leave,
                                                         u_mute, coefficients)
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


@njit(cache=True, nogil=True)
def churn_decisions(rows: np.ndarray, person: np.ndarray, satisfaction: np.ndarray, muted: np.ndarray,
                    paid: np.ndarray, spammer: np.ndarray, spam_tolerance: np.ndarray, active: np.ndarray,
                    spam_share: np.ndarray, u_leave: np.ndarray, u_mute: np.ndarray,
                    coefficients: tuple) -> tuple[np.ndarray, ...]:
    """Per row of ``rows``: ``(leave, mute, unmute, fed up with spam, cause of leaving)`` by the module
    docstring's hazards, from one uniform draw each for leaving and muting.

    ``coefficients`` are ``(base_leave, leave_prob, spam_leave_prob, 1 - sunk_cost, leave_threshold,
    mute_threshold, mute_prob, unmute_prob)``. The cause is background when the draw falls under
    ``base_leave``, spam when it falls under the spam hazard on top of it, else dissatisfaction.
    """
    base, leave_prob, spam_leave, sunk_paid, leave_below, mute_below, mute_prob, unmute_prob = coefficients
    n = len(rows)
    leave, mute, unmute, fed_up = (np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.bool_),
                                   np.zeros(n, np.bool_))
    cause = np.empty(n, np.int8)
    for i in range(n):
        r = rows[i]
        S, spam = satisfaction[r], spammer[person[i]]
        fed_up[i] = active[i] and not spam and spam_share[i] > spam_tolerance[person[i]]
        unhappy = S < leave_below and not spam
        sunk = sunk_paid if paid[r] > 0 else 1.0  # [001] 学习型社群
        hazard = base + leave_prob * sunk * unhappy + spam_leave * fed_up[i]
        leave[i] = u_leave[i] < hazard
        if u_leave[i] < base:
            cause[i] = Cause.BACKGROUND
        elif fed_up[i] and u_leave[i] < base + spam_leave:
            cause[i] = Cause.SPAM
        else:
            cause[i] = Cause.DISSATISFIED
        if not leave[i]:
            if muted[r]:
                unmute[i] = S > 0 and u_mute[i] < unmute_prob
            elif not spam:
                mute[i] = (S < mute_below or fed_up[i]) and u_mute[i] < mute_prob
    return leave, mute, unmute, fed_up, cause
