"""Custom playbook: how to split one acquisition budget between a core and a blast (a scenario script).

A TOML scenario lists its arms one by one and compares the outcomes of
``sim.metrics.OUTCOMES``. A script uses the same API for what TOML cannot say:
here it *generates* the arms (the share of the budget spent on a screened core,
from 0 = pure blast to 1 = pure core, in ``--steps`` steps of the ``hybrid``
seeding policy [000-2]) and adds an outcome of its own computed from the run's
tables (revenue per member-day: how much each day of a member's attention
earns). It runs through the same runner as ``community-sim run``: same run
folder, resumable after Ctrl-C, figures and report.

Run it from the repository root::

    python scenarios/custom_playbook.py                       # 5 arms x 10 replicates x 90 days
    python scenarios/custom_playbook.py --days 30 --replicates 4 --out results/playbook_quick

How to read the result: the comparison table says which budget split is ahead
on each outcome; the last table gives revenue per member-day per split with 95 %
intervals. If the seed's claim [000-2] holds, the core-heavy splits lead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.compare import mean_ci
from sim.runner import comparison_text, run_scenario
from sim.scenario import Scenario, from_dict


def build(days: int, replicates: int, steps: int, n_persons: int, seed: int = 7) -> Scenario:
    """One arm per core share of the budget, validated like any scenario file."""
    shares = np.linspace(0.0, 1.0, steps)
    arms = {f"core_{round(100 * s):03d}pct": {"description": f"{100 * s:.0f} % of the budget on a screened core",
                                              "seeding": "hybrid", "hybrid_core_share": float(s)}
            for s in shares}
    doc = {
        "scenario": {"name": "custom_playbook", "days": days, "replicates": replicates, "seed": seed,
                     "description": "Split one acquisition budget between a screened core and a blast [000-2]",
                     "question": "Which share of the budget should go to a screened core?",
                     "outcomes": ["revenue_total", "daily_active_final", "members_final", "lurker_share_final"]},
        "base": {"budget": 600.0, "n_persons": n_persons},
        "arms": arms,
    }
    return from_dict(doc, __file__)


def revenue_per_member_day(run_dir: Path) -> pd.DataFrame:
    """Per arm: mean and 95 % interval over replicates of revenue / member-days."""
    metrics = pd.read_parquet(run_dir / "metrics.parquet")
    per_run = metrics.groupby(["arm", "replicate"], sort=False).apply(
        lambda d: d["revenue"].sum() / max(d["members"].sum(), 1), include_groups=False)
    rows = [(arm, *mean_ci(values.to_numpy())) for arm, values in per_run.groupby(level="arm", sort=False)]
    return pd.DataFrame(rows, columns=["arm", "mean", "lo", "hi"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--replicates", type=int, default=10)
    p.add_argument("--steps", type=int, default=5, help="budget splits from pure blast to pure core")
    p.add_argument("--n-persons", type=int, default=20_000)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--out", type=Path, default=Path("results/custom_playbook"))
    p.add_argument("--no-figures", action="store_true")
    args = p.parse_args()

    scenario = build(args.days, args.replicates, args.steps, args.n_persons)
    result = run_scenario(scenario, args.out, jobs=args.jobs, figures=not args.no_figures)
    print(comparison_text(result.summary, scenario.outcomes))
    print("\nrevenue per member-day (currency), mean and 95 % interval over replicates:")
    for row in revenue_per_member_day(args.out).itertuples():
        print(f"  {row.arm:<14} {row.mean:8.3f}  [{row.lo:.3f}, {row.hi:.3f}]")
    print(f"\noutputs in {args.out}/")


if __name__ == "__main__":
    main()
