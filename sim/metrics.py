"""Daily reporters (MODEL.md §4) and run summaries, computed from arrays.

``day_metrics`` gives one row per day for the whole model (recorded by
``CommunityModel``'s Mesa ``DataCollector``), ``group_day_metrics`` one row per
group per day (kept by the model as one set of arrays per day). ``summarize`` turns a run's daily table into the
one-row outcomes that scenarios and sweeps compare.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.kernels import day_totals, member_totals, tree_depths
from sim.phases import Today
from sim.state import Role, World, role_set, zero_pad

LURK_WINDOW = 14  # days without a post after which a member counts as a lurker [001]
HELPER_ROLES = role_set(Role.CORE, Role.ADMIN, Role.KOL, Role.DISTRIBUTOR, Role.PARTNER)
DISTRIBUTING_ROLES = role_set(Role.DISTRIBUTOR, Role.OWNER)


def top_shares(x: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Per ``q`` of ``qs``: share of the total held by the top ``q`` fraction of entries (at least one entry).

    The top entries of a larger ``q`` hold those of a smaller one, so each smaller
    ``q`` partitions only the previous top slice (the top 1 % costs a tenth of the
    work after the top 10 %). Sums of integer counts are exact in any order.
    """
    total = x.sum()
    if len(x) == 0 or total <= 0:
        return [float("nan")] * len(qs)
    shares, top = {}, x
    for q in sorted(set(qs), reverse=True):
        k = max(1, int(np.ceil(q * len(x))))
        top = np.partition(top, len(top) - k)[len(top) - k:]
        shares[q] = float(top.sum() / total)
    return [shares[q] for q in qs]


def group_depths(parent: np.ndarray) -> np.ndarray:
    """Depth of every group in the fission tree (roots 0).

    Groups are numbered in the order they open, so a parent precedes its
    children and one compiled pass suffices (thousands of groups, read daily).

    >>> group_depths(np.array([-1, 0, 0, 1, -1])).tolist()
    [0, 1, 1, 2, 0]
    """
    return tree_depths(np.asarray(parent, np.int64))


def tree_shape(w: World, members: np.ndarray) -> dict[str, float]:
    """Depth and breadth of the fission tree over groups with members, and the share of members in child groups."""
    depth = group_depths(w.groups.parent)
    live = members > 0
    total = members.sum()
    return {
        "tree_depth": int(depth[live].max()) if live.any() else 0,
        "tree_breadth": int(np.bincount(depth[live]).max()) if live.any() else 0,
        "child_member_share": float(members[w.groups.parent >= 0].sum() / total) if total else float("nan"),
    }


def group_day_metrics(w: World, t: Today) -> dict[str, np.ndarray]:
    """Per-group arrays for today (index = group id); computed over the day's start rows."""
    ms, G = w.ms, w.groups.n
    members, lurk, trust, satisfaction = member_totals(w.ms.live_rows(), ms.group, G, ms.last_post,
                                                       w.day - LURK_WINDOW, ms.trust, ms.satisfaction)
    ugc_g, active, helpers = day_totals(ms.group[t.rows], G, t.ugc, t.active, HELPER_ROLES[ms.role[t.rows]])
    # groups opened during the day (overflow, splits) had no content yet: pad with zeros
    pgc_g, ads_g, on_g = (zero_pad(x, G) for x in (t.pgc_g, t.ads_g, t.on_g))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "members": members,
            "active": active,
            "ugc": ugc_g,
            "pgc": pgc_g,
            "ads": ads_g,
            "on_topic": on_g,
            "lurker_share": lurk / members,
            "mean_trust": trust / members,
            "mean_satisfaction": satisfaction / members,
            "workload": pgc_g + w.params.content.question_share * ugc_g / (1.0 + helpers),
        }


def day_metrics(w: World, t: Today, gm: dict[str, np.ndarray]) -> dict[str, Any]:
    """Model-level metrics of today (MODEL.md §4)."""
    ms = w.ms
    rows = ms.live_rows()
    members = len(rows)
    ugc = float(t.ugc.sum())
    pgc = float(t.pgc_g.sum())
    ads = float(t.ads_g.sum())
    msgs = ugc + pgc + ads
    posts = ms.posts[rows].astype(np.float64)
    top1, top10 = top_shares(posts, (0.01, 0.10))
    c = t.counts
    nan = float("nan")
    return {
        "members": members,
        "groups": int((gm["members"] > 0).sum()),
        "daily_active": int(t.active.sum()),
        "ugc_posts": ugc,
        "pgc_posts": pgc,
        "ads": ads,
        "effective_activity": float(t.ugc_on.sum()),
        "ugc_pgc_ratio": ugc / pgc if pgc else nan,
        "lurker_share": float(np.mean(ms.last_post[rows] <= w.day - LURK_WINDOW)) if members else nan,
        "muted_share": float(np.mean(ms.muted[rows])) if members else nan,
        "top1_share": top1,
        "top10_share": top10,
        "invites": c.get("invites", 0),
        "joins": c.get("joins", 0),
        "leaves": c.get("leaves", 0),
        "mutes": c.get("mutes", 0),
        "purchases": c.get("purchases", 0),
        "revenue": c.get("revenue", 0.0),
        "operator_workload": float(gm["workload"].sum()),
        "spam_share": ads / msgs if msgs else 0.0,
        "mean_alignment": float(ms.alignment[rows].mean()) if members else nan,
        "mean_trust": float(ms.trust[rows].mean()) if members else nan,
        "mean_satisfaction": float(ms.satisfaction[rows].mean()) if members else nan,
        "mean_engagement": float(ms.engagement[rows].mean()) if members else nan,
        "strong_tie_share": (t.strong_same_group_ties / t.same_group_ties) if t.same_group_ties else nan,
        "max_group_size": int(gm["members"].max()) if len(gm["members"]) else 0,
        "eliminated": c.get("eliminated", 0),
        "entry_fees": c.get("entry_fees", 0.0),
        "fund_paid": c.get("fund_paid", 0.0),
        "admin_dues": c.get("admin_dues", 0.0),
        "splits": int((w.groups.created == w.day).sum()),
        **tree_shape(w, gm["members"]),
        "admins": int((ms.role[rows] == Role.ADMIN).sum()),
        "distributors": int(DISTRIBUTING_ROLES[ms.role[rows]].sum()),
        "attendees": c.get("attendees", 0),
        "operator_cost": c.get("operator_cost", 0.0),
    }


OUTCOMES: dict[str, str] = {
    "members_final": "members at the horizon",
    "daily_active_final": "daily active members at the horizon (mean of the last 7 days)",
    "revenue_total": "revenue over the run (currency)",
    "lurker_share_final": "share of members who posted nothing in the last 14 days, at the horizon",
    "groups_final": "groups with at least one member at the horizon",
    "days_to_150": "first day a group reached 150 members (NaN if never)",
    "peak_members": "largest member count over the run",
    "effective_activity_final": "on-topic member posts per day (mean of the last 7 days)",
}


LOWER_IS_BETTER = frozenset({"lurker_share_final", "days_to_150"})


def summarize(metrics) -> dict[str, float]:
    """One row of outcomes (see ``OUTCOMES``) from a run's daily metrics DataFrame."""
    last = metrics.tail(7)
    reached = metrics.index[metrics["max_group_size"] >= 150]
    return {
        "members_final": float(metrics["members"].iloc[-1]),
        "daily_active_final": float(last["daily_active"].mean()),
        "revenue_total": float(metrics["revenue"].sum()),
        "lurker_share_final": float(metrics["lurker_share"].iloc[-1]),
        "groups_final": float(metrics["groups"].iloc[-1]),
        "days_to_150": float(metrics.loc[reached[0], "day"]) if len(reached) else float("nan"),
        "peak_members": float(metrics["members"].max()),
        "effective_activity_final": float(last["effective_activity"].mean()),
    }
