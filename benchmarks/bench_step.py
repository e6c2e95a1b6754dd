"""Speed and memory of one run of the array engine (or the reference) at a given size.

Run one size per process so the peak RSS (``ru_maxrss``) belongs to that size::

    python benchmarks/bench_step.py --persons 100000 --days 365          # a table row
    python benchmarks/bench_step.py --persons 10000 --days 60 --json     # for run_all.py
    python benchmarks/bench_step.py --persons 100000 --all-policies --phases   # where a day's time goes

The scenario (``SCENARIO``) keeps many members all along: a blast seeding of
30 % of the population into groups of 500 (overflow opens the others) with a
value expectation low enough that groups do not empty out. Member-days per
second counts memberships stepped (the members at the start of each day), not
persons; it is given per wall-clock second and per CPU second of this process
(``time.process_time``), which is less sensitive to other jobs on a shared machine. Construction is timed in parts: population traits, the social graph,
then the whole ``CommunityModel`` constructor (traits, graph, agents, seeding).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from sim import CommunityModel, Params  # noqa: E402
from sim.network import build_ties  # noqa: E402
from sim.policies import ALL_POLICIES  # noqa: E402  (issue 4: the core speed must hold with every family on)
from sim.state import Population  # noqa: E402


def scenario(n_persons: int) -> dict:
    """Parameter overrides of the benchmark scenario at ``n_persons``."""
    return {"n_persons": n_persons, "seeding": "blast", "budget": 0.3 * n_persons,
            "expectation": 0.3, "w_spam": 1.0}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB; Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_construction(n_persons: int, seed: int = 1) -> dict:
    """Seconds to draw the population and to generate the graph, alone."""
    params = Params().with_overrides(scenario(n_persons))
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    pop = Population.generate(params, rng)
    t1 = time.perf_counter()
    ties = build_ties(params, pop.values, rng)
    t2 = time.perf_counter()
    return {"population_s": t1 - t0, "graph_s": t2 - t1, "ties": int(len(ties.indices) // 2)}


def run_engine(model_cls, n_persons: int, days: int, seed: int = 1, **kwargs) -> dict:
    """Build and run one model; member-days are the members at the start of each day."""
    t0, c0 = time.perf_counter(), time.process_time()
    model = model_cls(rng=seed, **scenario(n_persons), **kwargs)
    t1, c1 = time.perf_counter(), time.process_time()
    model.run(days)
    t2, c2 = time.perf_counter(), time.process_time()
    members = model.metrics()["members"].to_numpy()
    start_of_day = np.concatenate([[members[0]], members[:-1]])  # day 1 starts with the seeded members
    member_days = int(start_of_day.sum())
    return {"engine": model_cls.__name__, "persons": n_persons, "days": days, "build_s": t1 - t0,
            "run_s": t2 - t1, "member_days": member_days, "members_mean": float(members.mean()),
            "members_final": int(members[-1]), "groups_final": int(model.metrics()["groups"].iloc[-1]),
            "md_per_s": member_days / (t2 - t1), "step_ms": 1000 * (t2 - t1) / days,
            "build_cpu_s": c1 - c0, "run_cpu_s": c2 - c1, "md_per_cpu_s": member_days / (c2 - c1)}


def measure(n_persons: int, days: int, **policies) -> dict:
    """The array engine at one size: the run first (so peak RSS is the run's), then construction parts."""
    out = run_engine(CommunityModel, n_persons, days, **policies)
    out["peak_rss_mb"] = peak_rss_mb()
    out.update(time_construction(n_persons))
    return out


def measure_phases(n_persons: int, days: int, **policies) -> dict:
    """The run of :func:`measure` with each daily phase (and the day's recording) timed: ms per day.

    The model's phase table is wrapped for this process only; the timers add a
    few microseconds a day and change nothing in the run.
    """
    from sim import model as model_module

    spent = {name: 0.0 for name in model_module._PHASES} | {"record metrics": 0.0}

    def timed(name, fn):
        def run(*args, **kwargs):
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            spent[name] += time.perf_counter() - t0
            return out
        return run

    phases, record = model_module._PHASES, CommunityModel._record
    model_module._PHASES = {name: timed(name, fn) for name, fn in phases.items()}
    CommunityModel._record = timed("record metrics", record)
    try:
        out = run_engine(CommunityModel, n_persons, days, **policies)
    finally:
        model_module._PHASES, CommunityModel._record = phases, record
    out["phase_ms_per_day"] = {k: 1000 * v / days for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    out["other_ms_per_day"] = out["step_ms"] - sum(out["phase_ms_per_day"].values())
    return out


def versus_reference(n_persons: int, days: int) -> dict:
    """Array engine and the per-agent reference, same parameters, same process, one after the other."""
    from sim.reference import ReferenceModel

    return {"array": run_engine(CommunityModel, n_persons, days),
            "reference": run_engine(ReferenceModel, n_persons, days, schedule="members"),
            "reference_all": run_engine(ReferenceModel, n_persons, days, schedule="all")}


def profile(n_persons: int, days: int, top: int = 15) -> dict:
    """cProfile of ``days`` steps (after construction) of the array engine: the top functions by own time."""
    import cProfile
    import pstats

    model = CommunityModel(rng=1, **scenario(n_persons))
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    model.run(days)
    elapsed = time.perf_counter() - t0
    prof.disable()
    stats = pstats.Stats(prof).stats
    total = sum(v[2] for v in stats.values())
    rows = sorted(((v[2], v[3], v[1], f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, v in stats.items()),
                  reverse=True)[:top]
    return {"persons": n_persons, "days": days, "run_s": elapsed, "profiled_s": total,
            "top": [{"function": f, "calls": c, "own_s": own, "cum_s": cum} for own, cum, c, f in rows]}


def machine() -> dict:
    """A short description of this machine and software."""
    import mesa

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem_gb = round(kb / 1024**2, 1)
    except (OSError, StopIteration):
        pass
    import os

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(),
            "numpy": np.__version__, "mesa": mesa.__version__, "os": platform.platform()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--json", action="store_true", help="print one JSON object (for run_all.py)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--reference", action="store_true", help="also run the reference model, same process")
    mode.add_argument("--profile", action="store_true", help="cProfile the run, list the hot spots")
    ap.add_argument("--all-policies", action="store_true", help="switch every policy family on (ALL_POLICIES)")
    ap.add_argument("--phases", action="store_true", help="time each daily phase (ms per day)")
    args = ap.parse_args(argv)
    if args.reference or args.profile:
        res = (versus_reference if args.reference else profile)(args.persons, args.days)
        print(json.dumps(res) if args.json else json.dumps(res, indent=1))
        return
    policies = ALL_POLICIES if args.all_policies else {}
    res = measure_phases(args.persons, args.days, **policies) if args.phases \
        else measure(args.persons, args.days, **policies)
    if args.json:
        print(json.dumps(res))
        return
    print(f"{res['persons']:>9,} persons x {res['days']} days: {res['members_mean']:,.0f} members on average, "
          f"{res['md_per_s']:,.0f} member-days/s, build {res['build_s']:.2f} s"
          + (f" (graph {res['graph_s']:.2f} s), peak RSS {res['peak_rss_mb']:,.0f} MB" if "graph_s" in res else ""))
    for name, ms in res.get("phase_ms_per_day", {}).items():
        print(f"  {name:15s} {ms:7.2f} ms/day")
    if "other_ms_per_day" in res:
        print(f"  {'other':15s} {res['other_ms_per_day']:7.2f} ms/day (tie merge, compaction, agents, streams)")


if __name__ == "__main__":
    main()
