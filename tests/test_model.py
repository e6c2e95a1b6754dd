"""The model as a whole: determinism, invariants under random parameters, Mesa idioms."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CommunityModel
from sim.agents import Group, Operator, Person

SMALL = {"n_persons": 1500, "budget": 300}


def tables(m: CommunityModel) -> dict[str, pd.DataFrame]:
    return m.tables()


@pytest.mark.parametrize("seeding", ["core", "blast", "hybrid"])
def test_same_seed_same_tables_different_seed_different(seeding):
    a = CommunityModel(rng=11, seeding=seeding, **SMALL).run(25)
    b = CommunityModel(rng=11, seeding=seeding, **SMALL).run(25)
    c = CommunityModel(rng=12, seeding=seeding, **SMALL).run(25)
    for name, df in tables(a).items():
        pd.testing.assert_frame_equal(df, tables(b)[name], check_exact=True, obj=name)
    assert not tables(a)["events"].equals(tables(c)["events"])


def test_arms_share_population_and_graph_for_a_seed():
    """Common random numbers: the population and graph depend on the seed only."""
    a = CommunityModel(rng=5, seeding="core", **SMALL)
    b = CommunityModel(rng=5, seeding="blast", **SMALL)
    assert np.array_equal(a.world.pop.values, b.world.pop.values)
    assert np.array_equal(a.world.ties.indices, b.world.ties.indices)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seeding=st.sampled_from(["core", "blast", "hybrid"]),
    graph=st.sampled_from(["homophily", "holme_kim"]),
    capacity=st.integers(5, 200),
    invite_rate=st.floats(0.0, 5.0),
    spam_share=st.floats(0.0, 0.5),
    tie_growth=st.floats(0.0, 1.0),
    new_tie_prob=st.floats(0.0, 1.0),
    entry=st.sampled_from(["open", "invite_only"]),
    seed=st.integers(0, 2**31),
)
def test_invariants_hold_after_many_random_steps(seeding, graph, capacity, invite_rate, spam_share,
                                                 tie_growth, new_tie_prob, entry, seed):
    m = CommunityModel(rng=seed, seeding=seeding, graph=graph, capacity=capacity,
                       invite_rate=invite_rate, spam_share=spam_share, tie_growth=tie_growth,
                       new_tie_prob=new_tie_prob, entry=entry, n_persons=600, budget=200)
    for _ in range(4):
        m.run(10)
        m.world.check()
    met = m.metrics()
    assert (met["members"] >= 0).all() and (met["max_group_size"] <= capacity).all()
    for col in ("lurker_share", "spam_share", "mean_trust", "mean_engagement", "top10_share"):
        x = met[col].dropna()
        assert ((x >= 0) & (x <= 1)).all(), col


def test_metrics_group_metrics_and_events_are_consistent():
    m = CommunityModel(rng=3, seeding="blast", **SMALL).run(20)
    met, gm, ev = m.metrics(), m.group_metrics(), m.events()
    assert met["day"].tolist() == list(range(1, 21))
    by_day = gm.groupby("day")["members"].sum()
    assert by_day.tolist() == met["members"].tolist()
    joins = ev[(ev.kind == "join") & (ev.day > 0)].groupby("day").size()
    assert joins.reindex(met["day"], fill_value=0).tolist() == met["joins"].tolist()
    seeded = (ev.kind == "join") & (ev.day == 0)
    leaves = (ev.kind == "leave").sum()
    assert seeded.sum() + met["joins"].sum() - leaves == met["members"].iloc[-1]
    inv = ev[ev.kind == "invite"]
    assert inv["friends_inside"].min() >= 1 and set(inv["joined"]) <= {0, 1}


def test_agents_are_views_of_the_arrays():
    m = CommunityModel(rng=2, **SMALL).run(3)
    people = m.agents_by_type[Person]
    assert len(people) == m.world.pop.n
    assert len(m.agents_by_type[Group]) == m.world.groups.n and len(m.agents_by_type[Operator]) == 1
    members = people.select(lambda p: p.is_member)
    assert len(members) == m.metrics()["members"].iloc[-1]
    p = members.to_list()[0]
    assert p.engagement == pytest.approx(float(m.world.ms.engagement[p.row]))
    p.engagement = 0.25
    assert m.world.ms.engagement[p.row] == pytest.approx(0.25)
    assert p in p.group.members
    assert m.operator.spent == pytest.approx(300)  # budget 300 buys 15 core contacts at 20


def test_mesa_batch_run_works():
    results = mesa.batch_run(CommunityModel, {"n_persons": [500], "seeding": ["core", "blast"]},
                             rng=[1, 2], max_steps=5, number_processes=1, display_progress=False)
    df = pd.DataFrame(results)
    assert len(df) == 4 and {"members", "revenue", "seeding"} <= set(df.columns)


def test_equal_budget_accounting():
    for seeding in ("core", "blast", "hybrid"):
        m = CommunityModel(rng=1, seeding=seeding, n_persons=3000, budget=600)
        assert 0 < m.operator.spent <= 600
    blast = CommunityModel(rng=1, seeding="blast", n_persons=3000, budget=600, cost_per_contact=2.0)
    assert blast.metrics().empty and len(blast.world.ms.live_rows()) == 300
