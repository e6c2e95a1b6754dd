"""``community-sim`` (also ``python -m sim``): run, validate and list scenarios; reports; dashboard.

Exit codes: 0 success; 2 bad input (one message naming file and field, no
traceback, nothing written); 1 internal error (``--debug`` shows the
traceback); 130 interrupted (finished runs kept; the same command resumes).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pkgutil
import re
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main"]

EXAMPLES = {
    "community-sim": """examples:
  community-sim run scenarios/core_vs_blast.toml              # the flagship comparison
  community-sim run scenarios/core_vs_blast.toml --replicates 4 --days 30 --out results/quick
  community-sim validate scenarios/*.toml
  community-sim list parameters
  community-sim report results/demo
  community-sim dashboard --port 8765
  community-sim split docs/data/karate_club.csv --known docs/data/karate_club_factions.csv
  community-sim sweep experiments/seeding_frontier/sweep.toml --quick""",
    "run": """examples:
  community-sim run scenarios/core_vs_blast.toml
  community-sim run scenarios/core_vs_blast.toml --replicates 4 --days 30 --jobs 2 --out results/quick
  community-sim run scenarios/core_vs_blast.toml --set n_persons=5000 --set budget=1200

Writes metrics.parquet, group_metrics.parquet, events.parquet, groups.parquet,
summary.csv, scenario.resolved.toml, manifest.json, figures/ and report.html to
--out (default results/<scenario name>). Ctrl-C keeps finished replicates; run
the same command again to resume.""",
    "validate": """examples:
  community-sim validate scenarios/core_vs_blast.toml
  community-sim validate scenarios/*.toml""",
    "list": """examples:
  community-sim list                 # scenarios, policies and parameters
  community-sim list parameters""",
    "report": """examples:
  community-sim report results/demo                    # rewrite results/demo/report.html from its tables
  community-sim report results/sweeps/seeding_frontier # a sweep's report (analysed first if need be)""",
    "dashboard": """examples:
  community-sim dashboard --port 8765  # then open http://127.0.0.1:8765""",
    "split": """examples:
  community-sim split docs/data/karate_club.csv --known docs/data/karate_club_factions.csv
  community-sim split my_group_ties.csv --modularity-min 0.4 --out sides.csv --figure sides.png
  community-sim split results/demo --arm core --group 0     # a simulated group at the end of the run

EDGES is a CSV edge list source,target[,strength] (header optional; strengths any
numbers >= 0, e.g. counts of interactions; a tie listed twice keeps the larger).
--known is a CSV node,group naming the group each node went to in a real
fission. The criteria default to the model's splitting.community_* parameters
(the model checks groups of splitting.community_min_size members or more).""",
}


class UsageError(Exception):
    """Bad command line or input: exit code 2, one message, no traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and sys.exit(2)
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = _Parser(prog="community-sim", formatter_class=fmt, epilog=EXAMPLES["community-sim"],
                description="Agent-based simulator of online communities (WeChat/QQ-style groups): "
                            "run scenario files, compare playbooks, read the results.")
    from sim import __version__
    p.add_argument("--version", action="version", version=f"community-sim {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("run", help="run a scenario file (arms x replicates) into a results folder",
                       formatter_class=fmt, epilog=EXAMPLES["run"],
                       description="Run every arm and replicate of a scenario, in parallel; "
                                   "end with a comparison table.")
    r.add_argument("file", metavar="FILE", help="scenario file (TOML)")
    r.add_argument("--replicates", type=int, metavar="N", help="replicates per arm (overrides the file)")
    r.add_argument("--days", type=int, metavar="D", help="horizon in days (overrides the file)")
    r.add_argument("--seed", type=int, metavar="S", help="scenario seed (overrides the file)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override a parameter in every arm, e.g. --set n_persons=2000 "
                        "(VALUE in TOML syntax; repeatable)")
    r.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario name>)")
    r.add_argument("--jobs", type=int, metavar="J", help="worker processes (default: all cores; 1 = in process)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--no-figures", action="store_true", help="skip figures/ and report.html")

    v = sub.add_parser("validate", help="check scenario files without running them",
                       formatter_class=fmt, epilog=EXAMPLES["validate"])
    v.add_argument("files", nargs="+", metavar="FILE", help="scenario files (TOML)")

    li = sub.add_parser("list", help="list scenarios, policies and parameters (defaults, units, sources)",
                        formatter_class=fmt, epilog=EXAMPLES["list"])
    li.add_argument("what", nargs="?", choices=("scenarios", "policies", "parameters"),
                    help="only this part (default: all three)")

    rep = sub.add_parser("report", help="(re)write report.html of a results folder (and figures/ if missing)",
                         formatter_class=fmt, epilog=EXAMPLES["report"])
    rep.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by `community-sim run` or `sweep`")

    d = sub.add_parser("dashboard", help="interactive dashboard in the browser (SolaraViz)",
                       formatter_class=fmt, epilog=EXAMPLES["dashboard"])
    d.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    d.add_argument("--port", type=int, default=8765, metavar="P", help="port (default 8765)")

    from sim.params import Params

    defaults = Params().splitting
    sp_ = sub.add_parser("split", help="would a real group's tie graph split? the tie_community rule on an edge list",
                         formatter_class=fmt, epilog=EXAMPLES["split"],
                         description="Apply the tie_community split criteria to the ties of one group: the two "
                                     "sides and their centres, or the criterion that refuses a split.")
    sp_.add_argument("edges", metavar="EDGES", help="CSV edge list of the ties among the group's members, or a "
                                                    "results folder of `community-sim run` (with --group)")
    sp_.add_argument("--group", type=int, metavar="G",
                     help="with a results folder: the group to check, at the end of the run")
    sp_.add_argument("--arm", metavar="ARM", help="with a results folder: the arm (default: the first)")
    sp_.add_argument("--replicate", type=int, default=0, metavar="R",
                     help="with a results folder: the replicate (default 0)")
    sp_.add_argument("--known", metavar="FILE", help="CSV node,group: who went where in a real fission, to compare")
    for flag, name, metavar in (("--modularity-min", "community_modularity_min", "Q"),
                                ("--centre-ratio", "community_centre_ratio", "R"),
                                ("--min-side", "community_min_side", "F")):
        sp_.add_argument(flag, type=float, metavar=metavar,
                         help=f"splitting.{name} (default: the arm's, for a results folder; else "
                              f"{getattr(defaults, name)})")
    sp_.add_argument("--out", metavar="FILE", help="write node,side,centre to this CSV when the group splits")
    sp_.add_argument("--figure", metavar="FILE", help="draw the tie graph by side to this .png, .svg or .pdf")

    try:  # sweep, compact, analyze (sim.sweep_cli registers them; each sets a `handler`)
        from sim.sweep_cli import add_sweep_commands
    except ImportError:
        pass
    else:
        add_sweep_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (``sys.exit(main())``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = _parser().parse_args(argv)
        handler = getattr(args, "handler", None) or {"run": _run, "validate": _validate, "list": _list,
                                                     "report": _report, "dashboard": _dashboard,
                                                     "split": _split}[args.command]
        return handler(args)
    except SystemExit as e:  # --help / --version
        return e.code if isinstance(e.code, int) else 0
    except UsageError as e:
        _err(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `community-sim list | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:
        if debug:
            traceback.print_exc()
        _err(f"internal error: {type(e).__name__}: {e}\n"
             "(this is a bug in community-sim; rerun with --debug for the traceback)")
        return 1


def _err(message: str) -> None:
    print(f"community-sim: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- split
def _split(args: argparse.Namespace) -> int:
    from sim.network import EdgeListError
    from sim.params import Params, ParamError
    from sim.split_check import SplitInputError, check_file, check_group, read_known, report_text, sides_csv
    from sim.store import write_text

    try:
        given = {"community_modularity_min": args.modularity_min, "community_centre_ratio": args.centre_ratio,
                 "community_min_side": args.min_side}
        Params().with_overrides({f"splitting.{k}": v for k, v in given.items() if v is not None}, where="command line")
        for flag, target in (("--out", args.out), ("--figure", args.figure)):
            if target and Path(target).is_dir():
                raise UsageError(f"{flag} {target}: is a folder; give the file to write")
            if target:
                _check_creatable(Path(target).parent)
        if args.figure and Path(args.figure).suffix.lower() not in (".png", ".svg", ".pdf"):
            raise UsageError(f"--figure {args.figure}: must end in .png, .svg or .pdf")
        criteria = {"modularity_min": args.modularity_min, "centre_ratio": args.centre_ratio,
                    "min_side": args.min_side}
        if Path(args.edges).is_dir():
            if args.group is None:
                raise UsageError(f"{args.edges} is a results folder: name the group to check with --group G")
            check = check_group(args.edges, args.group, arm=args.arm, replicate=args.replicate, **criteria)
        elif args.group is not None or args.arm is not None:
            raise UsageError(f"--group and --arm need a results folder; {args.edges} is not one")
        else:
            check = check_file(args.edges, **criteria)
        known = read_known(args.known, check.labels) if args.known else None
    except EdgeListError as e:
        raise UsageError(f"{e.where}: {e.allowed}") from None
    except (ParamError, SplitInputError) as e:
        raise UsageError(str(e)) from None
    print(report_text(check, known))
    if args.out and check.verdict.split is not None:
        print(f"sides written to {write_text(args.out, sides_csv(check))}")
    elif args.out:
        print(f"no split, so {args.out} was not written")
    if args.figure:
        from sim.plots import write_figure
        from sim.split_check import split_figure

        print(f"figure written to {write_figure(split_figure(check, known), args.figure)}")
    return 0


# --------------------------------------------------------------------------- run
def _run(args: argparse.Namespace) -> int:
    from sim.runner import OutDirError, RunFailed, RunInterrupted, check_out_dir, comparison_text, run_scenario
    from sim.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.file).with_settings(
            replicates=args.replicates, days=args.days, seed=args.seed
        ).with_overrides(_parse_sets(args.overrides))
        if args.jobs is not None and not 1 <= args.jobs <= 1024:
            raise UsageError(f"command line: --jobs = {args.jobs}: must be an integer in [1, 1024]")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "_", scenario.name).strip("_") or "run"
        out = check_out_dir(Path(args.out) if args.out else Path("results") / slug)
        _check_creatable(out)
    except (ScenarioError, OutDirError) as e:
        raise UsageError(str(e)) from None

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        result = run_scenario(scenario, out, jobs=args.jobs, progress=not args.no_progress,
                              figures=not args.no_figures)
    except RunInterrupted as e:
        _err(str(e))
        return 130
    except RunFailed as e:
        _err(str(e))
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)

    runs = len(scenario.arms) * scenario.replicates
    print(f"\n{scenario.name}: {len(scenario.arms)} arms x {scenario.replicates} replicates, "
          f"{scenario.days} days, seed {scenario.seed}"
          + (f" ({result.resumed} of {runs} runs reused)" if result.resumed else ""))
    if scenario.question:
        print(f"question: {scenario.question}")
    print("each arm's mean and 95 % interval over replicates; arms compared paired by replicate\n")
    print(comparison_text(result.summary, scenario.outcomes))
    _print_flows(out, result.summary, [arm.name for arm in scenario.arms], report=not args.no_figures)
    names = sorted({p.relative_to(out).parts[0] for p in result.files if p.is_relative_to(out)})
    print(f"\noutputs in {out}/: {', '.join(names)}")
    for problem in result.problems:
        _err(f"warning: {problem}")
    return 1 if result.problems else 0


def _print_flows(out: Path, summary: Any, arms: list[str], report: bool) -> None:
    """The member flows that differ most between the arms (the report's "why"), in a few terminal lines."""
    from sim.flows import run_flows

    flows = run_flows(out, summary, arms)
    if flows is None or not flows.largest:
        return
    print("\nwhy: the member flows that differ most between the arms (events per replicate"
          + ("; all flows in report.html)" if report else ")"))
    for flow, text in flows.differences_text():
        print(f"  {flow}: {text}")


def _parse_sets(items: list[str]) -> dict[str, Any]:
    """``["n_persons=2000", 'seeding="blast"']`` -> ``{"n_persons": 2000, "seeding": "blast"}``.

    A value that is not valid TOML is taken as a plain string (``seeding=blast``).
    """
    import tomllib

    out: dict[str, Any] = {}
    for item in items:
        key, eq, text = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UsageError(f"command line: --set {item!r}: must be KEY=VALUE, e.g. --set n_persons=2000")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        out[key] = value
    return out


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _check_creatable(out: Path) -> None:
    """Fail early (exit 2) if ``out`` does not exist and cannot be created."""
    parent = out
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: cannot create it ({parent} is not a writable folder)")


# --------------------------------------------------------------------------- validate
def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import ScenarioError, load_scenario

    bad = 0
    for file in args.files:
        try:
            s = load_scenario(file)
        except ScenarioError as e:
            _err(f"error: {e}")
            bad += 1
            continue
        print(f"ok: {file}: {s.name!r}, arms {', '.join(a.name for a in s.arms)}; "
              f"{s.replicates} replicates x {s.days} days, seed {s.seed}")
    return 2 if bad else 0


# --------------------------------------------------------------------------- list
def scenario_dirs() -> list[Path]:
    """Where scenarios are looked up: ./scenarios and the source tree's scenarios/ (deduplicated)."""
    dirs = [Path("scenarios"), Path(__file__).resolve().parents[1] / "scenarios"]
    seen, out = set(), []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def policy_families() -> list[tuple[str, str, dict[str, str]]]:
    """``(family, selecting parameter, {name: one-line description})`` for every module of
    ``sim.policies`` that defines ``POLICIES`` and ``SELECTED_BY`` (found with pkgutil, so new
    families appear). The description is the first line of the policy's docstring, else its
    bullet (``* ``name``: ...``) in the module docstring."""
    import sim.policies

    out = []
    for info in sorted(pkgutil.iter_modules(sim.policies.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"sim.policies.{info.name}")
        if isinstance(getattr(mod, "POLICIES", None), dict) and isinstance(getattr(mod, "SELECTED_BY", None), str):
            out.append((info.name, mod.SELECTED_BY,
                        {name: _policy_line(name, func, mod.__doc__) for name, func in mod.POLICIES.items()}))
    return out


def _policy_line(name: str, func: Any, module_doc: str | None) -> str:
    if getattr(func, "__doc__", None) and func.__doc__.strip():
        return _first_line(func.__doc__)
    m = re.search(rf"^[ \t]*[*-][ \t]*``{re.escape(name)}``(?:[ \t]*\[[^\]]*\])?[ \t]*[:-]\s*(.+(?:\n(?![ \t]*[*-] )[ \t]+\S.*)*)",
                  module_doc or "", re.MULTILINE)
    if not m:
        return "(no description)"
    text = " ".join(m.group(1).split())
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= 110 else sentence[:107] + "..."


def _first_line(doc: str | None) -> str:
    lines = [line.strip() for line in (doc or "").strip().splitlines()]
    return lines[0] if lines and lines[0] else "(no description)"


def _list(args: argparse.Namespace) -> int:
    what = args.what
    if what in (None, "scenarios"):
        _list_scenarios()
    if what in (None, "policies"):
        _list_policies()
    if what in (None, "parameters"):
        _list_parameters()
    return 0


def _list_scenarios() -> None:
    from sim.scenario import ScenarioError, load_scenario

    print("SCENARIOS (run with: community-sim run FILE)")
    files = sorted(f for d in scenario_dirs() for f in d.iterdir() if f.suffix in (".toml", ".py"))
    if not files:
        print("  (none found in ./scenarios)")
    for f in files:
        if f.suffix == ".py":  # a scenario script: read its docstring without running it
            try:
                doc = ast.get_docstring(ast.parse(f.read_text(encoding="utf-8")))
            except (SyntaxError, OSError, UnicodeDecodeError):
                doc = None
            print(f"  {f}  (Python script: python {f})\n      {_first_line(doc)}")
            continue
        try:
            s = load_scenario(f)
        except ScenarioError as e:
            print(f"  {f}  INVALID: {e}")
            continue
        print(f"  {f}  arms: {', '.join(a.name for a in s.arms)}; {s.replicates} x {s.days} days\n"
              f"      {_first_line(s.description or s.question)}")
    print()


def _list_policies() -> None:
    from sim.params import Params

    defaults = Params().flat()
    print("POLICIES (chosen by name in a parameter)")
    for family, selected_by, policies in policy_families():
        print(f"  {family}: {selected_by} (default {defaults.get(selected_by)!r})")
        for name, line in policies.items():
            print(f"    {name:<18} {line}")
    print()


def _list_parameters() -> None:
    from sim.params import Params

    print("PARAMETERS (section.leaf = default  [unit; allowed]  source)")
    section = None
    for path, default, spec in Params.specs():
        sec = path.split(".")[0]
        if sec != section:
            section = sec
            print(f"  [{sec}]")
        if spec.choices is not None:
            allowed = "one of " + ", ".join(spec.choices)
        elif spec.lo is not None and spec.hi is not None:
            allowed = f"{spec.lo:g} .. {spec.hi:g}"
        else:
            allowed = "any"
        shown = list(default) if isinstance(default, tuple) else default
        print(f"  {path} = {shown!r}  [{spec.unit}; {allowed}]  {spec.source}\n      {spec.doc}")
    print()


# --------------------------------------------------------------------------- report, dashboard
def _report(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    if (run_dir / "sweep.json").is_file():  # a sweep folder: its analysis writes the report
        from sim.sensitivity import analyze
        from sim.sweep import SweepError
        from sim.sweep_report import write_sweep_report

        try:
            print(write_sweep_report(run_dir) if (run_dir / "analysis").is_dir() else analyze(run_dir)["report"])
        except SweepError as e:
            raise UsageError(str(e)) from None
        return 0
    if not run_dir.is_dir() or not (run_dir / "metrics.parquet").is_file():
        raise UsageError(f"{run_dir}: not a results folder (needs metrics.parquet, written by `community-sim "
                         "run`, or sweep.json, written by `community-sim sweep`)")
    from sim.report import write_report

    if not (run_dir / "figures").is_dir():  # a run made with --no-figures: draw them first
        from sim.plots import plot_run

        plot_run(run_dir)
    print(write_report(run_dir))
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"command line: --port = {args.port}: must be an integer in [0, 65535]")
    from sim.app import serve

    serve(args.host, args.port)
    return 0
