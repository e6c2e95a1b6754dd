"""Shared fixtures: small, fast models and hand-built worlds."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from sim import CommunityModel, Params
from sim.state import Cause, Groups, Population, Ties, World


@pytest.fixture
def small_params() -> Params:
    return Params().with_overrides({"n_persons": 2000})


@pytest.fixture
def small_model(small_params) -> CommunityModel:
    return CommunityModel(small_params, rng=7)


def build_world(n: int, edges: list[tuple[int, int, float]], members: dict[int, int] | None = None,
                overrides: dict | None = None, values: np.ndarray | None = None,
                n_groups: int = 1) -> World:
    """A hand-built world: ``n`` persons with default traits (sociability 1, attention 40,
    no spammers, values at the mission unless given), the listed ties, and ``members``
    ``{person: group}`` joined on day 0 with engagement 0.5, trust 0.5."""
    params = Params().with_overrides(overrides or {})
    d = params.population.values_dim
    pop = Population(
        values=np.zeros((n, d), np.float32) if values is None else np.asarray(values, np.float32),
        segment=np.zeros(n, np.int8),
        sociability=np.ones(n, np.float32),
        attention=np.full(n, 40.0, np.float32),
        spammer=np.zeros(n, bool),
        purchasing_power=np.full(n, 0.5, np.float32),
        spam_tolerance=np.full(n, 0.15, np.float32),
    )
    u, v, s = (np.array(x) for x in zip(*edges)) if edges else (np.zeros(0, int),) * 3
    ties = Ties.from_edges(n, u, v, s)
    w = World(params=params, pop=pop, ties=ties, groups=Groups(d))
    for _ in range(n_groups):
        w.new_group(parent=-1, cause=Cause.NONE)
    if members:
        persons = np.array(list(members), np.int64)
        w.join(persons, np.array([members[p] for p in persons]), trust=0.5, cause=Cause.CORE)
    return w


@pytest.fixture
def world_factory() -> Callable[..., World]:
    return build_world
