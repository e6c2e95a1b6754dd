"""Sweep throughput: parallel efficiency of the executors and their per-run overhead.

One sweep of ``--runs`` runs (default 200: a 100-point grid x 2 replicates of
the simulator at ``--persons`` persons and ``--days`` days) is run three ways
into fresh folders: in this process, on ``--jobs`` local processes, and on a
Dask ``LocalCluster`` of ``--jobs`` workers. Reported:

* ``model_s``: the summed time of the bare model runs (``CommunityModel(...).run``,
  measured in this process without the sweep machinery), for context;
* per executor the wall time, runs/s and parallel efficiency
  ``T_inprocess / (jobs x T_executor)`` (start-up and shut-down included);
* per executor the overhead per run: ``jobs x wall / runs`` for the same
  number of runs of the Ishigami function (``model = "ishigami"``, which costs
  microseconds), i.e. everything the sweep machinery adds to a run: task
  shipping, seeds, outcomes table, Parquet part, manifest, scheduling, and
  the executor's start-up spread over the runs.

Wall-clock numbers depend on what else the machine is doing: the load average
at the start is printed with them. Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--runs 200] [--jobs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.model import CommunityModel  # noqa: E402
from sim.params import Params  # noqa: E402
from sim.sweep import DaskExecutor, InProcessExecutor, ProcessExecutor, parse_sweep, run_sweep  # noqa: E402


def sweep_text(runs: int, persons: int, days: int) -> str:
    points = runs // 2
    return f"""
[sweep]
sampler = "grid"
replicates = 2
days = {days}
seed = 1
outcomes = ["members_final", "revenue_total", "lurker_share_final"]
[base]
n_persons = {persons}
[parameters]
budget = {{range = [200, 1200], steps = {points}}}
"""


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--persons", type=int, default=3000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    sweep = parse_sweep(sweep_text(args.runs, args.persons, args.days), "bench_sweep.toml")
    tasks = sweep.tasks()
    trivial = parse_sweep(f'[sweep]\nmodel = "ishigami"\nsampler = "lhs"\nsamples = {len(tasks)}\n'
                          '[parameters]\nx1 = {range = [-3, 3]}\nx2 = {range = [-3, 3]}\nx3 = {range = [-3, 3]}\n',
                          "bench_overhead.toml")
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    for t in tasks:
        CommunityModel(Params().with_overrides(dict(t.overrides)), rng=t.seed).run(t.days)
    model_s = time.perf_counter() - t0

    out = {"runs": len(tasks), "jobs": args.jobs, "persons": args.persons, "days": args.days,
           "cpu_count": os.cpu_count(), "load_average_1min_at_start": load, "model_s": model_s, "executors": {}}
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    makers = [("inprocess", InProcessExecutor, 1), ("process", lambda: ProcessExecutor(args.jobs), args.jobs)]
    if not args.no_dask:
        makers.append(("dask", lambda: DaskExecutor(workers=args.jobs), args.jobs))
    try:
        for name, make, workers in makers:
            start = time.perf_counter()
            with make() as ex:  # start-up and shut-down are part of the cost
                res = run_sweep(sweep, tmp / name, ex)
            wall = time.perf_counter() - start
            assert res.complete and res.ran == len(tasks)
            start = time.perf_counter()
            with make() as ex:
                assert run_sweep(trivial, tmp / f"{name}-ishigami", ex).complete
            bare = time.perf_counter() - start
            out["executors"][name] = {"workers": workers, "wall_s": wall, "runs_per_s": len(tasks) / wall,
                                      "overhead_ms_per_run": 1000 * workers * bare / trivial.n_runs()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    serial = out["executors"]["inprocess"]["wall_s"]
    for name, r in out["executors"].items():
        r["parallel_efficiency"] = serial / (r["workers"] * r["wall_s"])

    print(f"sweep of {len(tasks)} runs ({args.persons} persons x {args.days} days), {os.cpu_count()} cores, "
          f"load average {load:.2f} at start; bare model time {model_s:.1f} s ({1000 * model_s / len(tasks):.0f} ms/run)")
    print(f"{'executor':<10} {'workers':>7} {'wall s':>8} {'runs/s':>7} {'efficiency':>10} {'overhead ms/run':>16}")
    for name, r in out["executors"].items():
        print(f"{name:<10} {r['workers']:>7} {r['wall_s']:>8.1f} {r['runs_per_s']:>7.1f} "
              f"{r['parallel_efficiency']:>10.0%} {r['overhead_ms_per_run']:>16.1f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
