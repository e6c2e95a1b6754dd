"""ReferenceModel: the core rules as a plain Mesa model, one Python object per person.

``schedule="members"`` (default) runs each stage over the day's members only
(a lean Mesa model); ``schedule="all"`` visits every person, as a model that
calls ``model.agents_by_type[Person].do(...)`` does: non-members return at
once, but each visit costs a Python call. Both compute the same model.

This is how a Mesa user would write the model of ``docs/ODD.md`` (§5, §7.1-7.7):
``Person`` agents with their own attributes and a ``friends`` dict, a staged
day where every member runs each rule in turn (``AgentSet.do``), Mesa's
``self.random`` / ``self.rng`` for draws and a ``DataCollector``. It exists as
a baseline: for the benchmarks (speed ratio in the same process) and for the
docking test against the array engine (DESIGN.md §4).

Initial traits and the social graph come from the same generators as the
array engine (``Population.generate``, ``sim.network.build_ties``), drawn from
this model's own ``self.rng``; the daily rules and the seeding are
reimplemented per agent. Groups beyond the core rules (roles, splitting,
elimination, events) are not part of the reference.

Examples
--------
>>> m = ReferenceModel(rng=1, n_persons=300, seeding="blast", budget=100).run(5)
>>> list(m.metrics().columns[:4])
['day', 'members', 'daily_active', 'revenue']
"""

from __future__ import annotations

from typing import Any

import mesa
from mesa.agentset import AgentSet

from sim.metrics import LURK_WINDOW
from sim.network import build_ties
from sim.params import Params
from sim.reference.agents import Group, Person
from sim.state import Cause, Population, Role, alignment

SCHEDULES = ("members", "all")  # which agents each stage visits: the day's members, or every person
REFERENCE_COLUMNS = ("day", "members", "daily_active", "revenue", "lurker_share", "groups",
                     "max_group_size", "effective_activity", "invites", "joins", "leaves", "purchases")


class ReferenceModel(mesa.Model):
    """The core rules, per agent. Same constructor and ``run``/``metrics`` as ``CommunityModel``."""

    def __init__(self, params: Params | None = None, *, rng: int | None = None, schedule: str = "members",
                 **overrides: Any):
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule = {schedule!r}: must be one of {', '.join(map(repr, SCHEDULES))}")
        self.schedule = schedule
        params = (params or Params()).with_overrides(overrides) if overrides else (params or Params())
        if params.network.graph == "edgelist":
            raise NotImplementedError("the reference model builds generated graphs only")
        super().__init__(rng=rng)
        self.params = params
        self.day = 0
        self.mission = [0.0] * params.population.values_dim  # the operator's stated values

        pop = Population.generate(params, self.rng)
        ties = build_ties(params, pop.values, self.rng)
        self.persons = [
            Person(self, i, pop.values[i], soc, att, spam, pp, tol)
            for i, (soc, att, spam, pp, tol) in enumerate(zip(
                pop.sociability.tolist(), pop.attention.tolist(), pop.spammer.tolist(),
                pop.purchasing_power.tolist(), pop.spam_tolerance.tolist()))
        ]
        src, dst, entry = ties.live()
        for u, v, s in zip(src.tolist(), dst.tolist(), ties.strength[entry].tolist()):
            self.persons[u].friends[self.persons[v]] = s

        self.groups: list[Group] = []
        self.members = AgentSet([], random=self.random)
        self.new_ties: list[tuple[Person, Person]] = []
        self.invitations: list[tuple[Person, Group, Person]] = []
        self.purchases_today = 0
        self._today: dict[str, float] = {}

        first = self.open_group(parent=-1, cause=Cause.NONE)
        self.spent = getattr(self, "seed_" + params.acquisition.seeding)(first)
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m._today[k]) for k in REFERENCE_COLUMNS})

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One day: the same stages, in the same order, as ``CommunityModel.step``."""
        self.day = self.steps
        if self.schedule == "members":
            members_today = AgentSet(list(self.members), random=self.random)
        else:  # every person is visited; non-members return at once (in_today is False)
            members_today = self.agents_by_type[Person]
        for group in self.groups:
            group.post()
        members_today.do("look_and_post")
        members_today.do("read")
        members_today.do("update")
        leaves = len(self.members)
        members_today.do("churn")
        leaves -= len(self.members)
        self.invitations = []
        members_today.shuffle_do("invite")
        invites, joins = self.resolve_invitations()
        self.purchases_today = 0
        members_today.do("buy")
        self.merge_new_ties()
        self.record(members_today, invites=invites, joins=joins, leaves=leaves)

    def run(self, days: int) -> "ReferenceModel":
        for _ in range(days):
            self.step()
        return self

    # ------------------------------------------------------------------ growth
    def resolve_invitations(self) -> tuple[int, int]:
        """One invitation per invitee (at random); all decide, then joiners are seated."""
        chosen: dict[Person, tuple] = {}
        for inv in self.random.sample(self.invitations, len(self.invitations)):
            chosen.setdefault(inv[0], inv)
        kept = [inv for inv in self.invitations if chosen[inv[0]] is inv]
        joiners = [inv for inv in kept if inv[0].accepts(inv[1])]
        ap = self.params.acquisition
        for invitee, group, inviter in joiners:
            trust = ap.trust_stranger + (ap.trust_acquaintance - ap.trust_stranger) * invitee.friends[inviter]
            self.seat(invitee, group, trust, Role.MEMBER)
        return len(kept), len(joiners)

    def seat(self, person: Person, group: Group, trust: float, role: Role) -> None:
        """Join ``group``, or its overflow child when it is full (ODD §7.6)."""
        if len(group.members) >= group.capacity:
            group = next((k for k in self.groups if k.parent == group.gid and k.cause == Cause.OVERFLOW
                          and len(k.members) < k.capacity), None) or self.open_group(group.gid, Cause.OVERFLOW)
        person.start_membership(group, trust, role)
        self.members.add(person)

    def leave(self, person: Person) -> None:
        person.end_membership()
        self.members.discard(person)

    def open_group(self, parent: int, cause: Cause) -> Group:
        group = Group(self, parent, cause)
        self.groups.append(group)
        return group

    def merge_new_ties(self) -> None:
        """Ties formed today join the graph at the end of the day (existing ones unchanged)."""
        strength = self.params.update.new_tie_strength
        for a, b in self.new_ties:
            if b not in a.friends:
                a.friends[b] = b.friends[a] = strength
        self.new_ties = []

    # ------------------------------------------------------------------ seeding (ODD §7.1)
    def operator_circle(self, size: int) -> list[Person]:
        """Up to ``size`` persons breadth-first from a random anchor."""
        anchor = self.random.choice(self.persons)
        seen, circle, frontier = {anchor}, [anchor], [anchor]
        while len(circle) < size and frontier:
            nxt = list(dict.fromkeys(f for p in frontier for f in p.friends if f not in seen))
            self.random.shuffle(nxt)
            nxt = nxt[: size - len(circle)]
            seen.update(nxt)
            circle += nxt
            frontier = nxt
        return circle

    def seed_core(self, group: Group, budget: float | None = None) -> float:
        ap = self.params.acquisition
        budget = ap.budget if budget is None else budget
        n = int(min(ap.core_size, budget // ap.core_cost_per_contact))
        if n <= 0:
            return 0.0
        candidates = [p for p in self.operator_circle(ap.core_candidates) if not p.spammer]
        scale = self.params.group.alignment_scale
        candidates.sort(key=lambda p: -float(alignment(p.values, group.center, scale)))
        for person in candidates[:n]:
            self.seat(person, group, ap.trust_acquaintance, Role.CORE)
        return min(n, len(candidates)) * ap.core_cost_per_contact

    def seed_blast(self, group: Group, budget: float | None = None) -> float:
        ap = self.params.acquisition
        budget = ap.budget if budget is None else budget
        pool = [p for p in self.persons if p.group is None]
        n = int(min(len(pool), budget // ap.cost_per_contact))
        for person in self.random.sample(pool, n):
            self.seat(person, group, ap.trust_stranger, Role.MEMBER)
        return n * ap.cost_per_contact

    def seed_hybrid(self, group: Group) -> float:
        ap = self.params.acquisition
        spent = self.seed_core(group, ap.budget * ap.hybrid_core_share)
        return spent + self.seed_blast(group, ap.budget - spent)

    # ------------------------------------------------------------------ results
    def record(self, members_today: AgentSet, **counts: int) -> None:
        day = self.day
        members = list(self.members)
        sizes = [len(g.members) for g in self.groups]
        self._today = {
            "day": day,
            "members": len(members),
            "daily_active": sum(1 for p in members_today if p.in_today and p.active),
            "revenue": self.purchases_today * self.params.conversion.price,
            "lurker_share": (sum(p.last_post <= day - LURK_WINDOW for p in members) / len(members)
                             if members else float("nan")),
            "groups": sum(s > 0 for s in sizes),
            "max_group_size": max(sizes),
            "effective_activity": float(sum(p.ugc_on for p in members_today if p.in_today)),
            "purchases": self.purchases_today,
            **counts,
        }
        self.datacollector.collect(self)

    def metrics(self):
        """One row per day; the columns of ``REFERENCE_COLUMNS`` (a subset of ``CommunityModel``'s)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
