"""Spam [001, 002, 003]: advertisers in the acquisition pool, who they drive out, and remedies.

The per-member rules (ads lower value by ``w_spam`` x ad share; past one's tolerance
a member mutes or leaves) are unit-tested in ``test_phases.py``; here: the pool,
who leaves, and which operator responses keep a spammed group alive.
"""

from __future__ import annotations

import numpy as np

from effects import last_week, paired, runs
from sim import CommunityModel


def test_the_pool_holds_spam_share_advertisers_blast_brings_them_core_screens_them_out():
    m = CommunityModel(rng=3, n_persons=20000, seeding="blast", budget=2000, spam_share=0.05)
    pop = m.world.pop
    assert abs(pop.spammer.mean() - 0.05) < 0.005
    members = m.world.ms.person[m.world.ms.live_rows()]
    assert 0.03 < pop.spammer[members].mean() < 0.07  # a blast samples the pool
    core = CommunityModel(rng=3, n_persons=20000, seeding="core", spam_share=0.05)
    assert not core.world.pop.spammer[core.world.ms.person[core.world.ms.live_rows()]].any()


def test_spam_drives_out_the_least_tolerant_first():
    m = CommunityModel(rng=4, n_persons=3000, seeding="blast", budget=600, spam_share=0.05).run(30)
    ev = m.events()
    left_for_spam = ev.loc[(ev["kind"] == "leave") & (ev["cause"] == "spam"), "person"].to_numpy()
    assert len(left_for_spam) > 20
    stayed = m.world.ms.person[m.world.ms.live_rows()]
    stayed = stayed[~m.world.pop.spammer[stayed]]
    tol = m.world.pop.spam_tolerance
    assert np.median(tol[left_for_spam]) < np.median(tol[stayed])


SPAMMED = {"n_persons": 2000, "seeding": "core", "spam_share": 0.1}
OUT = {"active": last_week("daily_active"), "ad_share": last_week("spam_share")}


def test_kicking_advertisers_or_transmitting_values_keeps_a_spammed_group_alive():
    """[001, 002, 003]: with 10 % advertisers in the pool, warnings-then-kick and an operator
    who is not lax on ads both lower the ads' share of the feed and keep more members active."""
    for arm in ({"elimination_policy": "spam_warnings"}, {"suicide_behaviours": []}):
        r = paired(SPAMMED, arm, OUT, days=60)
        assert r["ad_share"][2] < 0 and r["active"][1] > 0


def test_policing_ads_is_too_slow_when_advertisers_are_a_third_of_the_pool():
    """Where the remedy fails: with 30 % advertisers, kicking after 3 warnings does not save the
    group: daily activity stays collapsed (under 10 members a day), with or without the rule,
    while the same group without advertisers has about 100."""
    flooded = {**SPAMMED, "spam_share": 0.3}
    for overrides in (flooded, {**flooded, "elimination_policy": "spam_warnings"}):
        active = [df["daily_active"].tail(7).mean() for df in runs(overrides, range(6), 60)]
        assert np.mean(active) < 10
