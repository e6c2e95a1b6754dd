"""Role rules on hand-built worlds: admin rotation, distributors, seniors, partners, KOL seeding."""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.phases import roles as roles_phase
from sim.policies import roles
from sim.state import Cause, EventKind, Role

RNG = np.random.default_rng


def group_of(world_factory, n, overrides, edges=()):
    w = world_factory(n, list(edges), members={p: 0 for p in range(n)}, overrides=overrides)
    return w


def test_admin_seats_go_to_the_most_engaged_trusted_members_and_rotate(world_factory):
    w = group_of(world_factory, 20, {"role_rules": ["admin_rotation"], "admin_ratio": 10, "admin_min_group": 5,
                                     "admin_term_days": 7, "admin_trust_min": 0.4})
    rows = w.pop.row[np.arange(20)]
    w.ms.engagement[rows] = np.linspace(0.1, 0.9, 20)
    w.ms.trust[rows[19]] = 0.1  # the most engaged is not trusted enough
    w.day = 3
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert set(np.flatnonzero(w.ms.role[rows] == Role.ADMIN)) == {17, 18}  # 2 seats = ceil(20 / 10)
    w.day = 7  # term ends: 17 and 18 step down, the next two take over
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert set(np.flatnonzero(w.ms.role[rows] == Role.ADMIN)) == {15, 16}
    ev = w.events.frame()
    assert sorted(ev[ev.kind == "demote"].person) == [17, 18]
    assert (ev[ev.kind == "promote"].joined == int(Role.ADMIN)).all()


def test_rotate_admins_accepts_a_kpi_score(world_factory):
    w = group_of(world_factory, 12, {"admin_ratio": 100, "admin_min_group": 5})
    rows = w.ms.live_rows()
    score = np.zeros(len(rows))
    score[3] = 5.0
    roles.rotate_admins(w, Today(rows=rows), score=score)
    assert np.flatnonzero(w.ms.role[rows] == Role.ADMIN).tolist() == [3]


def test_small_groups_get_no_admins(world_factory):
    w = group_of(world_factory, 4, {"role_rules": ["admin_rotation"], "admin_min_group": 5})
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert not (w.ms.role[w.ms.live_rows()] == Role.ADMIN).any()


def test_recruiters_with_trust_and_tenure_become_distributors(world_factory):
    w = group_of(world_factory, 6, {"role_rules": ["distributors"], "distributor_min_recruits": 2,
                                    "distributor_trust_min": 0.5, "distributor_min_tenure": 10})
    w.day = 10
    # today's joins credited to their inviters: person 0 brought in 2 people, person 1 one
    w.events.log(w.day, EventKind.JOIN, np.array([7, 8, 9]), 0, actor=np.array([0, 0, 1]), cause=Cause.INVITATION)
    rows = w.pop.row[np.arange(6)]
    w.ms.recruits[rows[2]] = 5
    w.ms.trust[rows[2]] = 0.3  # recruits but too little trust
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert w.ms.recruits[rows[:2]].tolist() == [2, 1]
    assert np.flatnonzero(w.ms.role[rows] == Role.DISTRIBUTOR).tolist() == [0]


def test_seniors_and_partners(world_factory):
    w = group_of(world_factory, 4, {"role_rules": ["seniors", "partners"], "senior_min_purchases": 2,
                                    "partner_trust_min": 0.4, "partner_power_min": 0.8})
    rows = w.pop.row[np.arange(4)]
    w.ms.purchases[rows[0]] = 2
    w.pop.purchasing_power[1] = 0.9
    w.ms.muted[rows[3]] = True
    w.ms.purchases[rows[3]] = 5  # muted: not promoted
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert [Role(r) for r in w.ms.role[rows]] == [Role.SENIOR, Role.PARTNER, Role.MEMBER, Role.MEMBER]


def test_kol_brings_part_of_its_following(world_factory):
    # person 10 has 30 friends outside the group (the best-connected free person); 11 has one
    edges = [(10, j, 0.3) for j in range(12, 42)] + [(11, 12, 0.3)]
    w = world_factory(42, edges, members={0: 0, 1: 0},
                      overrides={"role_rules": ["kol"], "kol_count": 1, "kol_day": 1, "kol_follow_share": 0.5,
                                 "kol_fee": 300.0})
    w.day = 1
    t = Today(rows=w.ms.live_rows())
    roles_phase.run(w, t, RNG(0))
    w.check()
    assert w.ms.role[w.pop.row[10]] == Role.KOL
    followers = np.flatnonzero(w.pop.group == 0)
    followers = followers[followers >= 12]
    assert 5 <= len(followers) <= 25  # Binomial(30, 0.5)
    assert t.counts["operator_cost"] == 300.0
    w2 = world_factory(42, edges, members={0: 0}, overrides={"role_rules": ["kol"], "kol_day": 2})
    w2.day = 1
    roles_phase.run(w2, Today(rows=w2.ms.live_rows()), RNG(0))
    assert w2.pop.row[10] < 0  # not the KOL day


def test_no_rules_no_role_changes(world_factory):
    w = group_of(world_factory, 20, {})
    w.ms.purchases[:] = 10
    w.ms.recruits[:] = 10
    w.ms.trust[:] = 1.0
    w.day = 30
    before = w.ms.role[w.ms.live_rows()].copy()
    roles_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert np.array_equal(w.ms.role[w.ms.live_rows()], before)
