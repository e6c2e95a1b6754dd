"""CommunityModel: the Mesa model; ``step()`` is the table of contents of a day.

A run is a pure function of (parameters, seed): every random draw comes from a
stream derived from the run's seed, the phase's name and the day, so two arms
run with the same seed share random numbers wherever their rules agree
(common random numbers, DESIGN.md principle 5).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.agents import Group, Operator, Person
from sim.metrics import day_metrics, group_day_metrics, group_depths
from sim.network import build_ties, read_edgelist
from sim.params import Params
from sim.phases import (ORDER, Today, attention, churn, content, conversion, elimination, events, growth, incentives,
                        roles, splitting, update)
from sim.policies import seeding
from sim.state import Cause, Groups, Population, Role, World

_PHASES = {"content": content.run, "attention": attention.run, "update": update.run,
           "churn": churn.run, "growth": growth.run, "conversion": conversion.run,
           "roles": roles.run, "splitting": splitting.run,
           "elimination": elimination.run, "incentives": incentives.run, "events": events.run}
assert tuple(_PHASES) == ORDER

GROUP_COLUMNS = ("members", "active", "ugc", "pgc", "ads", "on_topic", "lurker_share",
                 "mean_trust", "mean_satisfaction", "workload")
METRIC_COLUMNS = ("members", "groups", "daily_active", "ugc_posts", "pgc_posts", "ads",
                  "effective_activity", "ugc_pgc_ratio", "lurker_share", "muted_share",
                  "top1_share", "top10_share", "invites", "joins", "leaves", "mutes", "purchases",
                  "revenue", "operator_workload", "spam_share", "mean_alignment", "mean_trust",
                  "mean_satisfaction", "mean_engagement", "strong_tie_share", "max_group_size",
                  "eliminated", "entry_fees", "fund_paid", "admin_dues", "splits", "tree_depth", "tree_breadth",
                  "child_member_share", "admins", "distributors", "attendees", "operator_cost")


class _AgentsByType(Mapping):
    """``model.agents_by_type`` that makes the Person views only when they are asked for.

    Mesa code (a user's DataCollector with agenttype reporters, the dashboard)
    reads ``agents_by_type[Group]``; that must not build 10^6 Person agents.
    """

    def __init__(self, model: "CommunityModel"):
        self._model = model

    def __getitem__(self, cls: type):
        if cls is Person:
            self._model.person_agents
        return mesa.Model.agents_by_type.fget(self._model)[cls]

    def __iter__(self):
        self._model.person_agents
        return iter(mesa.Model.agents_by_type.fget(self._model))

    def __len__(self) -> int:
        self._model.person_agents
        return len(mesa.Model.agents_by_type.fget(self._model))


class CommunityModel(mesa.Model):
    """Groups seeded by an operator grow, churn and sell on a social graph; one step = one day.

    Parameters
    ----------
    params:
        A :class:`~sim.params.Params` tree (defaults when omitted).
    rng:
        Seed (int) of the run. ``None`` draws one; it is kept in ``self.seed``.
    **overrides:
        Parameter overrides by leaf name or dotted path, e.g. ``seeding="blast"``
        (this is what makes ``mesa.batch_run`` work).

    Examples
    --------
    >>> m = CommunityModel(rng=1, n_persons=500, budget=100)
    >>> m.run(5).metrics()["members"].size
    5
    """

    def __init__(self, params: Params | None = None, *, rng: int | None = None, **overrides: Any):
        params = (params or Params()).with_overrides(overrides) if overrides else (params or Params())
        super().__init__(rng=rng)
        self.seed = int(rng) if rng is not None else int(self.rng.integers(2**63))
        self.params = params

        edges = None
        n = params.population.n_persons
        if params.network.graph == "edgelist":
            labels, *edge_arrays = read_edgelist(params.network.edgelist_path)
            n, edges = len(labels), tuple(edge_arrays)
        pop = Population.generate(params, self.stream("population"), n)
        ties = build_ties(params, pop.values, self.stream("network"), edges)
        self.world = World(params=params, pop=pop, ties=ties, groups=Groups(params.population.values_dim))

        self._person_agents: list[Person] | None = None  # Person views are made on first use
        self.group_agents: list[Group] = []
        self.operator = Operator(self, params.acquisition.budget)
        self._today: dict[str, Any] = {}
        self._group_days: list[dict[str, np.ndarray]] = []  # one dict of per-group arrays per day

        first = self.world.new_group(parent=-1, cause=Cause.NONE)
        self.operator.spent = seeding.POLICIES[params.acquisition.seeding](self.world, self.stream("seeding"), first)
        self._sync_group_agents()

        # Model-level metrics go through Mesa's DataCollector. Per-group metrics are kept as one set of
        # arrays per day instead of agenttype reporters: those call a Python lambda per group, column
        # and day, which cost more than the whole day's rules once a run holds thousands of groups.
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m._today[k]) for k in ("day",) + METRIC_COLUMNS})

    # ------------------------------------------------------------------ lazy Person views
    @property
    def person_agents(self) -> list[Person]:
        """One ``Person`` view per person, created on first use.

        Views hold no state (DESIGN.md principle 1), so making them late changes
        nothing; it saves ~10 s and ~1 GB at 10^6 persons when nobody asks.
        """
        if self._person_agents is None:
            self._person_agents = [Person(self, i) for i in range(self.world.pop.n)]
        return self._person_agents

    @property
    def agents_by_type(self) -> Mapping[type, Any]:
        """Mesa's agents by type; asking for ``Person`` (or iterating) makes the Person views."""
        return _AgentsByType(self)

    @property
    def agents(self):
        """Mesa's set of all agents, Person views included."""
        self.person_agents
        return super().agents

    # ------------------------------------------------------------------ randomness
    def stream(self, name: str, day: int | None = None) -> np.random.Generator:
        """The random stream of phase ``name`` (on ``day``), derived from the run's seed."""
        key = (zlib.crc32(name.encode()),) if day is None else (zlib.crc32(name.encode()), day)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One day: content, attention & value, updates, churn, growth, conversion (MODEL.md §3)."""
        w = self.world
        w.day = self.steps
        today = Today(rows=w.ms.live_rows())
        for name, phase in _PHASES.items():
            phase(w, today, self.stream(name, w.day))
        w.ties.merge()
        self._sync_group_agents()
        self._record(today)
        if w.ms.size > 2 * len(w.ms.live_rows()) + 1024:
            w.ms.compact(w.pop)

    def run(self, days: int) -> "CommunityModel":
        """Advance ``days`` days; returns the model so calls chain."""
        for _ in range(days):
            self.step()
        return self

    def _sync_group_agents(self) -> None:
        """Create a Group agent for every group the phases opened."""
        while len(self.group_agents) < self.world.groups.n:
            self.group_agents.append(Group(self, len(self.group_agents)))

    def _record(self, today: Today) -> None:
        w = self.world
        gm = group_day_metrics(w, today)
        self._group_days.append({"day": np.full(w.groups.n, w.day), "group": np.arange(w.groups.n),
                                 "parent": w.groups.parent.copy(), **{k: gm[k] for k in GROUP_COLUMNS}})
        self._today = {"day": w.day, **day_metrics(w, today, gm)}
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ results
    def metrics(self) -> pd.DataFrame:
        """One row per day: the model-level metrics of MODEL.md §4."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def group_metrics(self) -> pd.DataFrame:
        """One row per group per day (groups exist from the day they were opened)."""
        columns = ["day", "group", "parent", *GROUP_COLUMNS]
        if not self._group_days:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame({k: np.concatenate([d[k] for d in self._group_days]) for k in columns})

    def events(self) -> pd.DataFrame:
        """The event log: day, kind, person, group, actor, cause, friends_inside, joined."""
        return self.world.events.frame()

    def groups(self) -> pd.DataFrame:
        """One row per group ever opened: the fission tree.

        Columns: group, parent (-1: a root), created (day), cause (why it was
        opened), depth, owner (person running it, -1: the operator), audience
        (role it is reserved for, or "mixed"), capacity, alive, and the sizes of
        the split measured after that day's splitting phase: parent_size_before
        (parent's members just before the splitting phase; -1 for day-0 groups),
        parent_size_after, child_size.
        """
        g = self.world.groups
        return pd.DataFrame({
            "group": np.arange(g.n), "parent": g.parent, "created": g.created,
            "cause": pd.Categorical.from_codes(g.cause, [c.name.lower() for c in Cause]),
            "depth": group_depths(g.parent), "owner": g.owner,
            "audience": ["mixed" if a < 0 else Role(a).name.lower() for a in g.audience],
            "capacity": g.capacity, "alive": g.alive, "parent_size_before": g.parent_size_before,
            "parent_size_after": g.parent_size_after, "child_size": g.child_size,
        })

    def members(self) -> pd.DataFrame:
        """One row per live membership now: who is in which group, in what role, how engaged.

        Feeds the participation Lorenz curve (``posts``) and per-member analyses.
        """
        ms = self.world.ms
        r = ms.live_rows()
        return pd.DataFrame({
            "person": ms.person[r], "group": ms.group[r],
            "role": pd.Categorical.from_codes(ms.role[r], [x.name.lower() for x in Role]),
            "joined": ms.joined[r], "posts": ms.posts[r], "purchases": ms.purchases[r],
            "engagement": ms.engagement[r], "satisfaction": ms.satisfaction[r], "trust": ms.trust[r],
            "alignment": ms.alignment[r], "muted": ms.muted[r],
        })

    def member_ties(self) -> pd.DataFrame:
        """Ties between two current members (``u < v``) with their strength: the groups' tie graph now."""
        t, group = self.world.ties, self.world.pop.group
        src, dst, e = t.live()
        keep = (src < dst) & (group[src] >= 0) & (group[dst] >= 0)
        u, v = src[keep], dst[keep]
        return pd.DataFrame({"u": u, "v": v, "strength": t.strength[e[keep]],
                             "same_group": group[u] == group[v]})

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every result table of the run by name; runners write each as ``<name>.parquet``.

        ``members`` and ``ties`` are snapshots at the end of the run; the others are histories.
        """
        return {"metrics": self.metrics(), "group_metrics": self.group_metrics(),
                "events": self.events(), "groups": self.groups(), "members": self.members(),
                "ties": self.member_ties()}

    @property
    def graph(self):
        """The social graph as a networkx Graph with current tie strengths (built on demand)."""
        return self.world.ties.to_networkx()
