"""Run scenarios: one (arm, replicate) at a time or all of them across local processes.

:func:`simulate` runs one :class:`~sim.scenario.Run` and returns its tables
(every table of ``CommunityModel.tables()`` plus a one-row ``summary``, each
prefixed with ``arm, replicate, seed``). :func:`run_scenario` runs every
pending run of a scenario, in parallel across processes by default, writes
each finished run as its own part in a :class:`~sim.store.Store` and, when all
are done, the run folder of the shared contract::

    metrics.parquet  group_metrics.parquet  events.parquet  groups.parquet  (every tables() entry)
    summary.csv  scenario.resolved.toml  manifest.json  figures/  report.html

Ctrl-C (or SIGTERM) stops the workers, keeps every finished run and marks the
manifest ``interrupted``; running the same scenario into the same folder
resumes where it stopped. Results do not depend on the number of processes:
each run is a pure function of its parameters and seed, and tables are
assembled in scenario order (arm by arm, replicate by replicate), not in the
order runs finish.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import platform
import signal
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from sim.metrics import OUTCOMES, summarize
from sim.model import CommunityModel
from sim.scenario import Run, Scenario
from sim.store import Store, finished_entry, git_revision, other_revision_warning, write_text

__all__ = ["simulate", "run_scenario", "RunResult", "RunInterrupted", "RunFailed", "OutDirError",
           "check_out_dir", "comparison_text", "default_jobs", "KEYS"]

#: Columns that prefix every table of a run folder.
KEYS = ("arm", "replicate", "seed")
MANIFEST_EVERY = 1.0  # seconds between manifest rewrites while running


class RunInterrupted(Exception):
    """The run was stopped (Ctrl-C / SIGTERM); finished runs are kept and the run can resume."""

    def __init__(self, out: Path, done: int, total: int):
        self.out, self.done, self.total = out, done, total
        super().__init__(f"interrupted: {done} of {total} runs finished and kept in {out}; "
                         "run the same command again to resume")


class RunFailed(Exception):
    """Some runs raised; the others are kept. ``errors`` maps run id to the error text."""

    def __init__(self, out: Path, errors: dict[str, str]):
        self.out, self.errors = out, errors
        first = next(iter(errors.items()))
        super().__init__(f"{len(errors)} run(s) failed in {out}; first: {first[0]}: {first[1]}")


class OutDirError(ValueError):
    """The output folder cannot be used (not a folder, or a non-empty folder of something else)."""


@dataclass
class RunResult:
    """What :func:`run_scenario` produced."""

    out: Path
    scenario: Scenario
    summary: pd.DataFrame
    files: list[Path]
    resumed: int = 0
    problems: list[str] = field(default_factory=list)  # figures or report that failed


# --------------------------------------------------------------------------- one run
def simulate(run: Run) -> dict[str, pd.DataFrame]:
    """Run one arm at one replicate; returns its tables, each prefixed with ``arm, replicate, seed``."""
    model = CommunityModel(run.params, rng=run.seed).run(run.days)
    tables = model.tables()
    assert "summary" not in tables, "CommunityModel.tables() may not define 'summary'"
    tables["summary"] = pd.DataFrame([summarize(tables["metrics"])])
    out = {}
    for name, df in tables.items():
        df = df.reset_index(drop=True).copy()
        for pos, (key, value) in enumerate(zip(KEYS, (run.arm, run.replicate, run.seed))):
            df.insert(pos, key, pd.Series([value] * len(df), dtype="str" if key == "arm" else "int64"))
        out[name] = df
    return out


def _execute(store: Store, run: Run) -> tuple[str, float]:
    """Worker body: simulate one run and write it as a part. Returns (run id, seconds)."""
    start = time.perf_counter()
    store.write_part(run.run_id, simulate(run))
    return run.run_id, time.perf_counter() - start


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and keeps finished runs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    """Number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- a scenario
def check_out_dir(out: str | Path) -> Path:
    """Refuse an output path that is a file, or a non-empty folder that is not a run folder."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutDirError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise OutDirError(f"--out {out}: folder is not empty and holds no manifest.json "
                          "(not a community-sim run folder); choose a new or empty folder")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutDirError(f"--out {out}: folder is not writable")
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"package_version": v("community-sim"), "git_revision": git_revision(),
            "python": platform.python_version(), "mesa": v("mesa"), "numpy": v("numpy"), "pandas": v("pandas")}


def run_scenario(scenario: Scenario, out: str | Path, *, jobs: int | None = None, progress: bool = True,
                 figures: bool = True, log: Callable[[str], None] | None = None) -> RunResult:
    """Run every pending (arm, replicate) of ``scenario`` into the run folder ``out``.

    ``jobs`` worker processes (default: all cores; 1 runs in this process).
    Finished runs found in ``out`` are not repeated. Raises
    :class:`RunInterrupted` on Ctrl-C, :class:`RunFailed` if a run raised,
    :class:`OutDirError` if ``out`` cannot be used.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    out = check_out_dir(out)
    store = Store(out).open()
    runs = scenario.runs()
    done = store.done() & {r.run_id for r in runs}
    resumed = len(done)
    if resumed:
        log(f"resuming: {resumed} of {len(runs)} runs already done in {out}")

    info = {r.run_id: {"arm": r.arm, "replicate": r.replicate, "seed": r.seed} for r in runs}
    old = store.read_manifest()
    manifest: dict[str, Any] = {
        "format": 1, "kind": "scenario", "scenario": scenario.name, "source": scenario.source,
        "seed": scenario.seed, "replicates": scenario.replicates, "days": scenario.days,
        "arms": [a.name for a in scenario.arms], **_versions(),
        "started": old.get("started") or _now(), "resumed": old.get("resumed", []) + ([_now()] if resumed else []),
        "ended": None, "status": "running",
        # a finished run keeps what it recorded, a pending one starts afresh
        "runs": {rid: {**finished_entry(old.get("runs", {}).get(rid, {}), old.get("git_revision")), **meta}
                 if rid in done else {**meta, "status": "pending"} for rid, meta in info.items()},
    }
    warning = other_revision_warning(out, manifest["runs"], manifest["git_revision"])
    if warning:
        log(warning)
    store.write_manifest(manifest)
    write_text(out / "scenario.resolved.toml", scenario.resolved_toml(
        {"git_revision": manifest["git_revision"], "package_version": manifest["package_version"]}))

    # replicate by replicate, so a stopped run has every arm at about the same count
    pending = sorted((r for r in runs if r.run_id not in done), key=lambda r: (r.replicate, r.arm))
    jobs = max(1, min(jobs or default_jobs(), len(pending) or 1))
    errors: dict[str, str] = {}
    last_write = [time.monotonic()]

    def finished(run_id: str, seconds: float | None, error: str | None = None) -> None:
        entry = manifest["runs"][run_id]
        entry.update(status="failed" if error else "done", finished=_now(), git_revision=manifest["git_revision"])
        if error:
            entry["error"] = errors[run_id] = error
        else:
            entry["seconds"] = round(seconds, 3)
        if time.monotonic() - last_write[0] > MANIFEST_EVERY:
            store.write_manifest(manifest)
            last_write[0] = time.monotonic()

    from tqdm import tqdm

    bar = tqdm(total=len(runs), initial=resumed, desc=scenario.name, unit="run", file=sys.stderr,
               disable=not progress, dynamic_ncols=True, smoothing=0.1)
    try:
        if jobs == 1:
            for run in pending:
                try:
                    finished(*_execute(store, run))
                except Exception as e:  # a model error: record it, keep the rest going
                    finished(run.run_id, None, _error_text(e))
                bar.update()
        else:
            _run_pool(store, pending, jobs, finished, bar)
    except KeyboardInterrupt:
        bar.close()
        store.clean()
        now_done = store.done()
        for rid, entry in manifest["runs"].items():
            if rid in now_done and entry["status"] != "done":
                entry.update(status="done", git_revision=manifest["git_revision"])
        manifest.update(status="interrupted", ended=_now())
        store.write_manifest(manifest)
        raise RunInterrupted(out, sum(rid in now_done for rid in info), len(runs)) from None
    bar.close()

    if errors:
        manifest.update(status="failed", ended=_now())
        store.write_manifest(manifest)
        raise RunFailed(out, errors)

    ids = [r.run_id for r in runs]
    try:
        files = list(store.compact(ids, exclude=["summary"]).values())
        summary = store.collect(ids, "summary").to_pandas()
        csv_path = write_text(out / "summary.csv", summary.to_csv(index=False))
    except KeyboardInterrupt:  # every run is done; only the tables are missing: rerunning rewrites them
        manifest.update(status="interrupted", ended=_now())
        store.write_manifest(manifest)
        raise RunInterrupted(out, len(runs), len(runs)) from None
    files += [csv_path, out / "scenario.resolved.toml"]
    manifest.update(status="complete", ended=_now())
    store.write_manifest(manifest)
    files.append(store.manifest_path)

    result = RunResult(out=out, scenario=scenario, summary=summary, files=files, resumed=resumed)
    if figures:
        _figures(result)
    return result


def _run_pool(store: Store, pending: list[Run], jobs: int,
              finished: Callable[..., None], bar) -> None:
    """Run ``pending`` in ``jobs`` spawned processes; on Ctrl-C stop them and re-raise."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_sigint)
    futures: dict[Future, Run] = {pool.submit(_execute, store, run): run for run in pending}
    try:
        waiting = set(futures)
        while waiting:
            ready, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for fut in sorted(ready, key=lambda f: futures[f].run_id):
                run = futures[fut]
                error = fut.exception()
                if error is None:
                    finished(*fut.result())
                else:
                    finished(run.run_id, None, _error_text(error))
                bar.update()
    except BaseException:
        for fut in futures:
            fut.cancel()
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _error_text(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(error).__name__}: {error}{where}"


def _figures(result: RunResult) -> None:
    """Figures and the HTML report, from the files just written (sim.plots, sim.report)."""
    from sim.plots import plot_run
    from sim.report import write_report

    for func in (plot_run, write_report):
        try:
            made = func(result.out)
        except Exception as e:  # the tables are complete; say what failed and go on
            result.problems.append(f"{func.__module__}.{func.__name__} failed: {_error_text(e)}")
            continue
        result.files.extend(made if isinstance(made, list) else [made])


# --------------------------------------------------------------------------- the terminal table
def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-2):
        return f"{x:.3g}"
    return f"{x:,.3f}".rstrip("0").rstrip(".") if abs(x) < 10 else f"{x:,.1f}"


def comparison_text(summary: pd.DataFrame, outcomes: Iterable[str]) -> str:
    """The end-of-run table: per outcome, each arm's mean and 95 % interval, then the verdict.

    Arms are compared paired by replicate (they share seeds); see :mod:`sim.compare`.
    """
    from sim.compare import arm_table, verdict_sentence, verdicts

    outcomes = [o for o in outcomes if o in summary.columns]
    table = arm_table(summary, outcomes)
    verdict = verdicts(summary, outcomes).set_index("outcome")
    arm_w = max([len("arm")] + [len(a) for a in table["arm"]])
    lines = [f"{'arm':<{arm_w}}  {'n':>3}  {'mean':>10}  95 % interval"]
    for outcome in outcomes:
        lines.append("")
        lines.append(f"{outcome}: {OUTCOMES.get(outcome, '')}")
        for _, row in table[table["outcome"] == outcome].iterrows():
            ci = f"[{_num(row['lo'])}, {_num(row['hi'])}]" if math.isfinite(row["lo"]) else ""
            lines.append(f"{row['arm']:<{arm_w}}  {row['n']:>3}  {_num(row['mean']):>10}  {ci}")
        if summary["arm"].nunique() > 1:
            lines.append("  -> " + verdict_sentence(verdict.loc[outcome].to_dict() | {"outcome": outcome}))
    return "\n".join(lines)
