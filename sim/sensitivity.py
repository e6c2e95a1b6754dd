"""Analysis of a sweep's results: sensitivity indices (SALib), grid tables, P(arm A beats arm B).

Which analysis a sweep gets follows from its sampler:

* ``sobol``: first-order and total Sobol indices ``S1``, ``ST`` with 95 %
  bootstrap confidence half-widths (Saltelli 2002; Jansen 1999; SALib's
  ``sobol.analyze``), per outcome and arm.
* ``morris``: elementary effects ``mu_star`` (importance, with a 95 %
  bootstrap interval), ``sigma`` (interactions / non-linearity) and ``mu``
  (Morris 1991; Campolongo et al. 2007; SALib's ``morris.analyze``), in the
  outcome's units per unit-normalised range of the parameter (SALib's scale).
* ``lhs``: the moment-independent ``delta`` and first-order ``S1`` with
  intervals (Borgonovo 2007; Plischke et al. 2013; SALib's ``delta.analyze``).
* ``grid``: per cell of the grid, the mean of each outcome with its 95 %
  Student-t interval over replicates (:func:`sim.compare.mean_ci`).

A response is the mean over replicates at each design point. When the sweep
names ``compare = [A, B]``, two paired pseudo-arms are analysed like arms
(pairs share a seed: common random numbers): ``A-B``, the difference, and
``A_beats_B``, whose mean is P(A beats B) with ties counted half; the latter
is also tabulated per design point by :func:`beats_table`.

:func:`analyze` writes ``analysis/*.csv``, figures (PNG + SVG) and the sweep's
``report.html`` (:mod:`sim.sweep_report`) into the results folder, and reads
only files there (``sweep.json``, ``samples.parquet``, the parts or the
compacted ``outcomes.parquet``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.compare import mean_ci
from sim.store import Store, write_text
from sim.sweep import Sweep, SweepError, open_sweep

__all__ = ["load_outcomes", "responses", "sobol_table", "morris_table", "delta_table", "grid_table",
           "beats_table", "lower_is_better", "analyze"]


def load_outcomes(root: str | Path) -> pd.DataFrame:
    """The outcomes of every finished run in design order (compacted file if complete, else the parts)."""
    sweep, store = open_sweep(root), Store(root)
    done = store.done()
    ids = [t.run_id for t in sweep.tasks() if t.run_id in done]
    if not ids:
        raise SweepError(str(root), None, "has no finished runs to analyse")
    compacted = store.root / "outcomes.parquet"
    if compacted.is_file():
        df = pd.read_parquet(compacted)
        if df["run_id"].tolist() == ids:
            return df
    return store.collect(ids, "outcomes").to_pandas()


def outcome_names(sweep: Sweep) -> list[str]:
    return [o.name for o in sweep.outcomes]


def lower_is_better(sweep: Sweep, outcome: str) -> bool:
    """Whether less is better for ``outcome`` (days to a threshold, lurker share)."""
    return next(o for o in sweep.outcomes if o.name == outcome).lower_is_better


def with_contrast(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` plus two pseudo-arms when the sweep compares arms A and B, paired by sample and replicate.

    ``A-B``: the difference of each outcome. ``A_beats_B``: 1 where A did
    better, 0 where B did, 0.5 for a tie, NaN where either is missing; its
    mean over replicates is P(A beats B), a bounded response whose
    sensitivity indices say which parameters decide the winner (the
    difference itself is dominated by the few runs that explode).
    """
    if sweep.compare is None:
        return df
    a, b = sweep.compare
    keys = ["sample", "replicate"]
    names = outcome_names(sweep)
    wa = df[df["arm"] == a].set_index(keys)
    wb = df[df["arm"] == b].set_index(keys)
    common = wa.index.intersection(wb.index)
    diff = (wa.loc[common, names] - wb.loc[common, names]).reset_index(drop=True)
    win = {}
    for n in names:
        d = diff[n]
        w = ((d < 0) if lower_is_better(sweep, n) else (d > 0)).astype(float) + 0.5 * (d == 0)
        win[n] = w.where(d.notna()).to_numpy()
    first = wa.loc[common].drop(columns=names + ["arm"]).reset_index()
    return pd.concat([df, first.assign(arm=f"{a}-{b}", **{n: diff[n].to_numpy() for n in names}),
                      first.assign(arm=f"{a}_beats_{b}", **win)], ignore_index=True)


def responses(sweep: Sweep, df: pd.DataFrame, arm: str, outcome: str) -> np.ndarray:
    """Mean of ``outcome`` over replicates at each design point, in design order (NaN where missing)."""
    sub = df[df["arm"] == arm]
    means = sub.groupby("sample")[outcome].mean()
    return means.reindex(range(sweep.n_samples())).to_numpy(float)


def _arms(sweep: Sweep) -> list[str]:
    arms = [a for a, _ in sweep.arms]
    a, b = sweep.compare or ("", "")
    return arms + ([f"{a}-{b}", f"{a}_beats_{b}"] if sweep.compare else [])


def _indices(sweep: Sweep, df: pd.DataFrame, method) -> tuple[pd.DataFrame, list[str]]:
    """Run ``method(Y) -> dict of arrays`` per outcome and arm; skip responses with gaps."""
    rows, skipped = [], []
    df = with_contrast(sweep, df)
    for outcome in outcome_names(sweep):
        for arm in _arms(sweep):
            y = responses(sweep, df, arm, outcome)
            if not np.isfinite(y).all():
                skipped.append(f"{outcome} ({arm}): {int((~np.isfinite(y)).sum())} of {len(y)} design points "
                               "have no finite value (failed runs or an outcome never reached)")
                continue
            if np.ptp(y) == 0:
                skipped.append(f"{outcome} ({arm}): constant over the design, nothing to attribute")
                continue
            res = method(y)
            for j, f in enumerate(sweep.factors):
                rows.append({"outcome": outcome, "arm": arm, "parameter": f.name,
                             **{k: float(np.asarray(v)[j]) for k, v in res.items()}})
    return pd.DataFrame(rows), skipped


def sobol_table(sweep: Sweep, df: pd.DataFrame, seed: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Sobol S1, ST and 95 % confidence half-widths per outcome, arm and parameter."""
    from SALib.analyze import sobol

    problem = sweep.problem()
    seed = sweep.seed if seed is None else seed

    def method(y):
        r = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
        return {"S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]}

    return _indices(sweep, df, method)


def morris_table(sweep: Sweep, df: pd.DataFrame, seed: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Morris mu*, its 95 % interval half-width, sigma and mu per outcome, arm and parameter."""
    from SALib.analyze import morris

    problem, x = sweep.problem(), sweep.unit_design
    seed = sweep.seed if seed is None else seed

    def method(y):
        r = morris.analyze(problem, x, y, conf_level=0.95, num_levels=sweep.morris_levels, seed=seed)
        return {"mu_star": r["mu_star"], "mu_star_conf": r["mu_star_conf"], "sigma": r["sigma"], "mu": r["mu"]}

    return _indices(sweep, df, method)


def delta_table(sweep: Sweep, df: pd.DataFrame, seed: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Borgonovo's delta and first-order S1 (with 95 % half-widths) for a Latin-hypercube design."""
    from SALib.analyze import delta

    problem, x = sweep.problem(), sweep.unit_design
    seed = sweep.seed if seed is None else seed

    def method(y):
        r = delta.analyze(problem, x, y, num_resamples=50, conf_level=0.95, seed=seed)
        return {"delta": r["delta_raw"], "delta_conf": r["delta_raw_conf"], "S1": r["S1"], "S1_conf": r["S1_conf"]}

    return _indices(sweep, df, method)


def grid_table(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """Per design point, arm and outcome: replicates ``n``, ``mean`` and its 95 % interval ``lo``, ``hi``."""
    factors = [f.name for f in sweep.factors]
    df = with_contrast(sweep, df)
    rows = []
    for (sample, arm), sub in df.groupby(["sample", "arm"], sort=False):
        point = sub.iloc[0][factors].to_dict()
        for outcome in outcome_names(sweep):
            m, lo, hi = mean_ci(sub[outcome].to_numpy(float))
            n = int(np.isfinite(sub[outcome].to_numpy(float)).sum())
            rows.append({"sample": sample, **point, "arm": arm, "outcome": outcome, "n": n,
                         "mean": m, "lo": lo, "hi": hi})
    return pd.DataFrame(rows).sort_values(["outcome", "arm", "sample"], kind="stable").reset_index(drop=True)


def beats_table(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """Per design point and outcome: share of replicates where arm A beats arm B (ties half), with a 95 % interval."""
    if sweep.compare is None:
        raise SweepError(sweep.source, "sweep.compare", "missing: name two arms to compare, e.g. compare = [\"core\", \"blast\"]")
    a, b = sweep.compare
    factors = [f.name for f in sweep.factors]
    wa = df[df["arm"] == a].set_index(["sample", "replicate"])
    wb = df[df["arm"] == b].set_index(["sample", "replicate"])
    common = wa.index.intersection(wb.index)
    rows = []
    for outcome in outcome_names(sweep):
        d = wa.loc[common, outcome] - wb.loc[common, outcome]
        win = ((d < 0) if lower_is_better(sweep, outcome) else (d > 0)).astype(float) + 0.5 * (d == 0)
        win[d.isna()] = np.nan  # outcome missing in one arm: no verdict
        for sample, w in win.groupby(level="sample"):
            p, lo, hi = mean_ci(w.to_numpy(float))
            point = wa.loc[(sample, w.index[0][1]), factors].to_dict()
            rows.append({"sample": sample, **point, "outcome": outcome, "arm_a": a, "arm_b": b,
                         "n": int(w.notna().sum()), "p_a_beats_b": p, "lo": max(0.0, lo) if lo == lo else lo,
                         "hi": min(1.0, hi) if hi == hi else hi})
    return pd.DataFrame(rows)


def analyze(root: str | Path, figures: bool = True) -> dict[str, Path]:
    """Write the analysis of a sweep folder: ``analysis/*.csv``, ``analysis/notes.txt``, figures, ``report.html``.

    Returns the written paths by name. Figures use :mod:`sim.plots` (heatmaps,
    sensitivity bars) and :mod:`sim.sweep_plots` (frontier).
    """
    root = Path(root)
    sweep = open_sweep(root)
    df = load_outcomes(root)
    out = root / "analysis"
    out.mkdir(exist_ok=True)
    paths: dict[str, Path] = {}
    notes = [f"{len(df)} of {sweep.n_runs()} runs finished ({sweep.sampler} design, {sweep.n_samples()} samples)."]

    def save(name: str, table: pd.DataFrame) -> None:
        paths[name] = write_text(out / f"{name}.csv", table.to_csv(index=False))

    indices = None
    if sweep.sampler in ("sobol", "morris", "lhs"):
        method = {"sobol": sobol_table, "morris": morris_table, "lhs": delta_table}[sweep.sampler]
        indices, skipped = method(sweep, df)
        notes += [f"skipped: {s}" for s in skipped]
        save("sensitivity", indices)
    if sweep.sampler == "grid":
        save("grid", grid_table(sweep, df))
    if sweep.compare is not None:
        save("beats", beats_table(sweep, df))
    notes_path = out / "notes.txt"
    paths["notes"] = write_text(notes_path, "\n".join(notes) + "\n")
    if figures:
        from sim.sweep_plots import sweep_figures

        paths.update(sweep_figures(sweep, df, indices, root / "figures"))
    from sim.sweep_report import write_sweep_report

    paths["report"] = write_sweep_report(root)
    return paths
