"""Parameter sweeps: sweep files, samplers (SALib), executors, resumable runs (DESIGN.md §5).

A sweep crosses a *design* (points in parameter space drawn by a sampler) with
the sweep's arms and replicates. Every (sample, arm, replicate) is one run of
the model; each finished run is written by :class:`sim.store.Store` as its own
Parquet part, so a sweep killed at any point resumes with exactly the runs that
are missing. A sweep file is data only (TOML)::

    [sweep]
    name = "seeding_frontier"
    question = "When does a small core beat a blast at equal budget?"
    sampler = "sobol"          # grid | lhs | sobol | morris  (SALib draws the samples)
    samples = 64               # lhs: points; sobol: base N (power of 2); morris: trajectories
    replicates = 2             # per sample and arm; replicate r of every arm shares one seed
    days = 90
    seed = 7
    compare = ["core", "blast"]   # optional: arm A vs arm B (P(A beats B), sensitivity of A - B)
    metrics = false               # also store each run's daily metrics table
    outcomes = ["revenue_total",                               # a name from sim.metrics.OUTCOMES
                {name = "members_d30", metric = "members", day = 30},   # a daily metric on a day
                {name = "peak_groups", metric = "groups", stat = "max"},  # or a statistic of it
                {name = "workload", metric = "operator_workload", stat = "mean", better = "lower"}]

    [base]                     # overrides applied to every run (validated like a scenario's)
    n_persons = 5000

    [arms.core]                # optional; without arms every point runs once per replicate
    seeding = "core"
    [arms.blast]
    seeding = "blast"

    [parameters]               # the factors: a parameter path and its levels or range
    values_dispersion = {range = [0.3, 3.0], dist = "loguniform"}
    "network.triad_prob" = {range = [0.0, 0.9]}
    budget = {levels = [300, 600, 1200]}      # levels: grid, or a discrete uniform choice
    pgc_per_day = {range = [0.5, 6], steps = 4}   # grid: 4 evenly spaced levels

    [quick]                    # what --quick changes (the test suite runs it)
    samples = 4
    replicates = 1
    days = 20
    base = {n_persons = 400}

Samplers are SALib's (``latin``, ``sobol`` with scrambling, ``morris``) drawn
in the unit hypercube; each factor then maps its unit column to values with
the inverse CDF of its distribution (uniform, loguniform, triangular,
truncnormal), and rounds for integer parameters. ``grid`` is the full
factorial of every factor's levels, in file order.

The seed of a run derives from the sweep seed and the run's position
(sample, replicate) only, never from the executor, the number of workers or
the order runs finish: the same sweep gives the same tables in process, on
local processes or on a Dask cluster. All arms at one (sample, replicate)
share a seed (common random numbers: paired comparisons).

Validation is complete before anything runs and raises :class:`SweepError`
(a :class:`~sim.scenario.ScenarioError`: file, field, value, what is allowed,
"did you mean").

``model = "ishigami"`` evaluates the Ishigami function (parameters ``x1, x2,
x3`` in [-pi, pi]) instead of the simulator; its Sobol indices are known
analytically, so it checks the sampler -> store -> analysis path end to end.

Examples
--------
>>> s = parse_sweep('[sweep]\\nsampler = "grid"\\nreplicates = 2\\ndays = 5\\n'
...                 '[parameters]\\nbudget = {levels = [100, 200]}\\n', "demo.toml")
>>> [t.run_id for t in s.tasks()]
['s000000-base-r000', 's000000-base-r001', 's000001-base-r000', 's000001-base-r001']
>>> s.tasks()[0].seed == s.tasks()[2].seed    # replicate 0 of every sample shares a seed
False
>>> parse_sweep('[sweep]\\nsampler = "sobl"\\n[parameters]\\nbudget = {range = [1, 2]}\\n', "x.toml")
Traceback (most recent call last):
...
sim.sweep.SweepError: x.toml: sweep.sampler = 'sobl': must be one of 'grid', 'lhs', 'sobol', 'morris' (did you mean 'sobol'?)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import itertools
import json
import math
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from sim.metrics import LOWER_IS_BETTER, OUTCOMES, summarize
from sim.executors import DaskExecutor, Executor, InProcessExecutor, ProcessExecutor, make_executor
from sim.params import ParamError, Params, did_you_mean, resolve_key
from sim.scenario import (ARM_NAME, ScenarioError, apply_overrides, check_integer, check_keys, dumps_toml,
                          parse_toml, read_toml_text, value_error)
from sim.store import (Store, finished_entry, git_revision, other_revision_warning, write_json, write_parquet,
                       write_text)

__all__ = ["SweepError", "Factor", "OutcomeSpec", "Task", "Sweep", "load_sweep", "parse_sweep",
           "run_seed", "run_sweep", "compact_sweep", "SweepResult", "Executor", "InProcessExecutor",
           "ProcessExecutor", "DaskExecutor", "make_executor", "SAMPLERS", "DISTS", "STATS"]

SAMPLERS = ("grid", "lhs", "sobol", "morris")
DISTS = ("uniform", "loguniform", "triangular", "truncnormal")
STATS = ("final", "max", "min", "mean", "sum", "first_day_at_least")
MODELS = ("community", "ishigami")
#: Outcomes computed from tables other than the daily metrics (besides sim.metrics.OUTCOMES).
EXTRA_OUTCOMES = {
    "tree_depth": "depth of the fission tree at the horizon (0 = the first group never split)",
    "retention_final": "share of everyone who ever joined who is a member at the horizon",
}
_SWEEP_KEYS = ("name", "description", "question", "model", "sampler", "samples", "morris_levels",
               "replicates", "days", "seed", "compare", "metrics", "outcomes")
_TOP_KEYS = ("sweep", "base", "arms", "parameters", "quick")
_QUICK_KEYS = ("samples", "replicates", "days", "morris_levels", "base")
_OUTCOME_KEYS = ("name", "metric", "day", "stat", "threshold", "better")
_FACTOR_KEYS = ("levels", "range", "steps", "dist", "mode", "mean", "sd")
LIMITS = {"samples": (1, 1_000_000), "morris_levels": (2, 100), "replicates": (1, 10_000),
          "days": (1, 36_500), "seed": (0, 2**63 - 1)}
_DEFAULTS = {"model": "community", "sampler": "grid", "samples": 16, "morris_levels": 4, "replicates": 1,
             "days": 90, "seed": 0, "metrics": False}
MAX_RUNS = 5_000_000
ISHIGAMI = {"x1": (-math.pi, math.pi), "x2": (-math.pi, math.pi), "x3": (-math.pi, math.pi)}


class SweepError(ScenarioError):
    """A sweep file or setting is not allowed; the message names file, field, value and rule."""


def _err(file: str, field: str, value: Any, allowed: str) -> SweepError:
    e = value_error(file, field, value, allowed)
    return SweepError(e.file, e.field, e.message)


def _wrap(e: ScenarioError) -> SweepError:
    return SweepError(e.file, e.field, e.message)


def run_seed(seed: int, sample: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` at design point ``sample`` (shared by every arm).

    >>> run_seed(1, 0, 0) == run_seed(1, 0, 0) != run_seed(1, 0, 1) != run_seed(1, 1, 0)
    True
    """
    state = np.random.SeedSequence(seed, spawn_key=(sample, replicate)).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))  # < 2**63: fits int64 columns


# --------------------------------------------------------------------------- factors
@dataclass(frozen=True)
class Factor:
    """One swept parameter: discrete ``levels`` or a ``range`` with a distribution."""

    name: str                       # dotted parameter path (or x1.. for the analytic model)
    kind: type                      # int, float or str
    levels: tuple | None = None
    lo: float | None = None
    hi: float | None = None
    dist: str = "uniform"
    mode: float | None = None       # triangular
    mean: float | None = None       # truncnormal
    sd: float | None = None

    def grid_levels(self) -> tuple:
        """The levels a grid uses."""
        return self.levels

    def from_unit(self, u: np.ndarray) -> list:
        """Map unit-interval samples to parameter values (inverse CDF; discrete levels uniformly)."""
        from scipy import stats

        u = np.asarray(u, dtype=float)
        if self.levels is not None:
            idx = np.minimum((u * len(self.levels)).astype(int), len(self.levels) - 1)
            return [self.levels[i] for i in idx]
        lo, hi = self.lo, self.hi
        if self.dist == "uniform":
            x = lo + u * (hi - lo)
        elif self.dist == "loguniform":
            x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        elif self.dist == "triangular":
            x = stats.triang.ppf(u, (self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        else:  # truncnormal on [lo, hi]
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        x = np.clip(x, lo, hi)
        return [int(v) for v in np.rint(x)] if self.kind is int else [float(v) for v in x]


def _factor(file: str, key: str, spec: Any, sampler: str, model: str) -> Factor:
    field = f"parameters.{key}"
    if model == "ishigami":
        if key not in ISHIGAMI:
            raise _err(file, field, spec, "unknown parameter of the ishigami model; allowed: x1, x2, x3"
                       + did_you_mean(key, list(ISHIGAMI)))
        name, kind, bounds = key, float, ISHIGAMI[key]
    else:
        try:
            (sec, leaf, _), = resolve_key(key, 0, None)
        except ParamError as e:
            raise _err(file, field, spec, e.allowed) from None
        name = f"{sec}.{leaf}"
        default, pspec = next((d, s) for p, d, s in Params.specs() if p == name)
        kind = {int: int, float: float, str: str}.get(type(default))
        if kind is None:
            raise _err(file, field, spec, "this parameter is a list and cannot be swept; sweep scalar parameters")
        bounds = (pspec.lo, pspec.hi)
    if not isinstance(spec, dict):
        raise _err(file, field, spec, "must be a table such as {levels = [1, 2]} or {range = [0.1, 0.9]}")
    check_keys(file, field, spec, _FACTOR_KEYS, SweepError)
    if ("levels" in spec) == ("range" in spec):
        raise _err(file, field, spec, "give exactly one of levels = [...] or range = [lo, hi]")

    def check(value: Any, where: str) -> Any:
        if model == "ishigami":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise _err(file, where, value, "must be a finite number")
            return float(value)
        try:
            return getattr(getattr(Params().with_overrides({name: value}), name.split(".")[0]), name.split(".")[1])
        except ParamError as e:
            raise _err(file, where, value, e.allowed) from None

    if "levels" in spec:
        levels = spec["levels"]
        if not isinstance(levels, list) or not levels:
            raise _err(file, f"{field}.levels", levels, "must be a non-empty list of values")
        values = tuple(check(v, f"{field}.levels") for v in levels)
        if len(set(values)) != len(values):
            raise _err(file, f"{field}.levels", levels, "lists a value twice")
        extra = sorted(set(spec) - {"levels"})
        if extra:
            raise _err(file, f"{field}.{extra[0]}", spec[extra[0]], "only applies to range = [lo, hi]")
        return Factor(name, kind, levels=values)

    rng = spec["range"]
    if kind is str:
        raise _err(file, f"{field}.range", rng, "a named choice has no range; give levels = [...]")
    if not (isinstance(rng, list) and len(rng) == 2):
        raise _err(file, f"{field}.range", rng, "must be [lo, hi]")
    lo, hi = (check(v, f"{field}.range") for v in rng)
    if not lo < hi:
        raise _err(file, f"{field}.range", rng, "needs lo < hi")
    if "steps" in spec:
        steps = spec["steps"]
        if not isinstance(steps, int) or isinstance(steps, bool) or not 2 <= steps <= 1000:
            raise _err(file, f"{field}.steps", steps, "must be an integer in [2, 1000]")
        if sampler != "grid":
            raise _err(file, f"{field}.steps", steps, f"only applies to sampler = 'grid' (this sweep uses {sampler!r})")
        if set(spec) - {"range", "steps"}:
            raise _err(file, field, spec, "a grid range takes only range and steps")
        values = np.linspace(lo, hi, steps)
        levels = tuple(dict.fromkeys(int(round(v)) if kind is int else float(v) for v in values))
        return Factor(name, kind, levels=levels)
    if sampler == "grid":
        raise _err(file, field, spec, "a grid needs levels = [...] or range = [lo, hi] with steps = N")
    dist = spec.get("dist", "uniform")
    if dist not in DISTS:
        raise _err(file, f"{field}.dist", dist, "must be one of " + ", ".join(map(repr, DISTS)) + did_you_mean(str(dist), DISTS))
    needs = {"uniform": (), "loguniform": (), "triangular": ("mode",), "truncnormal": ("mean", "sd")}[dist]
    for k in ("mode", "mean", "sd"):
        if k in spec and k not in needs:
            raise _err(file, f"{field}.{k}", spec[k], f"does not apply to dist = {dist!r}")
    numbers = {}
    for k in needs:
        v = spec.get(k)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise _err(file, f"{field}.{k}", v, f"dist = {dist!r} needs a finite number {k}")
        numbers[k] = float(v)
    if dist == "loguniform" and lo <= 0:
        raise _err(file, f"{field}.range", rng, "a loguniform range must be positive")
    if dist == "triangular" and not lo <= numbers["mode"] <= hi:
        raise _err(file, f"{field}.mode", numbers["mode"], f"must lie in the range [{lo}, {hi}]")
    if dist == "truncnormal" and numbers["sd"] <= 0:
        raise _err(file, f"{field}.sd", numbers["sd"], "must be positive")
    if bounds[0] is not None and (lo < bounds[0] or hi > bounds[1]):
        raise _err(file, f"{field}.range", rng, f"must lie within [{bounds[0]}, {bounds[1]}]")
    return Factor(name, kind, lo=float(lo), hi=float(hi), dist=dist, **numbers)


# --------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class OutcomeSpec:
    """A named number computed from one run's tables.

    ``metric`` None: a summary outcome (:data:`sim.metrics.OUTCOMES`, or
    :data:`EXTRA_OUTCOMES`). Otherwise a daily metric on ``day`` (1-based
    position in the run, like ``sim.metrics.summarize``'s horizon) or the
    statistic ``stat`` of its daily series (``first_day_at_least`` = first day
    it reached ``threshold``, NaN if never). ``lower_is_better`` (``better =
    "lower"`` in the file; default for days-to-threshold, lurker share and
    days to 150) decides who "beats" whom.
    """

    name: str
    metric: str | None = None
    day: int | None = None
    stat: str | None = None
    threshold: float | None = None
    lower_is_better: bool = False

    def describe(self) -> str:
        """What the outcome measures, in words (for reports)."""
        if self.metric is None:
            return OUTCOMES.get(self.name) or EXTRA_OUTCOMES.get(self.name) or self.name
        if self.day is not None:
            return f"daily metric {self.metric} on day {self.day}"
        if self.stat == "first_day_at_least":
            return f"first day on which {self.metric} reached {self.threshold:g} (missing if never)"
        return f"{self.stat} of the daily metric {self.metric} over the run"

    def compute(self, tables: dict[str, pd.DataFrame], summary: dict[str, float]) -> float:
        if self.metric is None:
            if self.name in summary:
                return float(summary[self.name])
            return float(_EXTRA[self.name](tables))
        series = tables["metrics"][self.metric].astype(float)
        if self.day is not None:
            return float(series.iloc[self.day - 1]) if self.day <= len(series) else float("nan")
        if self.stat == "first_day_at_least":
            hit = np.flatnonzero(series.to_numpy() >= self.threshold)
            return float(tables["metrics"]["day"].iloc[hit[0]]) if len(hit) else float("nan")
        return float({"final": series.iloc[-1], "max": series.max(), "min": series.min(),
                      "mean": series.mean(), "sum": series.sum()}[self.stat])


def _tree_depth(tables: dict[str, pd.DataFrame]) -> float:
    """Longest parent chain in the fission tree (a loop over groups, which are few)."""
    parent = tables["groups"]["parent"].to_numpy()
    depth = np.zeros(len(parent), dtype=int)
    for g in range(len(parent)):  # parents are opened before their children
        depth[g] = depth[parent[g]] + 1 if parent[g] >= 0 else 0
    return float(depth.max()) if len(depth) else 0.0


def _retention(tables: dict[str, pd.DataFrame]) -> float:
    ev = tables["events"]
    ever = ev.loc[ev["kind"] == "join", "person"].nunique()
    return float(tables["metrics"]["members"].iloc[-1] / ever) if ever else float("nan")


_EXTRA: dict[str, Callable[[dict[str, pd.DataFrame]], float]] = {"tree_depth": _tree_depth,
                                                                  "retention_final": _retention}
assert set(_EXTRA) == set(EXTRA_OUTCOMES)


def _outcomes(file: str, value: Any, model: str) -> tuple[OutcomeSpec, ...]:
    from sim.model import METRIC_COLUMNS

    field = "sweep.outcomes"
    if model == "ishigami":
        if value not in (None, ["y"]):
            raise _err(file, field, value, 'the ishigami model has one outcome: ["y"]')
        return (OutcomeSpec("y"),)
    names = list(OUTCOMES) + list(EXTRA_OUTCOMES)
    if value is None:
        value = list(OUTCOMES)
    if not isinstance(value, list) or not value:
        raise _err(file, field, value, "must be a non-empty list of outcome names or {name, metric, day|stat} tables")
    out = []
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if isinstance(item, str):
            if item not in names:
                raise _err(file, where, item, "unknown outcome" + did_you_mean(item, names) + "; allowed: " + ", ".join(names))
            out.append(OutcomeSpec(item, lower_is_better=item in LOWER_IS_BETTER))
            continue
        if not isinstance(item, dict):
            raise _err(file, where, item, "must be an outcome name or a table {name, metric, day | stat}")
        check_keys(file, where, item, _OUTCOME_KEYS, SweepError)
        name, metric = item.get("name"), item.get("metric")
        if not isinstance(name, str) or not ARM_NAME.match(name):
            raise _err(file, f"{where}.name", name, "must be 1-64 letters, digits, '_' or '-'")
        if metric not in METRIC_COLUMNS:
            raise _err(file, f"{where}.metric", metric, "must be a daily metric"
                       + (did_you_mean(metric, list(METRIC_COLUMNS)) if isinstance(metric, str) else "")
                       + "; allowed: " + ", ".join(METRIC_COLUMNS))
        if ("day" in item) == ("stat" in item):
            raise _err(file, where, item, "give exactly one of day = N or stat = " + " | ".join(STATS))
        day, stat, threshold = item.get("day"), item.get("stat"), item.get("threshold")
        if day is not None:
            day = check_integer(file, f"{where}.day", day, 1, LIMITS["days"][1])
        if stat is not None and stat not in STATS:
            raise _err(file, f"{where}.stat", stat, "must be one of " + ", ".join(STATS) + did_you_mean(str(stat), STATS))
        if (stat == "first_day_at_least") != (threshold is not None):
            raise _err(file, f"{where}.threshold", threshold, "is needed by, and only by, stat = 'first_day_at_least'")
        if threshold is not None and (not isinstance(threshold, (int, float)) or isinstance(threshold, bool)
                                      or not math.isfinite(threshold)):
            raise _err(file, f"{where}.threshold", threshold, "must be a finite number")
        better = item.get("better", "lower" if stat == "first_day_at_least" else "higher")
        if better not in ("higher", "lower"):
            raise _err(file, f"{where}.better", better, "must be 'higher' or 'lower'")
        out.append(OutcomeSpec(name, metric, day, stat, None if threshold is None else float(threshold),
                               lower_is_better=better == "lower"))
    seen = [o.name for o in out]
    dup = next((n for n in seen if seen.count(n) > 1), None)
    if dup:
        raise _err(file, field, dup, "outcome listed twice")
    return tuple(out)


# --------------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class Task:
    """One run of a sweep: design point ``sample``, one arm, one replicate."""

    run_id: str
    sample: int
    arm: str
    replicate: int
    seed: int
    days: int
    model: str
    point: tuple[tuple[str, Any], ...]          # the factors' values at this sample
    overrides: tuple[tuple[str, Any], ...]      # base, then arm, then point (flat dotted paths)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: settings, base, arms, factors, outcomes and the raw document."""

    name: str
    description: str
    question: str
    model: str
    sampler: str
    samples: int
    morris_levels: int
    replicates: int
    days: int
    seed: int
    compare: tuple[str, str] | None
    metrics: bool
    outcomes: tuple[OutcomeSpec, ...]
    factors: tuple[Factor, ...]
    base: dict[str, Any]
    arms: tuple[tuple[str, dict[str, Any]], ...]
    document: dict[str, Any]
    source: str

    # ------------------------------------------------------------------ design
    def problem(self) -> dict[str, Any]:
        """The SALib problem in the unit hypercube (factors map unit values to theirs)."""
        return {"num_vars": len(self.factors), "names": [f.name for f in self.factors],
                "bounds": [[0.0, 1.0]] * len(self.factors)}

    @functools.cached_property
    def unit_design(self) -> np.ndarray:
        """The design in unit coordinates, one row per sample (grid: level positions)."""
        from SALib.sample import latin, morris, sobol

        k = len(self.factors)
        if self.sampler == "grid":
            idx = np.array(list(itertools.product(*(range(len(f.levels)) for f in self.factors))), dtype=float)
            sizes = np.array([len(f.levels) for f in self.factors], dtype=float)
            return (idx + 0.5) / sizes if k else np.zeros((1, 0))
        problem = self.problem()
        if self.sampler == "lhs":
            return latin.sample(problem, self.samples, seed=self.seed)
        if self.sampler == "sobol":
            return sobol.sample(problem, self.samples, calc_second_order=False, scramble=True, seed=self.seed)
        return morris.sample(problem, self.samples, num_levels=self.morris_levels, seed=self.seed)

    def design(self) -> pd.DataFrame:
        """One row per sample: ``sample`` and each factor's value."""
        u = self.unit_design
        cols = {"sample": np.arange(len(u))}
        for j, f in enumerate(self.factors):
            cols[f.name] = f.from_unit(u[:, j])
        return pd.DataFrame(cols)

    def n_samples(self) -> int:
        return len(self.unit_design)

    def n_runs(self) -> int:
        return self.n_samples() * len(self.arms) * self.replicates

    def tasks(self) -> list[Task]:
        """Every run in design order: sample, then arm, then replicate."""
        design = self.design()
        names = [f.name for f in self.factors]
        base = tuple(self.base.items())
        out = []
        for row in design.itertuples(index=False):
            i = int(row[0])
            point = tuple(zip(names, (v.item() if isinstance(v, np.generic) else v for v in row[1:])))
            for arm, overrides in self.arms:
                for r in range(self.replicates):
                    out.append(Task(f"s{i:06d}-{arm}-r{r:03d}", i, arm, r, run_seed(self.seed, i, r),
                                    self.days, self.model, point, base + tuple(overrides.items()) + point))
        return out

    def fingerprint(self) -> str:
        """Hash of everything that determines the runs' results (not name or texts)."""
        settings = self.document.get("sweep", {})
        key = {k: settings.get(k) for k in ("model", "sampler", "samples", "morris_levels",
                                            "replicates", "days", "seed", "metrics")}
        # which way is better does not change a run's results
        key["outcomes"] = [{k: v for k, v in o.items() if k != "better"} if isinstance(o, dict) else o
                           for o in settings.get("outcomes") or []] or None
        key |= {"base": self.base, "arms": self.arms, "factors": [dataclasses.asdict(f) | {"kind": f.kind.__name__}
                                                                  for f in self.factors]}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def quick(self) -> "Sweep":
        """The sweep with its ``[quick]`` table applied (smaller, for tests and previews)."""
        doc = json.loads(json.dumps(self.document))
        q = doc.pop("quick", {})
        if not q:
            raise SweepError(self.source, "quick", "missing: this sweep has no [quick] table for --quick")
        for k, v in q.items():
            if k == "base":
                doc.setdefault("base", {}).update(v)
            else:
                doc.setdefault("sweep", {})[k] = v
        doc["sweep"]["name"] = doc["sweep"].get("name", Path(self.source).stem) + "_quick"
        return from_dict(doc, self.source, base_dir=Path(self.source).parent)

    def with_settings(self, **settings: Any) -> "Sweep":
        """A copy with sweep settings replaced (``None`` = keep), validated like the file."""
        doc = json.loads(json.dumps(self.document))
        doc.setdefault("sweep", {}).update({k: v for k, v in settings.items() if v is not None})
        return from_dict(doc, self.source, base_dir=Path(self.source).parent)

    def resolved_toml(self) -> str:
        """The sweep document (what was read), for the results folder."""
        doc = json.loads(json.dumps(self.document))
        outcomes = doc.get("sweep", {}).pop("outcomes", None)
        text = dumps_toml(doc)
        if outcomes is not None:  # dumps_toml has no inline tables: write the outcomes line here
            items = [json.dumps(o) if isinstance(o, str) else
                     "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in o.items()) + "}" for o in outcomes]
            line = "outcomes = [" + ", ".join(items) + "]"
            text = text.replace("[sweep]\n", f"[sweep]\n{line}\n", 1) if "[sweep]\n" in text else \
                f"[sweep]\n{line}\n\n" + text
        return (f"# Sweep {self.name!r} as run ({self.n_runs()} runs: {self.n_samples()} samples x "
                f"{len(self.arms)} arms x {self.replicates} replicates).\n\n" + text)


# --------------------------------------------------------------------------- loading
def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file; raises :class:`SweepError` on any problem."""
    return parse_sweep(read_toml_text(path, "sweep", SweepError), str(path), base_dir=Path(path).parent)


def parse_sweep(text: str, file: str = "<sweep>", *, base_dir: str | Path = ".") -> Sweep:
    """Validate sweep TOML ``text`` (``file`` is used in messages)."""
    return from_dict(parse_toml(text, file, "a sweep needs a [parameters] table", SweepError), file,
                     base_dir=base_dir)


def from_dict(doc: dict[str, Any], file: str = "<sweep>", *, base_dir: str | Path = ".") -> Sweep:
    """Validate a parsed sweep mapping (see the module docstring for its shape)."""
    try:
        return _from_dict(doc, file, base_dir)
    except SweepError:
        raise
    except ScenarioError as e:  # raised by the scenario helpers we reuse
        raise _wrap(e) from None


def _from_dict(doc: dict[str, Any], file: str, base_dir: str | Path) -> Sweep:
    for key, value in doc.items():
        if key not in _TOP_KEYS:
            raise _err(file, key, value, "unknown top-level key; allowed: "
                       + ", ".join(f"[{k}]" for k in _TOP_KEYS) + did_you_mean(key, _TOP_KEYS))
        if not isinstance(value, dict):
            raise _err(file, key, value, f"must be a table ([{key}])")
    s = doc.get("sweep", {})
    check_keys(file, "sweep", s, _SWEEP_KEYS, SweepError)
    texts = {}
    for key in ("name", "description", "question"):
        value = s.get(key, Path(file).stem if key == "name" else "")
        if not isinstance(value, str) or len(value) > 10_000 or (key == "name" and not value.strip()):
            raise _err(file, f"sweep.{key}", value, "must be a string of at most 10000 characters")
        texts[key] = value
    choice = {}
    for key, options in (("model", MODELS), ("sampler", SAMPLERS)):
        value = s.get(key, _DEFAULTS[key])
        if value not in options:
            raise _err(file, f"sweep.{key}", value, "must be one of " + ", ".join(map(repr, options))
                       + (did_you_mean(value, options) if isinstance(value, str) else ""))
        choice[key] = value
    model, sampler = choice["model"], choice["sampler"]
    numbers = {}
    for key, (lo, hi) in LIMITS.items():
        numbers[key] = check_integer(file, f"sweep.{key}", s.get(key, _DEFAULTS[key]), lo, hi)
    if sampler == "sobol" and numbers["samples"] & (numbers["samples"] - 1):
        raise _err(file, "sweep.samples", numbers["samples"], "a Sobol design needs a power of 2 (e.g. 64, 128, 256)")
    metrics = s.get("metrics", False)
    if not isinstance(metrics, bool):
        raise _err(file, "sweep.metrics", metrics, "must be true or false")
    outcomes = _outcomes(file, s.get("outcomes"), model)

    # base and arms: validated like a scenario's (same messages)
    base_raw = doc.get("base", {})
    if model == "community":
        base_params = apply_overrides(Params(), base_raw, file, "base", base_dir)
        base = _flat(base_raw, base_params)
    elif base_raw:
        raise _err(file, "base", base_raw, "the ishigami model has no base parameters")
    else:
        base_params, base = None, {}
    arms_raw = doc.get("arms") or {"base": {}}
    if len(arms_raw) > 100:
        raise _err(file, "arms", len(arms_raw), "at most 100 arms are allowed")
    arms = []
    for name, table in arms_raw.items():
        if not ARM_NAME.match(name):
            raise _err(file, f"arms.{name}", name, "an arm name must be 1-64 letters, digits, '_' or '-'")
        if not isinstance(table, dict):
            raise _err(file, f"arms.{name}", table, f"must be a table of parameter overrides ([arms.{name}])")
        table = {k: v for k, v in table.items() if k != "description"}
        if model == "ishigami" and table:
            raise _err(file, f"arms.{name}", table, "the ishigami model takes no arm overrides")
        arms.append((name, _flat(table, apply_overrides(base_params, table, file, f"arms.{name}", base_dir))
                     if model == "community" else {}))
    arm_names = [a for a, _ in arms]
    compare = s.get("compare")
    if compare is not None:
        if (not isinstance(compare, list) or len(compare) != 2 or compare[0] == compare[1]
                or any(c not in arm_names for c in compare)):
            raise _err(file, "sweep.compare", compare, "must name two different arms of this sweep: "
                       + ", ".join(arm_names))
        compare = (compare[0], compare[1])

    params_raw = doc.get("parameters", {})
    if not params_raw:
        raise SweepError(file, "parameters", "missing: a sweep needs at least one factor, e.g. "
                                             "[parameters] budget = {levels = [300, 600]}")
    factors = tuple(_factor(file, k, v, sampler, model) for k, v in params_raw.items())
    names = [f.name for f in factors]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise _err(file, "parameters", dup, "the same parameter is swept twice (as a leaf name and a dotted path)")
    overlap = sorted(set(names) & ({k for _, o in arms for k in o}))
    if overlap:
        raise _err(file, f"parameters.{overlap[0]}", overlap[0], "is also set by an arm; an arm would override the sweep")
    quick = doc.get("quick", {})
    check_keys(file, "quick", quick, _QUICK_KEYS, SweepError)

    sweep = Sweep(model=model, sampler=sampler, metrics=metrics, outcomes=outcomes, factors=factors, base=base,
                  arms=tuple(arms), compare=compare, document=doc, source=file, **texts, **numbers)
    n = sweep.n_runs()
    if n > MAX_RUNS:
        raise SweepError(file, None, f"expands to {n} runs; at most {MAX_RUNS} are allowed")
    if model == "community":
        _check_points(sweep)
    return sweep


def _flat(overrides: dict[str, Any], params: Params) -> dict[str, Any]:
    """Overrides as ``{"section.leaf": final value}`` (already validated)."""
    out = {}
    for key, value in overrides.items():
        for sec, leaf, _ in resolve_key(str(key), value, None):
            final = getattr(getattr(params, sec), leaf)
            out[f"{sec}.{leaf}"] = list(final) if isinstance(final, tuple) else final
    return out


def _check_points(sweep: Sweep) -> None:
    """Every (sample, arm) must make a valid parameter set: checked before anything runs."""
    design = sweep.design()
    for _, overrides in sweep.arms:
        start = Params().with_overrides(sweep.base | overrides)
        for row in design.to_dict("records"):
            point = {k: v for k, v in row.items() if k != "sample"}
            try:
                start.with_overrides(point)
            except ParamError as e:
                raise _err(sweep.source, f"parameters (sample {row['sample']})", point, str(e)) from None


# --------------------------------------------------------------------------- evaluating one run
def _ishigami(x: dict[str, float], a: float = 7.0, b: float = 0.1) -> float:
    """Ishigami & Homma (1990): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244) for a=7, b=0.1."""
    return math.sin(x["x1"]) + a * math.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * math.sin(x["x1"])


def evaluate(task: Task, outcomes: tuple[OutcomeSpec, ...], keep_metrics: bool) -> dict[str, pd.DataFrame]:
    """Run one task; return its tables: ``outcomes`` (one row) and optionally ``metrics`` (daily)."""
    keys = {"run_id": task.run_id, "sample": task.sample, "arm": task.arm, "replicate": task.replicate,
            "seed": task.seed}
    point = dict(task.point)
    if task.model == "ishigami":
        return {"outcomes": pd.DataFrame([keys | point | {"y": _ishigami(point)}])}
    from sim.model import CommunityModel

    model = CommunityModel(Params().with_overrides(dict(task.overrides)), rng=task.seed).run(task.days)
    tables = {"metrics": model.metrics()}
    needs = {o.name for o in outcomes if o.metric is None} & set(EXTRA_OUTCOMES)
    if "tree_depth" in needs:
        tables["groups"] = model.groups()
    if "retention_final" in needs:
        tables["events"] = model.events()
    summary = summarize(tables["metrics"])
    row = keys | point | {o.name: o.compute(tables, summary) for o in outcomes}
    out = {"outcomes": pd.DataFrame([row])}
    if keep_metrics:
        daily = tables["metrics"]
        out["metrics"] = pd.concat([pd.DataFrame({k: [v] * len(daily) for k, v in keys.items()}), daily], axis=1)
    return out


def execute(task: Task, outcomes: tuple[OutcomeSpec, ...], keep_metrics: bool,
            root: str | None) -> dict[str, Any]:
    """Evaluate one task where it runs; never raises for the model's errors.

    With ``root`` (a folder workers can write) the worker writes its own part
    and returns a small record; without, the tables travel back in the record
    for the driver to write (remote Dask workers without a shared disk).
    """
    start = time.perf_counter()
    try:
        tables = evaluate(task, outcomes, keep_metrics)
        if root is not None:
            Store(root).write_part(task.run_id, tables)
            tables = None
        return {"run_id": task.run_id, "status": "done", "seconds": time.perf_counter() - start, "tables": tables}
    except Exception as e:  # recorded with its parameters; the sweep goes on
        return {"run_id": task.run_id, "status": "failed", "seconds": time.perf_counter() - start,
                "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=8),
                "seed": task.seed, "parameters": {k: v for k, v in task.overrides}}


# --------------------------------------------------------------------------- running a sweep
@dataclass
class SweepResult:
    """What :func:`run_sweep` did: runs in the design, skipped (already done), run now, failed."""

    root: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float

    @property
    def complete(self) -> bool:
        return self.failed == 0 and self.skipped + self.ran == self.total


SWEEP_FILE = "sweep.json"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    try:
        return importlib.metadata.version("community-sim")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def prepare(sweep: Sweep, out: str | Path) -> Store:
    """Open the results folder for ``sweep``: write its definition and design, or check they match."""
    store = Store(out)
    saved = store.root / SWEEP_FILE
    if saved.is_file():
        old = json.loads(saved.read_text(encoding="utf-8"))
        if old.get("fingerprint") != sweep.fingerprint():
            raise SweepError(str(store.root), None, f"holds results of a different sweep ({old.get('name')!r}, "
                             "other parameters, seeds or outcomes); use another --out folder or delete this one")
    store.open()
    write_json(saved, {"name": sweep.name, "fingerprint": sweep.fingerprint(), "source": sweep.source,
                       "document": sweep.document})
    write_text(store.root / "sweep.resolved.toml", sweep.resolved_toml())
    design = sweep.design()
    unit = pd.DataFrame(sweep.unit_design, columns=[f"u:{f.name}" for f in sweep.factors])
    write_parquet(store.root / "samples.parquet", pd.concat([design, unit], axis=1))
    return store


def open_sweep(root: str | Path) -> Sweep:
    """The sweep a results folder was made by (from its ``sweep.json``)."""
    root = Path(root)
    path = root / SWEEP_FILE
    if not path.is_file():
        raise SweepError(str(root), None, f"is not a sweep results folder (no {SWEEP_FILE})")
    saved = json.loads(path.read_text(encoding="utf-8"))
    return from_dict(saved["document"], saved.get("source", str(path)), base_dir=Path(saved.get("source", ".")).parent)


def run_sweep(sweep: Sweep, out: str | Path, executor: Executor | None = None, *,
              progress: bool = False, flush_seconds: float = 2.0,
              log: Callable[[str], None] | None = None) -> SweepResult:
    """Run every task of ``sweep`` whose part is missing in ``out``; returns counts.

    Every run records the git revision that made it; ``log`` (default:
    stderr) is told when finished runs in ``out`` were made by other code.

    Parts are written as runs finish; the manifest (status per run, failures
    with their error and parameters) is rewritten at most every
    ``flush_seconds`` and at the end, also after Ctrl-C. Parts, not the
    manifest, say what is done, so a kill between two flushes loses nothing.
    """
    t0 = time.perf_counter()
    log = log or (lambda msg: print(msg, file=sys.stderr))
    store = prepare(sweep, out)
    tasks = sweep.tasks()
    done = store.done()
    todo = [t for t in tasks if t.run_id not in done]
    manifest = store.read_manifest()
    previous = manifest.get("runs", {})
    runs: dict[str, dict[str, Any]] = {rid: v for rid, v in previous.items() if v.get("status") == "failed"}
    runs.update({t.run_id: finished_entry(previous.get(t.run_id, {}), manifest.get("git"))
                 for t in tasks if t.run_id in done})
    revision = git_revision()
    manifest.update({"kind": "sweep", "name": sweep.name, "fingerprint": sweep.fingerprint(), "seed": sweep.seed,
                     "version": _version(), "git": revision, "total": len(tasks)})
    warning = other_revision_warning(store.root, runs, revision)
    if warning:
        log(warning)
    manifest.setdefault("started", _now())
    manifest.setdefault("sessions", []).append({"started": _now(), "to_run": len(todo)})
    manifest.pop("finished", None)

    def flush(final: bool = False) -> None:
        manifest["runs"] = {t.run_id: runs[t.run_id] for t in tasks if t.run_id in runs}
        manifest["done"] = sum(v["status"] == "done" for v in runs.values())
        manifest["failed"] = sum(v["status"] == "failed" for v in runs.values())
        manifest["updated"] = _now()
        if final and manifest["done"] == len(tasks):
            manifest["finished"] = manifest["updated"]
        store.write_manifest(manifest)

    flush()
    own = executor is None
    executor = executor or make_executor()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), unit="run", desc=sweep.name, smoothing=0.05)
    ran = failed = 0
    last = time.monotonic()
    fn = functools.partial(execute, outcomes=sweep.outcomes, keep_metrics=sweep.metrics,
                           root=str(store.root) if executor.shared_disk else None)
    try:
        for rec in executor.map_unordered(fn, todo):
            tables = rec.pop("tables", None)
            if tables is not None:
                store.write_part(rec["run_id"], tables)
            ran += 1
            if rec["status"] == "failed":
                failed += 1
                runs[rec["run_id"]] = {**{k: v for k, v in rec.items() if k != "run_id"}, "git_revision": revision}
            else:
                runs[rec["run_id"]] = {"status": "done", "seconds": round(rec["seconds"], 4), "git_revision": revision}
            if bar is not None:
                bar.update(1)
                bar.set_postfix(done=len(done) + ran - failed, failed=failed, refresh=False)
            if time.monotonic() - last >= flush_seconds:
                flush()
                last = time.monotonic()
    finally:
        if bar is not None:
            bar.close()
        if own:
            executor.close()
        manifest["sessions"][-1].update(ended=_now(), ran=ran, failed=failed)
        flush(final=True)
    return SweepResult(store.root, len(tasks), len(tasks) - len(todo), ran, failed, time.perf_counter() - t0)


def compact_sweep(root: str | Path) -> dict[str, Path]:
    """Merge the parts of the finished runs, in design order, into ``outcomes.parquet`` (and ``metrics.parquet``)."""
    sweep = open_sweep(root)
    store = Store(root)
    done = store.done()
    ids = [t.run_id for t in sweep.tasks() if t.run_id in done]
    if not ids:
        raise SweepError(str(root), None, "has no finished runs to compact")
    return store.compact(ids)
