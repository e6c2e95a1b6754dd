"""Elimination policies on small hand-built worlds [001, 002]."""

from __future__ import annotations

import numpy as np
import pytest

from sim.phases import Today, elimination, growth
from sim.policies.elimination import POLICIES
from sim.state import Cause, EventKind, Role

RNG = np.random.default_rng


def today(w, ads=None) -> Today:
    t = Today(rows=w.ms.live_rows())
    t.ads = np.zeros(len(t.rows), np.int64) if ads is None else np.asarray(ads)
    return t


def members(w) -> list[int]:
    return sorted(w.ms.person[w.ms.live_rows()].tolist())


def eliminated(w) -> list[tuple[int, str]]:
    ev = w.events.frame()
    ev = ev[ev["kind"] == "eliminate"]
    return sorted(zip(ev["person"].tolist(), ev["cause"].astype(str).tolist()))


def test_none_removes_nobody(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0, 2: 0})
    w.day = 70
    elimination.run(w, today(w), RNG(0))
    assert members(w) == [0, 1, 2]


def test_inactive_removes_the_silent_on_check_days_only_and_spares_staff(world_factory):
    w = world_factory(5, [], members={0: 0, 1: 0, 2: 0, 3: 0, 4: 0},
                      overrides={"elimination_policy": "inactive", "inactive_days": 14,
                                 "elimination_period": 7, "removal_cooldown_days": 40, "tyranny": 0.0})
    ms = w.ms
    ms.last_post[0] = 10  # spoke 4 days ago
    ms.role[1] = Role.ADMIN  # silent admin: staff are spared
    ms.joined[2] = 5  # newcomer who never posted: silent since joining 9 days ago
    w.pop.spammer[4] = True  # an advertiser posts no member content: silent too
    w.day = 13  # not a check day
    elimination.run(w, today(w), RNG(0))
    assert members(w) == [0, 1, 2, 3, 4]
    w.day = 14
    t = today(w)
    elimination.run(w, t, RNG(0))
    assert members(w) == [0, 1, 2]
    assert eliminated(w) == [(3, "inactive"), (4, "inactive")]
    assert t.counts["eliminated"] == 2
    assert w.pop.cooldown_until[[3, 4]].tolist() == [54, 54]  # removal_cooldown_days, not cooldown_days
    w.check()


def test_removed_person_cannot_be_invited_back_during_cooldown(world_factory):
    w = world_factory(2, [(0, 1, 0.9)], members={0: 0, 1: 0},
                      overrides={"elimination_policy": "inactive", "inactive_days": 7,
                                 "elimination_period": 7, "removal_cooldown_days": 30,
                                 "invite_rate": 50.0, "join_max": 1.0})
    w.ms.last_post[0] = 7
    w.day = 7
    elimination.run(w, today(w), RNG(0))
    assert members(w) == [0]
    w.ms.satisfaction[:] = 1.0
    for day, expect in ((20, [0]), (37, [0, 1])):
        w.day = day
        t = today(w)
        t.active = np.ones(len(t.rows), bool)
        growth.run(w, t, RNG(day))
        assert members(w) == expect


def test_replace_bottom_acts_only_when_newcomers_wait_and_takes_the_stalest(world_factory):
    over = {"elimination_policy": "replace_bottom", "replace_share": 0.2, "replace_fill": 1.0,
            "capacity": 10, "elimination_period": 7}
    w = world_factory(10, [], members={p: 0 for p in range(9)}, overrides=over)
    w.ms.last_post[:9] = np.arange(9)
    w.day = 21
    elimination.run(w, today(w), RNG(0))
    assert members(w) == list(range(9))  # 9 of 10 seats: nobody waits

    w = world_factory(10, [], members={p: 0 for p in range(10)}, overrides=over)
    w.ms.last_post[:10] = [5, 3, 9, 1, 8, 7, 6, 4, 2, 0]
    w.ms.role[9] = Role.ADMIN  # the stalest speaker is staff: spared
    w.day = 21
    elimination.run(w, today(w), RNG(0))
    assert eliminated(w) == [(3, "replaced"), (8, "replaced")]  # last spoke on days 1 and 2


def test_spam_warnings_warn_ad_posters_and_kick_at_the_limit(world_factory):
    w = world_factory(3, [], members={0: 0, 1: 0, 2: 0},
                      overrides={"elimination_policy": "spam_warnings", "ad_detection": 1.0, "max_warnings": 2})
    w.pop.spammer[2] = True
    for day in (1, 2):
        w.day = day
        elimination.run(w, today(w, ads=[0, 0, 3]), RNG(day))
    ev = w.events.frame()
    assert (ev["kind"] == "warn").sum() == 2 and set(ev.loc[ev["kind"] == "warn", "person"]) == {2}
    assert members(w) == [0, 1] and eliminated(w) == [(2, "kicked")]


def test_spam_warnings_detection_is_a_probability(world_factory):
    w = world_factory(400, [], members={p: 0 for p in range(400)},
                      overrides={"elimination_policy": "spam_warnings", "ad_detection": 0.25, "max_warnings": 5})
    w.day = 1
    elimination.run(w, today(w, ads=np.ones(400, int)), RNG(3))
    share = w.ms.warnings[:400].mean()
    assert 0.18 < share < 0.32


@pytest.mark.parametrize("spammer, recent, expect", [
    (False, True, 0.5 * (1 - 2.0 * 0.25)),  # a reader removed: unfair, trust * (1 - tyranny * 1/4)
    (False, False, 0.5),  # long gone (not even reading): fair
    (True, True, 0.5),  # an advertiser: fair
])
def test_tyranny_unfair_removals_cost_the_remaining_members_trust(world_factory, spammer, recent, expect):
    w = world_factory(5, [], members={0: 0, 1: 0, 2: 0, 3: 0, 4: 1}, n_groups=2,
                      overrides={"elimination_policy": "inactive", "inactive_days": 7,
                                 "elimination_period": 7, "tyranny": 2.0})
    w.ms.last_post[[0, 1, 2, 4]] = 14
    w.ms.last_active[3] = 13 if recent else 2
    w.pop.spammer[3] = spammer
    w.day = 14
    elimination.run(w, today(w), RNG(0))
    assert members(w) == [0, 1, 2, 4]
    trust = w.ms.trust[w.pop.row[[0, 1, 2, 4]]]
    np.testing.assert_allclose(trust[:3], expect, rtol=1e-6)
    assert trust[3] == pytest.approx(0.5)  # the other group saw nothing


def test_every_policy_is_registered_and_keeps_invariants(world_factory):
    for name in POLICIES:
        w = world_factory(20, [(i, i + 1, 0.5) for i in range(19)], members={p: p % 2 for p in range(20)},
                          n_groups=2, overrides={"elimination_policy": name, "capacity": 10,
                                                 "ad_detection": 1.0, "max_warnings": 1})
        w.pop.spammer[[3, 4]] = True
        w.day = 28
        elimination.run(w, today(w, ads=np.isin(np.arange(20), [3, 4]).astype(int)), RNG(1))
        w.check()
        assert EventKind.ELIMINATE.name.lower() in w.events.frame()["kind"].cat.categories
        assert (name == "none") == (len(members(w)) == 20)
    assert Cause.KICKED > Cause.OFFLINE_EVENT  # appended after the existing causes
