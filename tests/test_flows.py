"""Member flows from the event log: counted per run, named by cause, the largest differences picked honestly."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.flows import ACCEPTED, largest_differences, member_flows


def events(rows: list[tuple[str, int, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arm", "replicate", "kind", "cause", "joined"]).astype(
        {"kind": "category", "cause": "category"})


RUNS = pd.DataFrame({"arm": ["a", "a", "b"], "replicate": [0, 1, 0]})


def test_flows_are_counted_per_run_named_by_cause_and_zero_where_nothing_happened():
    ev = events([("a", 0, "join", "invitation", -1), ("a", 0, "join", "invitation", -1),
                 ("a", 0, "leave", "spam", -1), ("a", 1, "leave", "dissatisfied", -1),
                 ("a", 0, "unmute", "none", -1), ("b", 0, "purchase", "first", -1),
                 ("b", 0, "attend", "offline_event", -1)])  # attendance is not a member flow
    table, order = member_flows(ev, RUNS)
    assert order == ["joined (invitation)", "spoke again", "left (dissatisfied)", "left (spam)", "purchases (first)"]
    by_run = table.set_index(["arm", "replicate"])
    assert by_run.loc[("a", 0), "joined (invitation)"] == 2 and by_run.loc[("a", 1), "joined (invitation)"] == 0
    assert by_run.loc[("b", 0)].tolist() == [0, 0, 0, 0, 1]


def test_invitations_count_once_whatever_their_cause_with_the_share_accepted():
    ev = events([("a", 0, "invite", "invitation", 1), ("a", 0, "invite", "invitation", 0),
                 ("a", 0, "invite", "distributor", 0), ("a", 0, "invite", "invitation", 1),
                 ("b", 0, "join", "blast", -1)])
    table, order = member_flows(ev, RUNS)
    assert order == ["joined (blast)", "invitations", ACCEPTED]
    by_run = table.set_index(["arm", "replicate"])
    assert by_run.loc[("a", 0), "invitations"] == 4 and by_run.loc[("a", 0), ACCEPTED] == pytest.approx(0.5)
    assert math.isnan(by_run.loc[("a", 1), ACCEPTED])  # no invitation sent: no share, not 0


def test_largest_differences_rank_by_events_and_skip_the_seeding_and_shares():
    means = pd.DataFrame({"core": [30, 0, 700, 0.2, 28, 5], "blast": [0, 600, 130, 0.2, 300, 6]},
                         index=["joined (core)", "joined (blast)", "invitations", ACCEPTED,
                                "went silent (dissatisfied)", "left (background)"])
    assert largest_differences(means) == ["invitations", "went silent (dissatisfied)", "left (background)"]
    assert largest_differences(means.assign(blast=means["core"])) == []
