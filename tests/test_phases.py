"""Each daily phase on a tiny hand-built world, against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.phases import Today, attention, churn, content, conversion, growth, update
from sim.phases.growth import friends_inside, seat_and_join
from sim.state import Cause, EventKind, Role

RNG = np.random.default_rng


def today_for(w, **arrays) -> Today:
    t = Today(rows=w.ms.live_rows())
    for k, v in arrays.items():
        setattr(t, k, np.asarray(v))
    return t


# ----------------------------------------------------------------------------- content
def test_content_everyone_active_at_engagement_one_and_counts_add_up(world_factory):
    w = world_factory(6, [], members={0: 0, 1: 0, 2: 0, 3: 1},
                      overrides={"ugc_rate": 0.0, "verticality": 1.0, "pgc_per_day": 3},
                      n_groups=3)
    w.ms.engagement[:] = 1.0
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(0))
    assert t.active.all()
    assert t.ugc.sum() == 0 and t.ads.sum() == 0
    # fixed schedule: exactly 3 operator posts in each group with members, none in the empty one
    assert t.pgc_g.tolist() == [3, 3, 0]
    assert t.on_g.tolist() == [3, 3, 0]  # verticality 1: all on-topic
    assert t.total_g.tolist() == [3, 3, 0]


def test_content_nobody_active_at_engagement_zero_and_spammers_post_ads(world_factory):
    w = world_factory(4, [], members={0: 0, 1: 0, 2: 0}, overrides={"spam_rate": 5.0})
    w.ms.engagement[:] = 0.0
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(1))
    assert not t.active.any() and t.ugc.sum() == 0

    w.pop.spammer[2] = True
    w.ms.engagement[:] = 1.0
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(1))
    assert t.ads[:2].sum() == 0 and t.ugc[2] == 0  # only the spammer posts ads, and no UGC
    assert t.ads_g[0] == t.ads[2]


def test_content_muted_members_never_post(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0}, overrides={"ugc_rate": 50.0, "muted_activity": 1.0})
    w.ms.engagement[:] = 1.0
    w.ms.muted[0] = True
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(2))
    assert t.active.all()
    assert t.ugc[0] == 0 and t.ugc[1] > 0


# ----------------------------------------------------------------------------- attention
def test_attention_value_matches_hand_computation(world_factory):
    # persons 0 and 1 in group 0, tied with strength 0.5; person 2 outside, tied to 0
    w = world_factory(3, [(0, 1, 0.5), (0, 2, 0.9)], members={0: 0, 1: 0},
                      overrides={"content_renewal": 0.0})
    w.pop.attention[:] = 5.0
    w.day = 0  # tenure 0: novelty 1
    t = today_for(w, active=[True, True], total_g=[10.0], on_g=[8.0], ads_g=[2.0])
    attention.run(w, t, RNG(0))
    read, on_read, ads_read, A = 5.0, 4.0, 1.0, 5.0
    relevance = 1 - math.exp(-on_read / 5.0)
    social = 1 - math.exp(-0.5 / 1.0)  # only the in-group, active friend counts
    identity = 1.0  # values at the mission
    noise = (read - on_read - ads_read) / A + min(1.0, (10 - A) / A)
    spam = 2 / 10
    expected = relevance + social + identity - 0.5 * noise - 3.0 * spam
    assert t.social_sum.tolist() == pytest.approx([0.5, 0.5])
    assert t.value[0] == pytest.approx(expected, rel=1e-6)


def test_attention_inactive_members_get_nothing_and_novelty_decays(world_factory):
    w = world_factory(2, [(0, 1, 0.5)], members={0: 0, 1: 0},
                      overrides={"content_renewal": 0.0, "freshness_days": 10.0,
                                 "w_social": 0, "w_identity": 0, "w_noise": 0, "w_spam": 0})
    t = today_for(w, active=[True, False], total_g=[5.0], on_g=[5.0], ads_g=[0.0])
    w.day = 10  # tenure 10 = one e-folding
    attention.run(w, t, RNG(0))
    assert t.value[1] == 0.0 and t.social_sum[0] == 0.0  # friend inactive: no social value
    assert t.value[0] == pytest.approx(math.exp(-1) * (1 - math.exp(-1)))


# ----------------------------------------------------------------------------- update
def test_update_satisfaction_trust_engagement(world_factory):
    w = world_factory(2, [], members={0: 0, 1: 0},
                      overrides={"satisfaction_rate": 0.5, "trust_rate": 0.1, "engagement_rate": 0.5,
                                 "engagement_slope": 2.0, "expectation": 1.0})
    w.ms.satisfaction[:2] = [0.2, 0.2]
    t = today_for(w, active=[True, False], value=[2.0, 0.0], ugc=[1, 0])
    update.run(w, t, RNG(0))
    S0 = 0.5 * 0.2 + 0.5 * (2.0 - 1.0)  # 0.6
    assert w.ms.satisfaction[0] == pytest.approx(S0)
    assert w.ms.satisfaction[1] == pytest.approx(0.2)  # inactive: unchanged
    assert w.ms.trust[0] == pytest.approx(0.5 + 0.1 * S0 * 0.5)
    assert w.ms.trust[1] == pytest.approx(0.5)
    target = 1 / (1 + math.exp(-2.0 * S0))
    assert w.ms.engagement[0] == pytest.approx(0.5 + 0.5 * (target - 0.5))
    assert w.ms.posts[0] == 1 and w.ms.last_post[0] == w.day


def test_update_ties_strengthen_when_coactive_decay_when_idle_untouched_outside(world_factory):
    # 0-1 both members and active; 1-2 members, 2 idle; 2-3: 3 is not a member
    w = world_factory(4, [(0, 1, 0.5), (1, 2, 0.5), (2, 3, 0.5)], members={0: 0, 1: 0, 2: 0},
                      overrides={"tie_growth": 0.1, "tie_decay": 0.1, "tie_floor": 0.1,
                                 "new_tie_prob": 0.0})
    t = today_for(w, active=[True, True, False], value=[1.0, 1.0, 0.0], ugc=[0, 0, 0])
    update.run(w, t, RNG(0))
    g = w.ties.to_networkx()
    assert g[0][1]["weight"] == pytest.approx(0.5 + 0.1 * 0.5)
    assert g[1][2]["weight"] == pytest.approx(0.1 + 0.4 * 0.9)
    assert g[2][3]["weight"] == pytest.approx(0.5)
    w.check()  # symmetric strengths


def test_new_ties_form_between_coactive_posters_and_merge(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0, 2: 0}, overrides={"new_tie_prob": 1.0,
                                                                  "new_tie_strength": 0.2})
    t = today_for(w, active=[True, True, False], value=[1.0, 1.0, 0.0], ugc=[1, 1, 0])
    update.run(w, t, RNG(3))
    assert w.ties.merge() >= 0
    g = w.ties.to_networkx()
    # posters 0 and 1 can only meet each other (2 is inactive); self-meetings are dropped
    assert set(g.edges()) <= {(0, 1)}
    if g.number_of_edges():
        assert g[0][1]["weight"] == pytest.approx(0.2)
    w.check()


# ----------------------------------------------------------------------------- churn
def test_churn_dissatisfied_leave_and_get_cooldown(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0, 2: 0},
                      overrides={"leave_prob": 1.0, "leave_threshold": -0.5, "base_leave": 0.0,
                                 "mute_prob": 0.0, "cooldown_days": 30})
    w.ms.satisfaction[:3] = [-0.9, 0.0, -0.9]
    w.pop.spammer[2] = True  # spammers stay for their ads
    w.day = 5
    t = today_for(w, active=[True, True, True], spam_share=[0.0, 0.0, 0.0])
    churn.run(w, t, RNG(0))
    assert w.pop.group.tolist() == [-1, 0, 0]
    assert w.pop.cooldown_until[0] == 35
    ev = w.events.frame()
    leave = ev[ev.kind == "leave"]
    assert leave.person.tolist() == [0] and leave.cause.tolist() == ["dissatisfied"]
    w.check()


def test_churn_spam_past_tolerance_mutes_or_drives_out(world_factory):
    w = world_factory(2, [], members={0: 0, 1: 0},
                      overrides={"leave_prob": 0.0, "base_leave": 0.0, "spam_leave_prob": 1.0,
                                 "mute_prob": 1.0})
    w.pop.spam_tolerance[:] = [0.1, 0.5]
    t = today_for(w, active=[True, True], spam_share=[0.3, 0.3])
    churn.run(w, t, RNG(0))
    assert w.pop.group.tolist() == [-1, 0]  # 0 is fed up and leaves; 1 tolerates 30 % ads
    assert not w.ms.muted[1]


def test_churn_mute_sets_lurker_role(world_factory):
    w = world_factory(1, [], members={0: 0},
                      overrides={"base_leave": 0.0, "leave_prob": 0.0, "mute_prob": 1.0,
                                 "mute_threshold": 0.0})
    w.ms.satisfaction[0] = -0.1
    churn.run(w, today_for(w, active=[False], spam_share=[0.0]), RNG(0))
    assert w.ms.muted[0] and w.ms.role[0] == Role.LURKER


# ----------------------------------------------------------------------------- growth
def test_friends_inside_counts_ties_to_members_of_that_group(world_factory):
    w = world_factory(5, [(4, 0, 0.2), (4, 1, 0.3), (4, 2, 0.4), (3, 0, 0.5)],
                      members={0: 0, 1: 0, 2: 1}, n_groups=2)
    k, s = friends_inside(w, np.array([4, 4, 3]), np.array([0, 1, 1]))
    assert k.tolist() == [2, 1, 0]
    assert s.tolist() == pytest.approx([0.5, 0.4, 0.0])


def test_growth_invitee_joins_with_the_hand_computed_probability(world_factory):
    # star: member 0 with 400 non-member friends, strength 0.3, all at the mission (alignment 1)
    n = 401
    w = world_factory(n, [(0, j, 0.3) for j in range(1, n)], members={0: 0},
                      overrides={"invite_rate": 40.0, "join_max": 0.8, "join_half_strength": 0.3,
                                 "invite_threshold": -1.0})
    t = today_for(w, active=[True])
    growth.run(w, t, RNG(5))
    ev = w.events.frame()
    inv = ev[ev.kind == "invite"]
    assert len(inv) > 20 and (inv.friends_inside == 1).all() and (inv.actor == 0).all()
    p = 0.8 * 1.0 * (1 - math.exp(-0.3 / 0.3))
    joined = inv.joined.mean()
    se = math.sqrt(p * (1 - p) / len(inv))
    assert abs(joined - p) < 4 * se
    assert (w.pop.group[inv.person[inv.joined == 1]] == 0).all()
    w.check()


def test_growth_voids_invitations_to_members_and_cooling_down_people(world_factory):
    w = world_factory(3, [(0, 1, 0.5), (0, 2, 0.5)], members={0: 0, 1: 0},
                      overrides={"invite_rate": 30.0, "invite_threshold": -1.0})
    w.pop.cooldown_until[2] = 10
    growth.run(w, today_for(w, active=[True, True]), RNG(0))
    assert (w.events.frame().kind == "invite").sum() == 0


def test_invite_only_entry_admits_through_core_members_only(world_factory):
    edges = [(0, 2, 0.5), (1, 3, 0.5)]
    w = world_factory(4, edges, members={0: 0, 1: 0},
                      overrides={"entry": "invite_only", "invite_rate": 30.0, "invite_threshold": -1.0})
    w.ms.role[0] = Role.CORE
    growth.run(w, today_for(w, active=[True, True]), RNG(0))
    inv = w.events.frame().query("kind == 'invite'")
    assert set(inv.actor) == {0}


def test_capacity_overflow_opens_a_child_group(world_factory):
    w = world_factory(8, [], members={0: 0}, overrides={"capacity": 3})
    seat_and_join(w, np.arange(1, 8), np.zeros(7, int), trust=0.1, cause=Cause.BLAST)
    sizes = w.group_sizes()
    assert sizes.tolist() == [3, 3, 2]
    assert w.groups.parent.tolist() == [-1, 0, 1]
    assert (w.groups.cause[1:] == Cause.OVERFLOW).all()
    w.check()


# ----------------------------------------------------------------------------- conversion
def test_conversion_probability_one_buys_and_spammers_never_buy(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0, 2: 0}, overrides={"buy_rate": 1.0, "price": 50.0})
    w.ms.trust[:3] = 1.0
    w.pop.purchasing_power[:] = 1.0
    w.pop.spammer[2] = True
    t = today_for(w, active=[True, False, True])
    conversion.run(w, t, RNG(0))
    assert w.ms.purchases[:3].tolist() == [1, 0, 0]
    assert t.counts["revenue"] == 50.0
    ev = w.events.frame()
    assert ev[ev.kind == "purchase"].cause.tolist() == ["first"]


def test_conversion_rate_matches_formula(world_factory):
    n = 3000
    w = world_factory(n, [], members={i: 0 for i in range(n)},
                      overrides={"buy_rate": 0.5, "repeat_boost": 2.0, "capacity": 5000})
    w.ms.trust[:n] = 0.8
    w.pop.purchasing_power[:] = 0.5
    w.ms.purchases[: n // 2] = 1  # half are repeat buyers
    t = today_for(w, active=np.ones(n, bool))
    conversion.run(w, t, RNG(9))
    new = w.ms.purchases[: n // 2] - 1
    first = w.ms.purchases[n // 2: n]
    for bought, p in ((new, 0.5 * 0.8 * 0.5 * 2.0), (first, 0.5 * 0.8 * 0.5)):
        assert abs(bought.mean() - p) < 4 * math.sqrt(p * (1 - p) / len(bought))
    assert EventKind.PURCHASE.name.lower() in set(w.events.frame().kind)


def test_without_the_capacity_rule_a_full_group_turns_the_last_arrivals_away(world_factory):
    n = 60
    w = world_factory(n, [(0, j, 0.9) for j in range(1, n)], members={0: 0, 1: 0},
                      overrides={"capacity": 5, "split_rules": [], "invite_rate": 50.0,
                                 "join_max": 1.0, "invite_threshold": -1.0})
    growth.run(w, today_for(w, active=[True, True]), RNG(4))
    inv = w.events.frame().query("kind == 'invite'")
    assert inv.joined.sum() == 3 and w.group_sizes().tolist() == [5]  # 3 free seats, no overflow group
    assert w.groups.n == 1
    w.check()


def test_mixed_audiences_lower_the_on_topic_share_of_operator_posts(world_factory):
    from sim.phases.content import audience_mix

    w = world_factory(6, [], members={0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1}, n_groups=2)
    w.ms.role[:2] = Role.DISTRIBUTOR  # group 0: 2 distributors + 2 consumers; group 1: consumers
    assert audience_mix(w).tolist() == pytest.approx([0.5, 0.0])
    w = world_factory(4, [], members={0: 0, 1: 0, 2: 0, 3: 0},
                      overrides={"pgc_per_day": 200, "verticality": 1.0, "mixing_penalty": 0.6,
                                 "ugc_rate": 0.0})
    w.ms.role[:2] = Role.PARTNER
    t = Today(rows=w.ms.live_rows())
    content.run(w, t, RNG(0))
    expected = 1 - 0.6 * 0.5
    assert abs(t.on_g[0] / 200 - expected) < 4 * math.sqrt(expected * (1 - expected) / 200)
