"""Peak memory of a sweep as the number of runs grows: results stream to disk, memory stays flat.

Runs a sweep of N short simulator runs (``--sizes``, default 100 and 2000) in a
fresh Python process each, in process (so the model, the sweep driver and the
store share one address space), and reports that process's peak resident set
size (``ru_maxrss``) before and after the sweep. If the driver kept results
in memory, the 2000-run peak would grow with N; streamed, it stays at the
100-run level. Usage::

    .venv/bin/python benchmarks/bench_sweep_memory.py [--sizes 100 2000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from sim.sweep import InProcessExecutor, parse_sweep, run_sweep
n = {n}
text = '''
[sweep]
sampler = "lhs"
samples = %d
days = 5
seed = 3
metrics = true
outcomes = ["members_final", "revenue_total"]
[base]
n_persons = 200
[parameters]
budget = {{range = [100, 600]}}
triad_prob = {{range = [0.0, 0.9]}}
''' % n
sweep = parse_sweep(text, "mem.toml")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
res = run_sweep(sweep, {out!r}, InProcessExecutor())
assert res.complete and res.ran == n
print(json.dumps({{"runs": n, "peak_rss_mb_before": before / 1024,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "seconds": time.perf_counter() - t}}))
"""


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_mem_") as tmp:
        code = CHILD.format(root=str(ROOT), n=n, out=str(Path(tmp) / "sweep"))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 2000])
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    rows = [measure(n) for n in args.sizes]
    print(f"{'runs':>6} {'peak RSS MB (after imports)':>28} {'peak RSS MB (after sweep)':>26} {'seconds':>8}")
    for r in rows:
        print(f"{r['runs']:>6} {r['peak_rss_mb_before']:>28.1f} {r['peak_rss_mb']:>26.1f} {r['seconds']:>8.1f}")
    growth = rows[-1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]
    print(f"growth from {rows[0]['runs']} to {rows[-1]['runs']} runs: {growth:+.1f} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
