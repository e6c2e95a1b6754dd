"""Arm comparisons from a run's ``summary.csv``: means, intervals, paired differences, verdicts.

Replicate ``r`` of every arm shares its seed (common random numbers), so arms
are compared *paired* by replicate: the difference per replicate has a much
smaller spread than either arm. Intervals are 95 % Student-t intervals over
replicates. The terminal table and the HTML report both read these functions,
so the words a reader sees always match the numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import LOWER_IS_BETTER

__all__ = ["mean_ci", "arm_table", "verdicts", "verdict_sentence"]


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of the finite entries of ``x`` (NaNs when fewer than 1)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if len(x) == 1:
        return (m, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return (m, m - half, m + half)


def arm_table(summary: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One row per outcome x arm: ``n``, ``mean``, ``lo``, ``hi`` (95 % interval)."""
    rows = []
    for outcome in outcomes:
        for arm, sub in summary.groupby("arm", sort=False):
            m, lo, hi = mean_ci(sub[outcome].to_numpy())
            rows.append({"outcome": outcome, "arm": arm, "n": int(np.isfinite(sub[outcome]).sum()),
                         "mean": m, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def verdicts(summary: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome: which arm is ahead of the runner-up, by how much, and whether it is clear.

    The leader is the arm with the best mean (highest, or lowest for outcomes in
    ``LOWER_IS_BETTER``). The difference leader - runner-up is computed per
    replicate (paired by ``replicate``); ``clear`` means its 95 % interval
    excludes zero. ``rel`` is the difference relative to the runner-up's mean
    (its interval cut at -100 % when the outcome is never negative), ``wins`` the
    replicates in which the leader did better.
    """
    rows = []
    arms = list(dict.fromkeys(summary["arm"]))
    for outcome in outcomes:
        lower = outcome in LOWER_IS_BETTER
        wide = summary.pivot_table(index="replicate", columns="arm", values=outcome, aggfunc="first", dropna=False)
        means = {a: float(np.nanmean(wide[a])) if a in wide and np.isfinite(wide[a]).any() else math.nan
                 for a in arms}
        ranked = sorted((a for a in arms if math.isfinite(means[a])), key=lambda a: means[a], reverse=not lower)
        row = {"outcome": outcome, "lower_is_better": lower, "leader": None, "runner_up": None,
               "diff": math.nan, "diff_lo": math.nan, "diff_hi": math.nan, "rel": math.nan,
               "rel_lo": math.nan, "rel_hi": math.nan, "wins": 0, "n": 0, "clear": False}
        if len(ranked) >= 2:
            a, b = ranked[0], ranked[1]
            d = (wide[a] - wide[b]).to_numpy(float)
            d = d[np.isfinite(d)]
            diff, lo, hi = mean_ci(d)
            base = abs(means[b])
            row.update(leader=a, runner_up=b, diff=diff, diff_lo=lo, diff_hi=hi, n=len(d),
                       wins=int(((d < 0) if lower else (d > 0)).sum()),
                       clear=bool(np.isfinite(lo) and (lo > 0 or hi < 0)))
            if base > 0:
                rel_lo, rel_hi = lo / base, hi / base
                values = wide[[a, b]].to_numpy(float)
                if (values[np.isfinite(values)] >= 0).all():
                    # an outcome that cannot be negative cannot fall by more than 100 %: a t-interval from
                    # few noisy pairs can reach past -100 %, which is outside the parameter's range
                    rel_lo, rel_hi = max(rel_lo, -1.0), max(rel_hi, -1.0)
                row.update(rel=diff / base, rel_lo=rel_lo, rel_hi=rel_hi)
        elif len(ranked) == 1:
            row.update(leader=ranked[0])
        rows.append(row)
    return pd.DataFrame(rows)


def _pct(x: float) -> str:
    return f"{100 * x:+.0f} %" if math.isfinite(x) else "n/a"


def verdict_sentence(v: pd.Series | dict) -> str:
    """Plain words for one row of :func:`verdicts`, e.g.

    ``core ahead on revenue_total by +18 % [+9 %, +27 %], clear (better in 19 of 20 replicates)``.
    """
    v = dict(v)
    if pd.isna(v["leader"]):
        return f"{v['outcome']}: no arm has data"
    if pd.isna(v["runner_up"]):
        return f"{v['outcome']}: only {v['leader']} has data (other arms: not reached / undefined)"
    better = "lower" if v["lower_is_better"] else "higher"
    if math.isfinite(v["rel"]):
        size = f"by {_pct(v['rel'])} [{_pct(v['rel_lo'])}, {_pct(v['rel_hi'])}]"
    else:
        size = f"by {v['diff']:.3g} [{v['diff_lo']:.3g}, {v['diff_hi']:.3g}]"
    tally = f"better in {v['wins']} of {v['n']} replicates"
    if v["clear"]:
        return f"{v['leader']} ahead of {v['runner_up']} on {v['outcome']} ({better} is better) {size}, clear ({tally})"
    return (f"no clear difference on {v['outcome']}: {v['leader']} leads {v['runner_up']} {size}, "
            f"interval includes zero ({tally})")
