"""Elimination: the direction of effect the sources claim, where they claim it, and where it fails.

[001]: "new people come in and the bad ones go out, then the group gets more and
more active"; [002]: ads kill a group, and rules that are too harsh become
tyranny. Arms are paired by seed; assertions are on 95 % intervals of the
paired difference (arm - none).
"""

from __future__ import annotations

import pytest

from effects import last_week, paired, per_member, total

BLAST = {"n_persons": 2000, "seeding": "blast", "budget": 400}  # loosely targeted, advertisers included
CORE = {"n_persons": 2000, "seeding": "core"}  # a small, young, screened group


def test_inactive_elimination_makes_a_blasted_group_more_active():
    """Claim holds [001]: in a big, loosely targeted group, removing members silent for 14 days
    (advertisers post no member content, so they go too) raises daily activity, on-topic
    activity and the share of members active, though the group shrinks."""
    r = paired(BLAST, {"elimination_policy": "inactive"},
               {"active": last_week("daily_active"), "effective": last_week("effective_activity"),
                "active_share": per_member("daily_active"), "members": last_week("members")}, days=45)
    assert r["active"][1] > 0 and r["effective"][1] > 0 and r["active_share"][1] > 0.1
    assert r["members"][2] < 0


def test_harsh_elimination_hurts_a_small_young_group():
    """Claim fails: a 30-person core group, 45 days old, purged of members silent for 7 days
    loses members, daily activity and revenue: nobody waits to replace them."""
    r = paired(CORE, {"elimination_policy": "inactive", "inactive_days": 7},
               {"members": last_week("members"), "active": last_week("daily_active"),
                "revenue": total("revenue"), "trust": last_week("mean_trust")}, days=45)
    assert r["members"][2] < 0 and r["active"][2] < 0 and r["revenue"][2] < 0
    assert r["trust"][2] < 0  # readers removed for not talking: tyranny [002]


def test_kicking_advertisers_after_warnings_saves_a_blasted_group():
    """Claim holds [001, 002]: kicking ad posters after 3 warnings keeps more members and activity."""
    r = paired(BLAST, {"elimination_policy": "spam_warnings"},
               {"members": last_week("members"), "active": last_week("daily_active"),
                "effective": last_week("effective_activity")}, days=45)
    assert r["members"][1] > 0 and r["active"][1] > 0 and r["effective"][1] > 0


def test_tyranny_costs_trust_and_revenue_only():
    """Harshness has a price [002]: with the same removals, members' trust and hence purchases
    fall. In this model trust gates buying only, so membership and activity are unchanged."""
    base = {**BLAST, "elimination_policy": "inactive", "tyranny": 0.0}
    r = paired(base, {"tyranny": 3.0},
               {"trust": last_week("mean_trust"), "revenue": total("revenue"),
                "members": last_week("members")}, days=45)
    assert r["trust"][2] < 0 and r["revenue"][2] < 0
    assert r["members"][0] == 0


@pytest.mark.slow
def test_replacing_the_bottom_of_full_groups_raises_activity_share_but_costs_members():
    """[001] in full groups (capacity 60) where newcomers wait: replacing the least active 10 %
    weekly raises the share of members active; removed people stay out for 90 days, so the
    operator ends with fewer members and less revenue."""
    r = paired({**CORE, "capacity": 60}, {"elimination_policy": "replace_bottom", "replace_share": 0.1},
               {"active_share": per_member("daily_active"), "members": last_week("members"),
                "revenue": total("revenue")}, days=90, seeds=range(12))
    assert r["active_share"][1] > 0
    assert r["members"][2] < 0 and r["revenue"][2] < 0
