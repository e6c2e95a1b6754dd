"""Results on disk: atomic writes, one Parquet part per finished run, a manifest, compaction.

A *store* is a folder. Every finished run (one arm x replicate of a scenario,
or one sample x replicate of a sweep) is written by whoever computed it as its
own part, ``parts/<run_id>/<table>.parquet``, first into a hidden temporary
folder that is then renamed in one step. A part folder therefore either exists
complete or does not exist at all: a crash, Ctrl-C or ``kill -9`` leaves at
most a hidden ``.tmp-*`` entry, which :meth:`Store.open` removes. Which runs
are done is read from the parts themselves, so a restarted run or sweep skips
exactly what is finished (DESIGN.md §5).

:meth:`Store.compact` concatenates the parts of the runs asked for, in the
order asked for (not the order they finished), into one ``<table>.parquet``
per table that pandas, polars or duckdb read directly. ``manifest.json`` is the
human-readable record (seed, version, git revision, times, status per run),
rewritten atomically whenever something changes.

Every file is written to a temporary name in the same folder and renamed, so
no file that looks complete is ever half written.

Examples
--------
>>> import pandas as pd, tempfile
>>> s = Store(tempfile.mkdtemp()).open()
>>> _ = s.write_part("a-r0", {"metrics": pd.DataFrame({"x": [1, 2]})})
>>> _ = s.write_part("a-r1", {"metrics": pd.DataFrame({"x": [3]})})
>>> sorted(s.done())
['a-r0', 'a-r1']
>>> paths = s.compact(["a-r1", "a-r0"])
>>> pd.read_parquet(paths["metrics"])["x"].tolist()
[3, 1, 2]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["Store", "atomic_path", "write_text", "write_json", "write_parquet", "git_revision",
           "finished_entry", "run_revisions", "other_revision_warning", "revisions_text"]

TMP_PREFIX = ".tmp-"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _publish_mode(path: Path, directory: bool = False) -> None:
    """Give a temporary (created 0600/0700) the permissions a plain ``open`` would have."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path next to ``path``; rename it onto ``path`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        _publish_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON to ``path`` atomically."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_parquet(path: str | Path, table: pd.DataFrame | pa.Table) -> Path:
    """Write a DataFrame or Arrow table to ``path`` as Parquet, atomically."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def git_revision(where: str | Path | None = None) -> str | None:
    """The git commit of the source tree (``+dirty`` if it has local changes), or None."""
    cwd = Path(where) if where else Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty else "")


def run_revisions(runs: Mapping[str, Mapping[str, Any]]) -> Counter[str | None]:
    """How many finished runs of a manifest's ``runs`` each git revision made (None: not recorded).

    Every finished run records the revision that computed it, so a folder
    resumed by newer code says which numbers came from which code.
    """
    return Counter(entry.get("git_revision") for entry in runs.values() if entry.get("status") == "done")


def finished_entry(previous: Mapping[str, Any], folder_revision: str | None) -> dict[str, Any]:
    """The manifest entry of a run found finished on a resume: what it recorded, if the manifest says it is
    done; manifests from before each run recorded its revision credit it to the folder's (``folder_revision``)."""
    kept = previous if previous.get("status") == "done" else {}
    return {"git_revision": folder_revision, **kept, "status": "done"}


def revisions_text(counts: Mapping[str | None, int]) -> str:
    """``counts`` of :func:`run_revisions` as "abc (4 runs), def (2 runs)", most runs first."""
    return ", ".join(f"{rev or 'unknown revision'} ({n} run{'s' if n != 1 else ''})"
                     for rev, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def other_revision_warning(where: str | Path, runs: Mapping[str, Mapping[str, Any]],
                           current: str | None) -> str | None:
    """A warning if finished runs in ``runs`` were made by a git revision other than ``current``, else None.

    Runs whose revision is unknown (made outside a git checkout) are not
    counted: nothing says they differ.
    """
    other = {rev: n for rev, n in run_revisions(runs).items() if rev and rev != current}
    if not other:
        return None
    return (f"warning: {sum(other.values())} finished runs in {where} were made by other code: "
            f"{revisions_text(other)}; this is {current or 'code outside a git checkout'}. "
            "Use a new --out to rerun them with this code")


class Store:
    """A results folder: parts keyed by run id, a manifest, compacted tables.

    The object holds only its root path, so it pickles cheaply to worker
    processes, which write their own parts with :meth:`write_part`.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.parts = self.root / "parts"
        self.manifest_path = self.root / "manifest.json"

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> "Store":
        """Create the folder if needed and remove temporaries a crash left behind."""
        self.parts.mkdir(parents=True, exist_ok=True)
        self.clean()
        return self

    def clean(self) -> None:
        """Remove hidden temporaries (``.tmp-*``) in the root and in ``parts/``."""
        for folder in (self.root, self.parts):
            if not folder.is_dir():
                continue
            for p in folder.glob(f"{TMP_PREFIX}*"):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ parts
    def done(self) -> set[str]:
        """Run ids whose part is complete."""
        if not self.parts.is_dir():
            return set()
        return {p.name for p in self.parts.iterdir() if p.is_dir() and not p.name.startswith(TMP_PREFIX)}

    def write_part(self, run_id: str, tables: dict[str, pd.DataFrame | pa.Table]) -> Path:
        """Write all tables of one run as one part, atomically (temporary folder + rename).

        If the part already exists (another worker finished the same run), the
        existing one is kept: runs are pure functions of their inputs.
        """
        if not run_id or "/" in run_id or run_id.startswith((".", TMP_PREFIX)):
            raise ValueError(f"bad run id {run_id!r}")
        final = self.parts / run_id
        self.parts.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{run_id}.", dir=self.parts))
        try:
            for name, table in tables.items():
                if isinstance(table, pd.DataFrame):
                    table = pa.Table.from_pandas(table, preserve_index=False)
                pq.write_table(table, tmp / f"{name}.parquet")
            _publish_mode(tmp, directory=True)
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def part_tables(self, run_id: str) -> list[str]:
        """Names of the tables stored in one part."""
        return sorted(p.stem for p in (self.parts / run_id).glob("*.parquet"))

    def collect(self, run_ids: Iterable[str], table: str) -> pa.Table:
        """One table concatenated over ``run_ids``, in that order (parts lacking it are skipped)."""
        pieces = [pq.read_table(p) for r in run_ids if (p := self.parts / r / f"{table}.parquet").is_file()]
        if not pieces:
            raise FileNotFoundError(f"{self.root}: no part holds table {table!r}")
        return pa.concat_tables(pieces, promote_options="permissive")

    def compact(self, run_ids: list[str], tables: Iterable[str] | None = None,
                exclude: Iterable[str] = ()) -> dict[str, Path]:
        """Write ``<root>/<table>.parquet`` for each table, rows in the order of ``run_ids``.

        ``tables`` defaults to every table found in the first part, in its
        order; ``exclude`` names tables to leave out. Parts are kept, so a
        compacted store can still be resumed or extended.
        """
        missing = [r for r in run_ids if not (self.parts / r).is_dir()]
        if missing:
            raise FileNotFoundError(f"{self.root}: parts missing for {len(missing)} runs, e.g. {missing[0]!r}")
        names = list(tables) if tables is not None else (self.part_tables(run_ids[0]) if run_ids else [])
        return {name: write_parquet(self.root / f"{name}.parquet", self.collect(run_ids, name))
                for name in names if name not in set(exclude)}

    # ------------------------------------------------------------------ manifest
    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty dict if there is none (or it is unreadable)."""
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        """Replace the manifest atomically."""
        return write_json(self.manifest_path, manifest)

    def update_manifest(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Read, modify in place with ``change``, write back; returns the new manifest."""
        manifest = self.read_manifest()
        change(manifest)
        self.write_manifest(manifest)
        return manifest
