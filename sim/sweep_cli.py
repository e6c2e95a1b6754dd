"""Command-line commands for sweeps: ``sweep FILE``, ``compact DIR``, ``analyze DIR``.

:func:`add_sweep_commands` registers them on ``community-sim``'s subparsers;
each parser's ``handler`` default is the function to call with the parsed
arguments (it returns the exit code). ``python -m sim.sweep_cli`` runs them
without the main CLI. Exit codes as ``community-sim``: 0 success, 2 bad input
(one message naming file and field), 1 some runs failed, 130 interrupted (the
same command resumes).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

__all__ = ["add_sweep_commands", "main"]

EXAMPLES = {
    "sweep": """examples:
  community-sim sweep experiments/seeding_frontier/sweep.toml --quick
  community-sim sweep experiments/seeding_frontier/sweep.toml --jobs 2
  community-sim sweep FILE --dask                         # a Dask LocalCluster on this machine
  community-sim sweep FILE --scheduler tcp://10.0.0.5:8786  # a running Dask scheduler

Runs every (sample, arm, replicate) not yet in --out (default
results/sweeps/<name>): Ctrl-C or a crash keeps finished runs and the same
command resumes. Then writes outcomes.parquet (compact) and analysis/,
figures/ and report.html (analyze). On SLURM/PBS, start workers with dask-jobqueue
(SLURMCluster(...).scale(jobs=N)) and pass its scheduler address; the results
folder must then be on a shared file system, or add --no-shared-disk.""",
    "compact": """examples:
  community-sim compact results/sweeps/seeding_frontier   # -> outcomes.parquet (+ metrics.parquet)""",
    "analyze": """examples:
  community-sim analyze results/sweeps/seeding_frontier   # -> analysis/*.csv, figures/, report.html""",
}


def add_sweep_commands(subparsers: Any) -> None:
    """Register ``sweep``, ``compact`` and ``analyze`` on an argparse subparsers object."""
    fmt = argparse.RawDescriptionHelpFormatter
    s = subparsers.add_parser("sweep", help="run a parameter sweep (resumable), then compact and analyse it",
                              formatter_class=fmt, epilog=EXAMPLES["sweep"],
                              description="Run a sweep file: a design (grid, LHS, Sobol, Morris) x arms x "
                                          "replicates, each run stored as it finishes.")
    s.add_argument("file", metavar="FILE", help="sweep file (TOML)")
    s.add_argument("--quick", action="store_true", help="apply the file's [quick] table (a small preview)")
    s.add_argument("--jobs", type=int, metavar="J", help="worker processes (default: all cores; 1 = in process)")
    s.add_argument("--dask", action="store_true", help="run on a Dask LocalCluster of --jobs workers")
    s.add_argument("--scheduler", metavar="ADDR", help="run on the Dask scheduler at ADDR (e.g. tcp://host:8786)")
    s.add_argument("--no-shared-disk", action="store_true",
                   help="Dask workers send results back instead of writing into --out themselves")
    s.add_argument("--out", metavar="DIR", help="results folder (default: results/sweeps/<sweep name>)")
    s.add_argument("--metrics", action="store_true", help="also store every run's daily metrics")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--no-analysis", action="store_true", help="skip compact and analyze at the end")
    s.set_defaults(handler=sweep_command)
    c = subparsers.add_parser("compact", help="merge a sweep's parts into one Parquet dataset",
                              formatter_class=fmt, epilog=EXAMPLES["compact"])
    c.add_argument("dir", metavar="DIR", help="a sweep results folder")
    c.set_defaults(handler=compact_command)
    a = subparsers.add_parser("analyze", help="sensitivity indices, tables, figures and report.html of a sweep",
                              formatter_class=fmt, epilog=EXAMPLES["analyze"])
    a.add_argument("dir", metavar="DIR", help="a sweep results folder")
    a.add_argument("--no-figures", action="store_true", help="tables only")
    a.set_defaults(handler=analyze_command)


def _usage(message: str) -> Exception:
    """The main CLI's UsageError (exit code 2) when it is available, else ours."""
    try:
        from sim.cli import UsageError
    except ImportError:
        UsageError = _UsageError
    return UsageError(message)


class _UsageError(Exception):
    pass


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def sweep_command(args: argparse.Namespace) -> int:
    from sim.sweep import SweepError, load_sweep, make_executor, DaskExecutor, run_sweep

    try:
        sweep = load_sweep(args.file)
        if args.quick:
            sweep = sweep.quick()
        if args.metrics:
            sweep = sweep.with_settings(metrics=True)
        if args.jobs is not None and not 1 <= args.jobs <= 1024:
            raise SweepError("command line", "--jobs", f" = {args.jobs}: must be an integer in [1, 1024]")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "_", sweep.name).strip("_") or "sweep"
        out = Path(args.out) if args.out else Path("results") / "sweeps" / slug
        if out.exists() and not out.is_dir():
            raise SweepError(str(out), None, "--out exists and is not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / "sweep.json").is_file():
            raise SweepError(str(out), None, "--out is a non-empty folder that holds no sweep; choose another")
    except SweepError as e:
        raise _usage(str(e)) from None
    print(f"{sweep.name}: {sweep.n_samples()} samples ({sweep.sampler}) x {len(sweep.arms)} arms x "
          f"{sweep.replicates} replicates = {sweep.n_runs()} runs of {sweep.days} days -> {out}", file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if args.scheduler or args.dask:
            executor = DaskExecutor(args.scheduler, args.jobs, shared_disk=False if args.no_shared_disk else None)
        else:
            executor = make_executor("process", jobs=args.jobs)
        with executor:
            result = run_sweep(sweep, out, executor, progress=not args.no_progress)
    except SweepError as e:
        raise _usage(str(e)) from None
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {out}; run the same command to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"{result.ran} runs now, {result.skipped} already done, {result.failed} failed "
          f"({result.seconds:.1f} s)", file=sys.stderr)
    if result.failed:
        print(f"failed runs (error and parameters) are listed in {out}/manifest.json", file=sys.stderr)
    if not args.no_analysis and result.ran + result.skipped > result.failed:
        _compact(out)
        _analyze(out, figures=True)
    return 1 if result.failed else 0


def _compact(root: Path) -> None:
    from sim.sweep import compact_sweep

    for name, path in compact_sweep(root).items():
        print(f"{name}: {path}")


def _analyze(root: Path, figures: bool) -> None:
    from sim.sensitivity import analyze

    paths = analyze(root, figures=figures)
    notes = paths["notes"].read_text(encoding="utf-8").strip()
    print(notes)
    print(f"analysis: {root / 'analysis'}" + (f", figures: {root / 'figures'}" if figures else "")
          + f", report: {paths['report']}")


def compact_command(args: argparse.Namespace) -> int:
    from sim.sweep import SweepError

    try:
        _compact(Path(args.dir))
    except SweepError as e:
        raise _usage(str(e)) from None
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    from sim.sweep import SweepError

    try:
        _analyze(Path(args.dir), figures=not args.no_figures)
    except SweepError as e:
        raise _usage(str(e)) from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.sweep_cli sweep FILE ...`` (the same commands without the main CLI)."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep_cli")
    add_sweep_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except Exception as e:
        if type(e).__name__ == "UsageError" or isinstance(e, _UsageError):
            print(f"community-sim: error: {e}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
