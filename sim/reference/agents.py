"""Per-agent Python versions of the core daily rules (the idiomatic-Mesa baseline).

Each rule of ``docs/ODD.md`` §7.2-7.7 is a method of :class:`Person` that looks
only at that person, its group and its own friends, the way a Mesa user writes
a model: ``agents.do("look_and_post")``, then ``agents.do("read")``, and so on.
The array engine (``sim/phases/``) computes the same rules over whole arrays;
the docking test (``tests/test_docking.py``) checks that both give the same
outcome distributions.

Ties are stored in both friends' ``friends`` dicts (``{Person: strength}``);
both ends apply the same update, so strengths stay symmetric, as in the CSR.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.state import Cause, Role, alignment

if TYPE_CHECKING:
    from sim.reference.model import ReferenceModel

ADMITTING_ROLES = frozenset({Role.CORE, Role.ADMIN, Role.KOL, Role.DISTRIBUTOR, Role.PARTNER})
NEVER = -(2**30)


def sigmoid(x: float) -> float:
    """Logistic function without overflow for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Group(mesa.Agent):
    """A group: its stated values, capacity, members and today's message tallies."""

    def __init__(self, model: "ReferenceModel", parent: int, cause: Cause):
        super().__init__(model)
        self.gid = len(model.groups)
        self.center = model.mission
        self.capacity = model.params.group.capacity
        self.parent = parent
        self.cause = cause
        self.created = model.day
        self.members: dict[Person, None] = {}  # an ordered set
        self.active_members: list[Person] = []
        self.on = self.ads = self.total = 0

    def post(self) -> None:
        """Operator content of the day (ODD §7.2); resets today's tallies."""
        cp = self.model.params.content
        self.active_members = []
        self.on = self.ads = self.total = 0
        if not self.members:
            return
        if cp.schedule == "fixed":
            base = math.floor(cp.pgc_per_day)
            pgc = base + (self.random.random() < cp.pgc_per_day - base)
        else:
            pgc = int(self.rng.poisson(cp.pgc_per_day))
        self.on = int(self.rng.binomial(pgc, cp.verticality))
        self.total = pgc


class Person(mesa.Agent):
    """A person of the social graph, member of at most one group."""

    def __init__(self, model: "ReferenceModel", index: int, values: np.ndarray, sociability: float,
                 attention: float, spammer: bool, purchasing_power: float, spam_tolerance: float):
        super().__init__(model)
        self.index = index
        self.values = values
        self.sociability = sociability
        self.attention = attention
        self.spammer = spammer
        self.purchasing_power = purchasing_power
        self.spam_tolerance = spam_tolerance
        self.friends: dict[Person, float] = {}
        self.group: Group | None = None
        self.cooldown_until = NEVER
        self.active_on = -1  # last day it looked into its group
        self.active = self.in_today = False
        self.ugc = self.ugc_on = self.ads = 0
        self.value = self.spam_share = 0.0

    # ------------------------------------------------------------------ membership
    def start_membership(self, group: Group, trust: float, role: Role) -> None:
        m = self.model
        self.group = group
        group.members[self] = None
        self.joined = self.last_active = m.day
        self.engagement = m.params.acquisition.engagement_init
        self.satisfaction = 0.0
        self.trust = trust
        self.alignment = float(alignment(self.values, group.center, m.params.group.alignment_scale))
        self.role = Role.SPAMMER if self.spammer else role
        self.last_post = NEVER
        self.posts = self.purchases = 0
        self.muted = False

    def end_membership(self) -> None:
        del self.group.members[self]
        self.group = None
        self.cooldown_until = self.model.day + self.model.params.growth.cooldown_days

    # ------------------------------------------------------------------ 1. content
    def look_and_post(self) -> None:
        """Look in with probability e (lurkers less); post UGC or ads (ODD §7.2)."""
        cp, day = self.model.params.content, self.model.day
        self.in_today = self.group is not None  # a member at the start of the day
        if not self.in_today:  # visited by the all-persons schedule: nothing to do
            self.active = False
            return
        look = self.engagement * self.model.params.churn.muted_activity if self.muted else self.engagement
        self.active = self.random.random() < look
        self.ugc = self.ugc_on = self.ads = 0
        if not self.active:
            return
        self.active_on = day
        g = self.group
        g.active_members.append(self)
        if self.spammer:
            self.ads = int(self.rng.poisson(cp.spam_rate))
        elif not self.muted:
            self.ugc = int(self.rng.poisson(cp.ugc_rate * self.engagement * self.sociability))
            self.ugc_on = int(self.rng.binomial(self.ugc, self.alignment))
        g.on += self.ugc_on
        g.ads += self.ads
        g.total += self.ugc + self.ads

    # ------------------------------------------------------------------ 2. attention and value
    def read(self) -> None:
        """Value of the day from content, friends, identity, noise and spam (ODD §7.3)."""
        if not self.in_today:
            return
        vp, cp, day = self.model.params.value, self.model.params.content, self.model.day
        g, A = self.group, self.attention
        total = g.total
        frac = min(A, total) / total if total > 0 else 0.0
        self.spam_share = g.ads / total if total > 0 else 0.0
        if not self.active:
            self.value = 0.0
            return
        read = min(A, total)
        on_read, ads_read = g.on * frac, g.ads * frac
        tenure = day - self.joined
        novelty = cp.content_renewal + (1 - cp.content_renewal) * math.exp(-tenure / cp.freshness_days)
        relevance = novelty * (1 - math.exp(-on_read / vp.content_half))
        social_sum = 0.0
        for friend, strength in self.friends.items():
            if friend.active_on == day and friend.group is g:
                social_sum += strength
        social = 1 - math.exp(-social_sum / vp.social_half)
        noise = (read - on_read - ads_read) / A + min(1.0, max(0.0, total - A) / A)
        self.value = (vp.w_relevance * relevance + vp.w_social * social + vp.w_identity * self.alignment
                      - vp.w_noise * noise - vp.w_spam * self.spam_share)

    # ------------------------------------------------------------------ 3. updates
    def update(self) -> None:
        """Satisfaction, trust, engagement; own ties inside the group; maybe a new tie (ODD §7.4)."""
        if not self.in_today:
            return
        m = self.model
        up, day = m.params.update, m.day
        if self.active:
            a = up.satisfaction_rate
            self.satisfaction = (1 - a) * self.satisfaction + a * (self.value - m.params.value.expectation)
            sc = min(1.0, max(-1.0, self.satisfaction))
            dT = up.trust_rate * (sc * (1 - self.trust) if sc > 0 else sc * self.trust)
            self.trust = min(1.0, max(0.0, self.trust + dT))
            self.last_active = day
        target = sigmoid(up.engagement_slope * self.satisfaction)
        self.engagement = min(1.0, max(0.0, self.engagement + up.engagement_rate * (target - self.engagement)))
        if self.ugc > 0:
            self.last_post = day
        self.posts += self.ugc

        g = self.group
        for friend, s in self.friends.items():
            if friend.group is not g:
                continue
            if self.active and friend.active_on == day:
                self.friends[friend] = s + up.tie_growth * (1 - s)
            elif s > up.tie_floor:
                self.friends[friend] = up.tie_floor + (s - up.tie_floor) * (1 - up.tie_decay)
        if self.ugc > 0 and len(g.active_members) > 1 and self.random.random() < up.new_tie_prob:
            other = self.random.choice(g.active_members)
            if other is not self:
                m.new_ties.append((self, other))

    # ------------------------------------------------------------------ 4. churn
    def churn(self) -> None:
        """Leave, mute or unmute (ODD §7.5)."""
        if not self.in_today:
            return
        cp = self.model.params.churn
        S = self.satisfaction
        fed_up = self.active and self.spam_share > self.spam_tolerance and not self.spammer
        unhappy = S < cp.leave_threshold and not self.spammer
        hazard = cp.base_leave + cp.leave_prob * unhappy + cp.spam_leave_prob * fed_up
        u_leave, u_mute = self.random.random(), self.random.random()
        if u_leave < hazard:
            self.model.leave(self)
        elif not self.muted and not self.spammer and (S < cp.mute_threshold or fed_up) and u_mute < cp.mute_prob:
            self.muted, self.role = True, Role.LURKER
        elif self.muted and S > 0 and u_mute < cp.unmute_prob:
            self.muted, self.role = False, Role.MEMBER

    # ------------------------------------------------------------------ 5. growth
    def invite(self) -> None:
        """A satisfied active member invites friends drawn at random (ODD §7.6)."""
        m = self.model
        gp = m.params.growth
        if (not self.active or self.group is None or self.muted or self.spammer
                or self.satisfaction <= gp.invite_threshold or not self.friends):
            return
        if m.params.group.entry == "invite_only" and self.role not in ADMITTING_ROLES:
            return
        friends = list(self.friends)
        for _ in range(int(self.rng.poisson(gp.invite_rate * self.sociability))):
            friend = self.random.choice(friends)
            if friend.group is None and friend.cooldown_until <= m.day:
                m.invitations.append((friend, self.group, self))

    def accepts(self, group: Group) -> bool:
        """Join with a probability rising with the strength of friends inside (ODD §7.6)."""
        gp = self.model.params.growth
        s_in = 0.0
        for friend, strength in self.friends.items():
            if friend.group is group:
                s_in += strength
        align = float(alignment(self.values, group.center, self.model.params.group.alignment_scale))
        p_join = gp.join_max * align ** gp.alignment_exponent * (1 - math.exp(-s_in / gp.join_half_strength))
        return self.random.random() < p_join

    # ------------------------------------------------------------------ 6. conversion
    def buy(self) -> None:
        """An active non-spammer buys with a trust-, alignment- and power-gated chance (ODD §7.7)."""
        cp = self.model.params.conversion
        if not self.active or self.spammer:
            return
        p_buy = (cp.buy_rate * self.trust * self.alignment * self.purchasing_power
                 * (cp.repeat_boost if self.purchases > 0 else 1.0))
        if self.random.random() < min(p_buy, 1.0):
            self.purchases += 1
            self.model.purchases_today += 1
