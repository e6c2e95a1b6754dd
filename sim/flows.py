"""Member flows of a run: who joined, went silent, left, moved and bought, and why.

The outcomes of a run (members, activity, revenue at the horizon) are stocks;
the event log says which flows filled or drained them: joins by how people
came in (seeding, invitation, distributor, ...), mutes and departures by cause
(dissatisfied, spam, background), removals by the elimination rule that made
them, moves between groups by the split that made them, purchases.
:func:`member_flows` counts them per replicate, so the report can show, next
to "which arm won", where the arms' members came from and where they went,
with the same 95 % intervals as the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.compare import arm_table

__all__ = ["FLOW_KINDS", "ACCEPTED", "SEEDED", "RunFlows", "member_flows", "largest_differences", "run_flows"]

#: Event kinds counted, in the order they are shown, with the words for them.
FLOW_KINDS = {"join": "joined", "invite": "invitations", "mute": "went silent", "unmute": "spoke again",
              "leave": "left", "eliminate": "removed by the operator", "move": "moved to another group",
              "purchase": "purchases"}
ACCEPTED = "share of invitations accepted"
#: Joins the acquisition plan itself makes (``acquisition.seeding``): set by an arm's design, not a result of it.
SEEDED = ("joined (core)", "joined (blast)")
EVENT_COLUMNS = ["arm", "replicate", "kind", "cause", "joined"]


def member_flows(events: pd.DataFrame, runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per run of ``runs`` (columns ``arm``, ``replicate``): the count of each flow, and the flow names in order.

    A flow is an event kind and cause, e.g. ``"left (dissatisfied)"``;
    invitations count once, whatever their cause, plus the share of them
    accepted. Runs without an event of a flow count 0; flows that never occur
    are left out.
    """
    runs = runs[["arm", "replicate"]].drop_duplicates().reset_index(drop=True)
    ev = events[events["kind"].astype(str).isin(FLOW_KINDS)]
    kind, cause = ev["kind"].astype(str), ev["cause"].astype(str)
    name = np.where((kind == "invite") | (cause == "none"), kind.map(FLOW_KINDS),
                    kind.map(FLOW_KINDS) + " (" + cause + ")")
    counts = (ev.assign(flow=name).groupby(["arm", "replicate", "flow"], observed=True).size()
              .unstack("flow", fill_value=0))
    order = sorted(counts.columns, key=lambda f: (list(FLOW_KINDS.values()).index(f.split(" (")[0]), f))
    table = runs.merge(counts[order].reset_index(), on=["arm", "replicate"], how="left").fillna({f: 0 for f in order})
    if FLOW_KINDS["invite"] in order:
        sent = table[FLOW_KINDS["invite"]]
        accepted = ev[(kind == "invite") & (ev["joined"] == 1)].groupby(["arm", "replicate"], observed=True).size()
        got = runs.set_index(["arm", "replicate"]).index.map(accepted.to_dict()).to_numpy(float)
        table[ACCEPTED] = np.where(sent > 0, np.nan_to_num(got) / sent.where(sent > 0, 1), np.nan)
        order.insert(order.index(FLOW_KINDS["invite"]) + 1, ACCEPTED)
    return table, order


def largest_differences(arm_means: pd.DataFrame, top: int = 3) -> list[str]:
    """The ``top`` counted flows whose mean per replicate differs most between arms (largest minus smallest
    arm mean, in events per replicate), leaving out the seeding's own joins (:data:`SEEDED`) and flows that
    do not differ.

    ``arm_means`` has one row per flow and one column per arm.
    """
    counts = arm_means.drop(index=[ACCEPTED, *SEEDED], errors="ignore")
    spread = counts.max(axis=1) - counts.min(axis=1)
    return list(spread[spread > 0].sort_values(ascending=False, kind="stable").index[:top])


@dataclass(frozen=True)
class RunFlows:
    """The member flows of a run folder, per arm."""

    stats: pd.DataFrame  # sim.compare.arm_table rows: outcome (= flow), arm, n, mean, lo, hi
    means: pd.DataFrame  # mean per replicate, one row per flow (in the order shown), one column per arm
    largest: list[str]  # the flows that differ most between arms (largest_differences)

    def differences_text(self) -> list[tuple[str, str]]:
        """``(flow, "arm mean, arm mean, ...")`` for each of ``largest``."""
        from sim.htmlpage import num

        return [(f, ", ".join(f"{a} {num(self.means.at[f, a])}" for a in self.means.columns)) for f in self.largest]


def run_flows(run_dir: str | Path, runs: pd.DataFrame, arms: list[str]) -> RunFlows | None:
    """:func:`member_flows` of the run folder's ``events.parquet`` for ``runs`` (``arm``, ``replicate``), summarised
    per arm of ``arms``; ``None`` when the folder has no event log or the log no flow."""
    path = Path(run_dir) / "events.parquet"
    if not path.exists():
        return None
    table, order = member_flows(pd.read_parquet(path, columns=EVENT_COLUMNS), runs)
    if not order:
        return None
    stats = arm_table(table, order)
    means = stats.pivot(index="outcome", columns="arm", values="mean").loc[order, arms]
    return RunFlows(stats, means, largest_differences(means) if len(arms) > 1 else [])
