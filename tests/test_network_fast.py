"""The vectorised Holme-Kim approximation used above ``EXACT_HOLME_KIM_MAX_N`` persons."""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim import network
from sim.network import holme_kim, holme_kim_blocks
from sim.state import Ties


def _graph(n, u, v):
    return Ties.from_edges(n, u, v, np.ones(len(u), np.float32)).to_networkx()


def test_blocks_match_networkx_in_degree_and_clustering():
    n, m, p = 10_000, 6, 0.5
    fast = _graph(n, *holme_kim_blocks(n, m, p, np.random.default_rng(0)))
    exact = nx.powerlaw_cluster_graph(n, m, p, seed=0)
    d_fast = np.array([d for _, d in fast.degree()])
    d_exact = np.array([d for _, d in exact.degree()])
    assert abs(d_fast.mean() - d_exact.mean()) / d_exact.mean() < 0.05  # repeated picks collapse: ~4 % fewer
    assert d_fast.min() >= 1 and nx.is_connected(fast)
    assert d_fast.max() > 30 * d_fast.mean()  # heavy tail from preferential attachment, as in networkx
    c_fast, c_exact = nx.average_clustering(fast), nx.average_clustering(exact)
    assert 0.7 < c_fast / c_exact < 1.4
    # triad formation is what makes the clustering: without it clustering collapses
    flat = _graph(n, *holme_kim_blocks(n, m, 0.0, np.random.default_rng(0)))
    assert nx.average_clustering(flat) < 0.5 * c_fast


def test_blocks_are_a_function_of_the_seed():
    a = holme_kim_blocks(5000, 4, 0.3, np.random.default_rng(3))
    b = holme_kim_blocks(5000, 4, 0.3, np.random.default_rng(3))
    c = holme_kim_blocks(5000, 4, 0.3, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])


def test_holme_kim_switches_to_blocks_above_the_threshold(monkeypatch):
    monkeypatch.setattr(network, "EXACT_HOLME_KIM_MAX_N", 1000)
    u, v = holme_kim(2000, 8, 0.5, np.random.default_rng(1))
    expected = holme_kim_blocks(2000, 4, 0.5, np.random.default_rng(1))
    assert np.array_equal(u, expected[0]) and np.array_equal(v, expected[1])
