"""Splitting: the pure ``tie_community_split`` on graphs with known answers, and each rule on hand-built worlds."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim.phases import Today
from sim.phases import splitting as splitting_phase
from sim.policies import roles, splitting
from sim.policies.splitting import NoSplit, tie_community_split
from sim.state import Cause, EventKind, Role

RNG = np.random.default_rng


def planted(sizes: tuple[int, int], p_in: float, p_out: float, seed: int) -> nx.Graph:
    """Two dense blocks, sparse between, with random tie strengths in [0.05, 1]."""
    G = nx.random_partition_graph(list(sizes), p_in, p_out, seed=seed)
    rng = RNG(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.uniform(0.05, 1.0))
    return G


# Block sizes from 10 to 250 (equal, and 2:3); p_in keeps blocks dense (internal mean degree >= 8).
# Known limit: with very unequal blocks (e.g. 15 and 40) the two-block split's modularity stays
# below 0.3 (modularity's resolution limit), so the rule refuses them.
CASES = [((n1, n2), max(0.3, 9 / min(n1, n2)), p_out)
         for (n1, n2) in [(10, 10), (20, 20), (40, 60), (80, 80), (100, 150), (250, 250)]
         for p_out in (0.01, 0.02)]


@pytest.mark.parametrize("sizes, p_in, p_out", CASES)
def test_recovers_planted_blocks(sizes, p_in, p_out):
    block_a = set(range(sizes[0]))
    worst = 1.0
    for seed in range(10):
        G = planted(sizes, p_in, p_out, seed)
        a, b = tie_community_split(G)
        assert a and b and a | b == set(G) and not a & b  # a partition with no empty side
        correct = max(len(a & block_a) + len(b - block_a), len(b & block_a) + len(a - block_a))
        worst = min(worst, correct / G.number_of_nodes())
    assert worst >= 0.95


def test_larger_side_first_and_deterministic():
    G = planted((20, 30), 0.5, 0.01, 3)
    a, b = tie_community_split(G)
    assert len(a) >= len(b)
    assert (a, b) == tie_community_split(G)


def test_two_disconnected_cliques_split_exactly():
    G = nx.disjoint_union(nx.complete_graph(12), nx.complete_graph(12))
    a, b = tie_community_split(G)
    assert {frozenset(a), frozenset(b)} == {frozenset(range(12)), frozenset(range(12, 24))}


@pytest.mark.parametrize("make", [
    lambda s: nx.gnp_random_graph(100, 0.12, seed=s),  # no structure, mean degree 12
    lambda s: nx.gnp_random_graph(300, 20 / 300, seed=s),
    lambda s: nx.barabasi_albert_graph(200, 3, seed=s),  # hubs, no communities
    lambda s: nx.powerlaw_cluster_graph(200, 5, 0.5, seed=s),
    lambda s: nx.complete_graph(40),
    lambda s: nx.star_graph(50),  # one centre only
    lambda s: nx.empty_graph(20),
    lambda s: nx.Graph(),
], ids=["er12", "er20", "ba", "powerlaw_cluster", "complete", "star", "no_ties", "empty"])
def test_refuses_without_community_structure(make):
    for seed in range(5):
        with pytest.raises(NoSplit):
            tie_community_split(make(seed))


def crumbs(triangles: int, pairs: int, isolated: int) -> nx.Graph:
    """A blast group's tie graph: disjoint triangles and pairs of friends among strangers."""
    G = nx.Graph()
    for t in range(triangles):
        G.add_edges_from([(3 * t, 3 * t + 1), (3 * t + 1, 3 * t + 2), (3 * t, 3 * t + 2)], weight=0.8)
    base = 3 * triangles
    G.add_edges_from(((base + 2 * i, base + 2 * i + 1) for i in range(pairs)), weight=0.5)
    G.add_nodes_from(range(base + 2 * pairs, base + 2 * pairs + isolated))
    return G


@pytest.mark.parametrize("triangles, pairs, isolated", [(50, 0, 0), (0, 100, 0), (20, 30, 200), (10, 10, 20)])
def test_refuses_a_group_of_crumbs(triangles, pairs, isolated):
    """Criterion 4. Crumbs share no ties, so any grouping of them has modularity near 0.5 and every
    side has a 'centre' tied only to its own side: criteria 1-3 alone split each of these graphs."""
    with pytest.raises(NoSplit):
        tie_community_split(crumbs(triangles, pairs, isolated))


def test_a_tied_circle_leaves_a_group_of_crumbs():
    G = crumbs(30, 0, 0)  # 90 nodes
    clique = range(90, 110)
    G.add_edges_from(((u, v) for u in clique for v in clique if u < v), weight=0.8)
    a, b = tie_community_split(G)
    assert b == set(clique) and a == set(range(90))


def test_each_side_needs_its_own_centre():
    """Two cliques sharing one hub: the hub's side has no centre of its own (it ties equally to both)."""
    G = nx.disjoint_union(nx.complete_graph(10), nx.complete_graph(10))
    nx.set_edge_attributes(G, 0.3, "weight")
    G.add_weighted_edges_from((20, i, 1.0) for i in range(20))
    with pytest.raises(NoSplit):
        tie_community_split(G, modularity_min=0.0)  # only the centre criterion can refuse here
    a, b = tie_community_split(G, modularity_min=0.0, centre_ratio=1.0)
    assert {frozenset(a - {20}), frozenset(b - {20})} == {frozenset(range(10)), frozenset(range(10, 20))}


def test_uses_tie_strengths():
    """Same edges, different weights: the split follows the strong ties, not the edge count."""
    G = nx.complete_graph(16)
    for u, v in G.edges:
        G[u][v]["weight"] = 1.0 if (u < 8) == (v < 8) else 0.02
    a, b = tie_community_split(G)
    assert {frozenset(a), frozenset(b)} == {frozenset(range(8)), frozenset(range(8, 16))}
    with pytest.raises(NoSplit):
        tie_community_split(G, weight=None)  # unweighted, it is a clique


# ----------------------------------------------------------------------------- rules in a world
def two_cliques_world(world_factory, k=15, overrides=None):
    edges = [(i, j, 0.8) for i in range(k) for j in range(i + 1, k)]
    edges += [(i, j, 0.8) for i in range(k, 2 * k) for j in range(i + 1, 2 * k)]
    edges += [(0, k, 0.1)]
    members = {p: 0 for p in range(2 * k)}
    return build(world_factory, 2 * k + 5, edges, members, {"community_min_size": 10, **(overrides or {})})


def build(world_factory, n, edges, members, overrides):
    w = world_factory(n, edges, members=members, overrides=overrides)
    w.day = 7
    return w


def test_tie_community_rule_moves_the_smaller_side_to_a_child(world_factory):
    w = two_cliques_world(world_factory, overrides={"split_rules": ["tie_community"]})
    t = Today(rows=w.ms.live_rows())
    splitting_phase.run(w, t, RNG(0))
    w.check()
    assert w.groups.n == 2 and w.groups.parent[1] == 0 and w.groups.cause[1] == Cause.TIE_COMMUNITY
    moved = set(np.flatnonzero(w.pop.group == 1))
    assert moved in ({*range(15)}, {*range(15, 30)})
    assert w.groups.owner[1] in moved
    assert (w.groups.parent_size_before[1], w.groups.parent_size_after[1], w.groups.child_size[1]) == (30, 15, 15)
    ev = w.events.frame()
    assert (ev.kind == "move").sum() == 15


def test_group_tie_matrices_hold_each_groups_inside_ties(world_factory):
    """The CSR arrays handed to the bisection are the strengths among the group's members, in the
    order of its rows; ties to other groups or outside, and strengths decayed to 0, are left out."""
    rng = np.random.default_rng(3)
    n = 40
    pairs = {(int(min(i, j)), int(max(i, j))) for i, j in rng.integers(0, n, (150, 2)) if i != j}
    edges = [(i, j, 0.0 if q < 0.1 else round(float(q), 3)) for (i, j), q in zip(sorted(pairs), rng.random(len(pairs)))]
    members = {p: int(rng.integers(0, 2)) for p in range(30)}  # persons 30.. belong to no group
    w = world_factory(n, edges, members=members, overrides={"split_rules": ["tie_community"]}, n_groups=2)
    rows, starts = splitting._members_by_group(w)
    strength = {(i, j): s for i, j, s in edges} | {(j, i): s for i, j, s in edges}
    seen = []
    for g, gr, (indptr, indices, data) in splitting.group_tie_matrices(w, rows, starts, np.array([0, 1])):
        persons = w.ms.person[gr]
        got = sp.csr_array((data, indices, indptr), shape=(len(gr), len(gr))).toarray()
        want = np.array([[strength.get((int(a), int(b)), 0.0) for b in persons] for a in persons])
        assert np.allclose(got, want, atol=1e-6) and data.all()
        seen.append(g)
    assert seen == [0, 1]


def test_tie_community_rule_only_on_check_days_and_large_groups(world_factory):
    w = two_cliques_world(world_factory, overrides={"split_rules": ["tie_community"]})
    w.day = 8  # not a multiple of community_check_days = 7
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert w.groups.n == 1
    w = two_cliques_world(world_factory, overrides={"split_rules": ["tie_community"], "community_min_size": 31})
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert w.groups.n == 1


def test_default_rules_do_not_split(world_factory):
    w = two_cliques_world(world_factory)
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert w.groups.n == 1


def test_distributor_founds_a_group_with_followers_and_friends(world_factory):
    # person 0 is a distributor in group 0; 1, 2 members strongly tied to it; 3 weakly tied;
    # 5, 6 outside any group: 5 a tie of strength 1 (always joins), 6 of strength 0 (never)
    edges = [(0, 1, 0.9), (0, 2, 0.9), (0, 3, 0.1), (0, 5, 1.0), (0, 6, 0.0)]
    w = build(world_factory, 8, edges, {0: 0, 1: 0, 2: 0, 3: 0, 4: 0},
              {"split_rules": ["distributor"], "distributor_follow_prob": 1.0})
    w.ms.role[w.pop.row[0]] = Role.DISTRIBUTOR
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    w.check()
    assert w.groups.n == 2 and w.groups.cause[1] == Cause.DISTRIBUTOR and w.groups.owner[1] == 0
    assert w.ms.role[w.pop.row[0]] == Role.OWNER
    assert set(np.flatnonzero(w.pop.group == 1)) == {0, 1, 2, 5}
    assert set(np.flatnonzero(w.pop.group == 0)) == {3, 4}
    assert w.groups.child_size[1] == 4 and w.groups.parent_size_before[1] == 5
    # founding happens once: the owner is no longer a distributor
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(1))
    assert w.groups.n == 2


def test_segment_moves_each_audience_to_its_own_group(world_factory):
    members = {p: 0 for p in range(20)}
    w = build(world_factory, 20, [], members, {"split_rules": ["segment"], "segment_min_members": 3})
    rows = w.pop.row
    w.ms.role[rows[[0, 1, 2, 3]]] = Role.SENIOR
    w.ms.role[rows[[4, 5]]] = Role.PARTNER  # too few for their own group
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    w.check()
    assert w.groups.n == 2 and w.groups.audience[1] == Role.SENIOR and w.groups.cause[1] == Cause.SEGMENT
    assert set(np.flatnonzero(w.pop.group == 1)) == {0, 1, 2, 3}
    # a later senior joins the existing senior group rather than a new one
    w.ms.role[rows[[6, 7, 8]]] = Role.SENIOR
    w.day = 14
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    assert w.groups.n == 2 and set(np.flatnonzero(w.pop.group == 1)) == {0, 1, 2, 3, 6, 7, 8}


def test_moves_keep_member_state(world_factory):
    w = two_cliques_world(world_factory, overrides={"split_rules": ["tie_community"]})
    w.ms.posts[w.ms.live_rows()] = np.arange(30)
    before = dict(zip(w.ms.person[w.ms.live_rows()], w.ms.posts[w.ms.live_rows()]))
    splitting_phase.run(w, Today(rows=w.ms.live_rows()), RNG(0))
    rows = w.ms.live_rows()
    assert dict(zip(w.ms.person[rows], w.ms.posts[rows])) == before
    kinds = set(w.events.frame().kind)
    assert "leave" not in kinds and EventKind.MOVE.name.lower() in kinds


def test_registry_names_match_parameter_choices():
    from sim.params import Params

    choices = {path: spec.choices for path, _, spec in Params.specs()}
    assert tuple(splitting.POLICIES) == choices[splitting.SELECTED_BY]
    assert set(roles.POLICIES) == set(choices[roles.SELECTED_BY])
