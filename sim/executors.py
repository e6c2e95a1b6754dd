"""Where sweep runs happen: executors behind one small interface (DESIGN.md §5).

``map_unordered(fn, items)`` yields ``fn(item)`` for every item as each
finishes; ``workers`` is the parallelism and ``shared_disk`` says whether
workers can write into the driver's results folder. Three implementations:
in this process, local spawned processes (the default, all cores), and Dask
distributed (a ``LocalCluster`` started here, or any scheduler address, e.g.
one started by dask-jobqueue on SLURM/PBS). Each keeps at most two items
per worker in flight, so memory does not grow with the number of runs. The
executor never touches seeds or results: a run's output depends only on the
item it is given, so every executor gives the same tables.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, Callable, Iterable, Iterator, Protocol

__all__ = ["Executor", "InProcessExecutor", "ProcessExecutor", "DaskExecutor", "make_executor"]


class Executor(Protocol):
    """Where runs happen. ``map_unordered`` yields ``fn(item)`` for every item as each finishes.

    ``workers`` is the parallelism; ``shared_disk`` says whether workers can
    write into the driver's results folder. Use as a context manager.
    """

    workers: int
    shared_disk: bool

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Executor": ...
    def __exit__(self, *exc: Any) -> None: ...


class _Base:
    workers = 1
    shared_disk = True

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        pass


class InProcessExecutor(_Base):
    """Runs every item in this process, one after the other (debugging, profiling)."""

    def map_unordered(self, fn, items):
        for item in items:
            yield fn(item)


class ProcessExecutor(_Base):
    """Local worker processes (spawned, so nothing of the parent's state leaks in).

    At most ``2 x workers`` items are in flight, so memory does not grow with
    the number of runs.
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))

    def map_unordered(self, fn, items):
        items = iter(items)
        pending = set()
        try:
            while True:
                for item in itertools.islice(items, 2 * self.workers - len(pending)):
                    pending.add(self.pool.submit(fn, item))
                if not pending:
                    return
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_Base):
    """Dask distributed: a scheduler at ``address``, or a ``LocalCluster`` of ``workers`` processes.

    On HPC, start workers with dask-jobqueue (``SLURMCluster``/``PBSCluster``)
    and pass its scheduler address; ``shared_disk`` (default: True for a local
    cluster, False for an address) says whether workers write parts into the
    results folder themselves (it must then be on a shared file system) or
    send results back to this process to write.
    """

    def __init__(self, address: str | None = None, workers: int | None = None, shared_disk: bool | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address)
        else:
            n = max(1, workers or os.cpu_count() or 1)
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.shared_disk = (address is None) if shared_disk is None else shared_disk

    def map_unordered(self, fn, items):
        from distributed import as_completed

        items = iter(items)
        first = [self.client.submit(fn, item, pure=False) for item in itertools.islice(items, 2 * self.workers)]
        if not first:
            return
        queue = as_completed(first)
        try:
            for future in queue:
                result = future.result()
                future.release()
                for item in itertools.islice(items, 1):
                    queue.add(self.client.submit(fn, item, pure=False))
                yield result
        finally:
            for f in list(queue.futures):
                f.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str = "process", *, jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """``inprocess``, ``process`` (default: all cores) or ``dask`` (``scheduler`` address or a LocalCluster)."""
    if scheduler or kind == "dask":
        return DaskExecutor(scheduler, jobs)
    if kind == "inprocess" or jobs == 1:
        return InProcessExecutor()
    if kind == "process":
        return ProcessExecutor(jobs)
    raise ValueError(f"executor = {kind!r}: must be one of 'inprocess', 'process', 'dask'")
