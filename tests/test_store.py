"""The results store: atomic files, parts that exist whole or not at all, compaction order."""

from __future__ import annotations

import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.store import Store, atomic_path, write_json, write_parquet, write_text


def hidden(root) -> list[str]:
    return [p.name for p in root.rglob(".tmp-*")]


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    write_text(path, "one")
    write_text(path, "two")
    assert path.read_text() == "two"
    assert hidden(tmp_path) == []
    # a plain file's permissions, not mkstemp's 0600
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"ok": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("{half")
            raise RuntimeError("crash while writing")
    assert path.read_text().startswith("{")
    assert '"ok": 1' in path.read_text()
    assert hidden(tmp_path) == []


def test_interrupted_part_is_not_done_and_is_cleaned(tmp_path, monkeypatch):
    store = Store(tmp_path).open()
    calls = {"n": 0}
    real = pq.write_table

    def flaky(table, where, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C between the first and second table
        return real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", flaky)
    with pytest.raises(KeyboardInterrupt):
        store.write_part("r1", {"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"y": [2]})})
    assert store.done() == set()
    assert hidden(tmp_path) == []  # removed on the way out


def test_leftover_temporaries_from_a_kill_are_removed_on_open(tmp_path):
    store = Store(tmp_path).open()
    (store.parts / ".tmp-r1.abc").mkdir()
    (store.parts / ".tmp-r1.abc" / "metrics.parquet").write_bytes(b"PAR1 half")
    (tmp_path / ".tmp-metrics.parquet.xyz").write_bytes(b"half")
    assert store.done() == set()
    Store(tmp_path).open()
    assert hidden(tmp_path) == []


def test_compact_follows_the_requested_order_and_keeps_types(tmp_path):
    store = Store(tmp_path).open()
    for i in (2, 0, 1):  # finish out of order
        store.write_part(f"r{i}", {
            "metrics": pd.DataFrame({"run": [i, i], "v": [0.5 * i, 1.0]}),
            "events": pd.DataFrame({"kind": pd.Categorical(["join"] * i, categories=["join", "leave"])}),
        })
    paths = store.compact(["r0", "r1", "r2"])
    m = pd.read_parquet(paths["metrics"])
    assert m["run"].tolist() == [0, 0, 1, 1, 2, 2]
    e = pd.read_parquet(paths["events"])
    assert len(e) == 3 and isinstance(e["kind"].dtype, pd.CategoricalDtype)
    assert store.done() == {"r0", "r1", "r2"}  # parts are kept for resuming


def test_compact_refuses_missing_parts(tmp_path):
    store = Store(tmp_path).open()
    store.write_part("r0", {"metrics": pd.DataFrame({"x": [1]})})
    with pytest.raises(FileNotFoundError, match="r1"):
        store.compact(["r0", "r1"])
    assert not (tmp_path / "metrics.parquet").exists()


def test_empty_and_typed_tables_concatenate(tmp_path):
    """A run with no rows (object columns) must not break compaction with typed runs."""
    store = Store(tmp_path).open()
    store.write_part("a", {"g": pd.DataFrame(columns=["day", "size"])})
    store.write_part("b", {"g": pd.DataFrame({"day": [1], "size": [3.5]})})
    df = pd.read_parquet(store.compact(["a", "b"])["g"])
    assert df["size"].tolist() == [3.5]


def test_manifest_update_roundtrip(tmp_path):
    store = Store(tmp_path).open()
    assert store.read_manifest() == {}
    store.update_manifest(lambda m: m.update(status="running"))
    store.update_manifest(lambda m: m.update(runs={"r0": "done"}))
    assert store.read_manifest() == {"status": "running", "runs": {"r0": "done"}}


def test_write_parquet_from_dataframe(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", pd.DataFrame({"a": [1, 2]}))
    assert pd.read_parquet(path)["a"].tolist() == [1, 2]


def test_bad_run_ids_are_refused(tmp_path):
    store = Store(tmp_path).open()
    for bad in ("", "../x", ".tmp-r", ".hidden"):
        with pytest.raises(ValueError):
            store.write_part(bad, {"a": pd.DataFrame({"x": [1]})})
