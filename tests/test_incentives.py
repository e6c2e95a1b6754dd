"""The weekly fund paid to top contributors from entry fees [004]."""

from __future__ import annotations

import numpy as np
import pytest

from effects import last_week, paired, per_member, total
from sim.phases import Today, content, incentives
from sim.policies.incentives import top_k_per_group
from sim.state import Role

RNG = np.random.default_rng


def test_top_k_per_group_ranks_within_each_group_and_skips_zero_scores():
    groups = np.array([0, 0, 0, 1, 1, 1, 1])
    score = np.array([5.0, 1.0, 3.0, 0.0, 2.0, 9.0, 0.0])
    assert top_k_per_group(groups, score, 2, RNG(0)).tolist() == [0, 2, 4, 5]
    assert top_k_per_group(groups, score, 5, RNG(0)).tolist() == [0, 1, 2, 4, 5]


def day_with_posts(w, ugc, ugc_on) -> Today:
    t = Today(rows=w.ms.live_rows())
    t.ugc, t.ugc_on = np.asarray(ugc), np.asarray(ugc_on)
    return t


def test_weekly_fund_pays_the_top_contributors_an_even_share_of_the_fund(world_factory):
    w = world_factory(5, [], members={0: 0, 1: 0, 2: 0, 3: 1, 4: 1}, n_groups=3,
                      overrides={"incentive_policy": "weekly_fund", "fund_weeks": 4, "fund_winners": 2,
                                 "prize_half": 50.0})
    w.groups.fund[:] = [400.0, 0.0, 80.0]  # group 1 has no fund, group 2 no members
    for day in range(1, 8):
        w.day = day
        # on-topic posts decide, not raw chatter: person 1 chats most but mostly off-topic
        t = day_with_posts(w, ugc=[1, 6, 2, 3, 0], ugc_on=[1, 1, 2, 3, 0])
        incentives.run(w, t, RNG(day))
        assert (t.counts["fund_paid"] > 0) == (day == 7)
    # group 0: pot 400 / 4 weeks = 100, shared by persons 2 (14 on-topic) and 0/1 (7 each, tie)
    np.testing.assert_allclose(w.groups.fund, [300.0, 0.0, 80.0])
    assert w.groups.prize.tolist() == [50.0, 0.0, 0.0]
    rewarded = w.events.frame().query("kind == 'reward'")["person"].tolist()
    assert 2 in rewarded and len(rewarded) == 2 and 3 not in rewarded
    S = w.ms.satisfaction[w.pop.row[[2, 3, 4]]]
    np.testing.assert_allclose(S, [1 - np.exp(-1.0), 0.0, 0.0], rtol=1e-5)
    assert (w.ms.week_score[w.ms.live_rows()] == 0).all()  # a new week starts


def test_undefined_activity_makes_the_fund_reward_raw_chatter(world_factory):
    w = world_factory(2, [], members={0: 0, 1: 0},
                      overrides={"incentive_policy": "weekly_fund", "fund_winners": 1,
                                 "suicide_behaviours": ["lax_ads", "undefined_activity"]})
    w.groups.fund[0] = 52.0
    for day in range(1, 8):
        w.day = day
        incentives.run(w, day_with_posts(w, ugc=[1, 5], ugc_on=[1, 0]), RNG(day))
    assert w.events.frame().query("kind == 'reward'")["person"].tolist() == [1]


def test_a_visible_prize_makes_members_post_more(world_factory):
    n = 3000
    w = world_factory(n, [], members={p: p % 2 for p in range(n)}, n_groups=2,
                      overrides={"ugc_rate": 1.0, "fund_response": 0.5, "prize_half": 100.0})
    w.ms.engagement[:] = 1.0
    w.groups.prize[:] = [0.0, 1e9]
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(5))
    g = w.ms.group[t.rows]
    assert t.ugc[g == 0].mean() == pytest.approx(1.0, abs=0.08)
    assert t.ugc[g == 1].mean() == pytest.approx(1.5, abs=0.1)


FEE = {"n_persons": 2000, "seeding": "core", "entry_fee": 200.0}
OUT = {"effective": last_week("effective_activity"), "effective_per_member": per_member("effective_activity"),
       "paid": total("fund_paid")}


def test_weekly_fund_raises_on_topic_activity_in_a_growing_paid_group():
    """Claim holds [004]: in a core group that grows and collects fees, paying the week's
    best contributors raises on-topic activity."""
    r = paired(FEE, {"incentive_policy": "weekly_fund"}, OUT, days=60)
    assert r["paid"][1] > 0
    assert r["effective"][1] > 0 and r["effective_per_member"][1] > 0


def test_weekly_fund_does_nothing_for_a_dying_blasted_group():
    """Claim fails: a blasted group (advertisers, strangers) barely grows, so few fees come in;
    the fund pays little and on-topic posts per member rise by less than 0.05 a day (the core
    group above gains about 0.15)."""
    r = paired({**FEE, "seeding": "blast", "budget": 400}, {"incentive_policy": "weekly_fund"}, OUT, days=60)
    assert r["effective_per_member"][2] < 0.05


def test_paid_admins_rotate_by_kpi_are_paid_from_dues_and_only_when_the_kpi_is_met(world_factory):
    n = 12
    w = world_factory(n, [], members={p: 0 for p in range(n)},
                      overrides={"incentive_policy": "paid_admins", "admin_dues": 10.0, "prize_half": 100.0,
                                 "admin_min_group": 10, "admin_ratio": 100, "admin_term_days": 70})
    w.pop.spammer[11] = True  # advertisers pay no dues
    score = np.zeros(n)
    score[5] = 4.0  # the week's best contributor takes the paid seat
    for day in range(30, 36):
        w.day = day
        w.ms.week_score[:n] = score
        t = day_with_posts(w, ugc=np.zeros(n, int), ugc_on=np.zeros(n, int))
        incentives.run(w, t, RNG(day))
        if day == 30:
            assert t.counts["admin_dues"] == 110.0 and w.groups.admin_pot[0] == 110.0
    assert w.ms.role[w.pop.row[5]] == Role.ADMIN and (w.ms.role[:n] == Role.ADMIN).sum() == 1
    # day 35: the week's dues, 10 x 11 x 7 / 30, go to the admin; the KPI (4 posts >= 0 last week) is met
    assert w.groups.admin_pot[0] == pytest.approx(110.0 - 110.0 * 7 / 30)
    assert w.ms.satisfaction[w.pop.row[5]] == pytest.approx(1 - np.exp(-110.0 * 7 / 30 / 100), rel=1e-5)
    assert (w.ms.week_score[:n] == 0).all()
    # a week later activity fell (1 post < 4): the KPI is missed and the pot keeps the money
    w.day = 42
    w.ms.week_score[w.pop.row[5]] = 1.0
    incentives.run(w, day_with_posts(w, ugc=np.zeros(n, int), ugc_on=np.zeros(n, int)), RNG(42))
    assert w.groups.admin_pot[0] == pytest.approx(110.0 - 110.0 * 7 / 30)


def test_paid_admins_are_paid_in_a_core_group_but_a_blasted_group_has_nobody_to_pay():
    """[004] crowdfunded paid admins: in a core group trusted members take the paid seats and the
    dues flow to them. In a blasted group of strangers few reach the trust an admin needs (0.4;
    strangers start at 0.1), so dues are collected and hardly paid out: less than the core group
    pays (both 95 % intervals; over 32 seeds 31 blasted groups pay nothing, one pays some). (The
    model shows no
    clear effect of paid admins on activity: its admins only answer questions and admit
    invitees; the organising work [004] credits them with is not modelled.)"""
    out = {"dues": total("admin_dues"), "paid": total("fund_paid")}
    core = paired({"n_persons": 2000, "seeding": "core"}, {"incentive_policy": "paid_admins"}, out, days=60)
    assert core["dues"][1] > 0 and core["paid"][1] > 0
    blast = paired({"n_persons": 2000, "seeding": "blast", "budget": 400}, {"incentive_policy": "paid_admins"},
                   out, days=60)
    assert blast["dues"][1] > 0 and blast["paid"][2] < core["paid"][1]
