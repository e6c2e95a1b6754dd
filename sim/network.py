"""Seeded social-graph generators and the edge-list loader.

Every generator takes a ``numpy.random.Generator`` and returns undirected edges
``(u, v)`` as int arrays; :func:`build_ties` turns them into :class:`~sim.state.Ties`
(CSR) with initial strengths. networkx is used for generation at moderate size
and for analysis, never inside a daily step.

References
----------
Holme, P. & Kim, B. J. (2002). Growing scale-free networks with tunable
clustering. Phys. Rev. E 65, 026107.
McPherson, M., Smith-Lovin, L. & Cook, J. M. (2001). Birds of a feather:
homophily in social networks. Annu. Rev. Sociol. 27, 415-444.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.params import ParamError, Params
from sim.state import Ties

__all__ = ["EdgeList", "EdgeListError", "holme_kim", "homophily_graph", "read_edgelist", "tie_strengths", "build_ties"]


class EdgeListError(ParamError):
    """A user edge-list file is missing or malformed (names file, line and problem)."""

    def __init__(self, path: str | Path, line: int | None, problem: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__("network.edgelist_path", str(path), problem, where=where)


EXACT_HOLME_KIM_MAX_N = 50_000  # above this, holme_kim uses the vectorised approximation (networkx is O(minutes) at 10^6)


def holme_kim(n: int, mean_degree: float, triad_prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Clustered scale-free graph (Holme & Kim 2002) via networkx ``powerlaw_cluster_graph``.

    Each new node attaches ``m = round(mean_degree / 2)`` edges, preferentially,
    and after each one closes a triangle with probability ``triad_prob``.
    Above ``EXACT_HOLME_KIM_MAX_N`` persons :func:`holme_kim_blocks` is used.
    """
    import networkx as nx

    m = max(1, min(n - 1, int(round(mean_degree / 2))))
    if n > EXACT_HOLME_KIM_MAX_N:
        return holme_kim_blocks(n, m, triad_prob, rng)
    g = nx.powerlaw_cluster_graph(n, m, triad_prob, seed=int(rng.integers(2**31)))
    e = np.array(g.edges(), dtype=np.int64).reshape(-1, 2)
    return e[:, 0], e[:, 1]


def holme_kim_blocks(n: int, m: int, triad_prob: float, rng: np.random.Generator,
                     growth: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised approximation of Holme & Kim (2002) for large ``n``.

    Nodes arrive in blocks, each ``growth`` times the graph so far (a loop over
    ~log(n) blocks, not over nodes). A new node's first tie goes to an
    existing node chosen in proportion to degree (a uniform pick among tie
    endpoints: preferential attachment); each of its other ``m - 1`` ties closes
    a triangle with probability ``triad_prob`` (a uniform neighbour of that
    first target) and is preferential otherwise. Nodes of one block attach to
    older nodes only, and repeated picks collapse into one tie, so degrees and
    clustering are close to, not equal to, networkx's sequential version
    (``tests/test_network.py`` bounds the difference).
    """
    seed = min(n, m + 1)
    iu, iv = np.triu_indices(seed, 1)  # a small clique to start from
    us, vs = [iu], [iv]
    ends = np.concatenate([iu, iv])  # every tie's two ends: a uniform pick is degree-proportional
    start = seed
    while start < n:
        stop = min(n, max(start + 1, int(start * growth)))
        k = stop - start
        src = np.concatenate(us), np.concatenate(vs)
        indptr = np.zeros(start + 1, np.int64)
        np.cumsum(np.bincount(np.concatenate(src), minlength=start), out=indptr[1:])
        nbrs = np.concatenate(src[::-1])[np.argsort(np.concatenate(src), kind="stable")]
        first = ends[rng.integers(0, len(ends), k)]
        deg = indptr[first + 1] - indptr[first]
        pa = ends[rng.integers(0, len(ends), (k, m - 1))]
        triad = nbrs[indptr[first][:, None] + (rng.random((k, m - 1)) * deg[:, None]).astype(np.int64)]
        targets = np.column_stack([first, np.where(rng.random((k, m - 1)) < triad_prob, triad, pa)])
        new = np.repeat(np.arange(start, stop), m)
        us.append(new)
        vs.append(targets.ravel())
        ends = np.concatenate([ends, new, targets.ravel()])
        start = stop
    return np.concatenate(us), np.concatenate(vs)


def homophily_graph(values: np.ndarray, mean_degree: float, homophily: float, triad_prob: float,
                    rng: np.random.Generator, candidates: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Values-homophily graph: ties are likelier between people with similar values.

    Each person initiates ``m = round(mean_degree / 2)`` ties. A share
    ``1 - triad_prob`` of them goes to a partner chosen among ``candidates``
    random persons with weight ``exp(-homophily * distance)`` (so ``homophily
    = 0`` is an Erdős–Rényi-like graph); the rest close triangles (a random
    neighbour of a random neighbour), which tunes clustering.
    """
    n = len(values)
    m = max(1, int(round(mean_degree / 2)))
    m_triad = int(round(m * triad_prob))
    m_homo = m - m_triad
    us, vs = [], []
    chunk = max(1, 2_000_000 // (candidates * max(m_homo, 1)))
    for start in range(0, n, chunk):  # chunks bound memory; loop over chunks, not persons
        src = np.repeat(np.arange(start, min(n, start + chunk)), m_homo)
        cand = rng.integers(0, n, size=(len(src), candidates))
        dist = np.linalg.norm(values[cand] - values[src][:, None, :], axis=-1)
        gumbel = -np.log(-np.log(rng.random(cand.shape)))
        pick = np.argmax(-homophily * dist + gumbel, axis=1)  # Gumbel-max = weighted choice
        us.append(src)
        vs.append(cand[np.arange(len(src)), pick])
    u, v = np.concatenate(us), np.concatenate(vs)
    if m_triad:
        base = Ties.from_edges(n, u, v, np.ones(len(u), np.float32))
        deg = base.degree
        src = np.repeat(np.arange(n), m_triad)
        src = src[deg[src] > 0]
        mid = base.indices[base.start[src] + (rng.random(len(src)) * deg[src]).astype(np.int64)]
        far = base.indices[base.start[mid] + (rng.random(len(src)) * deg[mid]).astype(np.int64)]
        u, v = np.concatenate([u, src]), np.concatenate([v, far])
    return u, v


class EdgeList(NamedTuple):
    """An edge list read from a file: node labels in order of first appearance, and the edges between them."""

    labels: list[str]  # node i is labels[i]
    u: np.ndarray
    v: np.ndarray
    strength: np.ndarray | None  # float32 per edge, or None when the file gives none


def read_edgelist(path: str | Path, *, max_strength: float | None = 1.0) -> EdgeList:
    """Read a CSV edge list ``source,target[,strength]`` (a header row is optional).

    Node labels may be any strings; they are numbered in order of first
    appearance. A strength must be a number in ``[0, max_strength]`` (the
    model's tie strengths lie in [0, 1]); ``max_strength=None`` allows any
    number >= 0, such as counts of interactions. Raises :class:`EdgeListError`
    naming the file and line on a missing file, an empty file, a wrong column
    count, a self-loop, or a strength out of range.
    """
    path = Path(path)
    if not path.is_file():
        raise EdgeListError(path, None, "file not found")
    allowed = f"in [0, {max_strength:g}]" if max_strength is not None else "a number >= 0"
    ids: dict[str, int] = {}
    u, v, s = [], [], []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.reader(fh), start=1):
                if not row or all(not c.strip() for c in row):
                    continue
                cells = [c.strip() for c in row]
                if lineno == 1 and cells[:2] == ["source", "target"]:
                    continue
                if len(cells) not in (2, 3):
                    raise EdgeListError(path, lineno, f"expected 2 or 3 columns (source,target[,strength]), got {len(cells)}")
                a, b = cells[0], cells[1]
                if not a or not b:
                    raise EdgeListError(path, lineno, "empty node label")
                if a == b:
                    raise EdgeListError(path, lineno, f"self-loop on node {a!r}")
                if len(cells) == 3:
                    try:
                        w = float(cells[2])
                    except ValueError:
                        raise EdgeListError(path, lineno, f"strength {cells[2]!r} is not a number") from None
                    if not (math.isfinite(w) and 0.0 <= w <= (math.inf if max_strength is None else max_strength)):
                        raise EdgeListError(path, lineno, f"strength {cells[2]} must be {allowed}")
                    s.append(w)
                elif s:
                    raise EdgeListError(path, lineno, "strength missing (earlier rows have one)")
                u.append(ids.setdefault(a, len(ids)))
                v.append(ids.setdefault(b, len(ids)))
    except UnicodeDecodeError:
        raise EdgeListError(path, None, "not a UTF-8 text CSV file") from None
    if not u:
        raise EdgeListError(path, None, "no edges found")
    if s and len(s) != len(u):
        raise EdgeListError(path, None, "strength given on some rows only")
    return EdgeList(list(ids), np.array(u), np.array(v), np.array(s, np.float32) if s else None)


def tie_strengths(k: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Initial strengths: Beta(2, 2(1-mean)/mean), mostly weak ties [000-7]."""
    return rng.beta(2.0, 2.0 * (1.0 - mean) / mean, k).astype(np.float32)


def build_ties(params: Params, values: np.ndarray, rng: np.random.Generator,
               edges: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None) -> Ties:
    """Generate the social graph named by ``params.network.graph`` as :class:`Ties`.

    ``edges`` passes an already loaded edge list (``graph = "edgelist"``); the
    population must then have one person per node of the file.
    """
    net = params.network
    n = len(values)
    s = None
    if edges is not None:
        u, v, s = edges
    elif net.graph == "holme_kim":
        u, v = holme_kim(n, net.mean_degree, net.triad_prob, rng)
    elif net.graph == "homophily":
        u, v = homophily_graph(values, net.mean_degree, net.homophily, net.triad_prob, rng)
    else:
        raise ParamError("network.graph", net.graph, "an edge list must be loaded with read_edgelist first")
    if s is None:
        s = tie_strengths(len(u), net.tie_strength_mean, rng)
    return Ties.from_edges(n, u, v, s)
