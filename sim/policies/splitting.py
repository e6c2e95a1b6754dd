"""Splitting rules: how one group becomes several, each split a node of the fission tree [000-2, 000-3].

Selectable and combinable: ``splitting.split_rules`` is a *list of rule names*
(``SELECTED_BY``), e.g. ``["capacity", "distributor"]``; the splitting phase
runs the listed rules in the order of ``POLICIES``.

* ``capacity`` (default): a group at its cap opens a sibling (an overflow child)
  and joiners beyond the free seats go there. The rule acts at join time, in
  :func:`sim.phases.growth.seat_and_join`; without it, a full group turns
  joiners away. (WeChat caps a group at 500.)
* ``distributor``: a member promoted to distributor (``roles.role_rules`` holds
  ``"distributors"``) founds its own child group and moves into it as its owner;
  members of the old group strongly tied to it follow with
  ``distributor_follow_prob``, and each of its friends outside every group (not
  in cooldown) joins with probability equal to the tie's strength [000-2:
  "users applied to become distributors and founded several new groups"].
* ``tie_community``: every ``community_check_days`` each group of at least
  ``community_min_size`` members is checked for two well-separated communities
  in its internal tie graph (:func:`bisect`); if found, the smaller side moves
  to a child group whose owner is that side's centre [000-2: "more
  self-organised centres, like a Mandelbrot fractal"].
* ``segment``: every ``segment_check_days`` the operator moves the senior (VIP)
  members, distributors and partners of a mixed group into a group of their own
  audience once there are ``segment_min_members`` of them, so that messages meant
  for one audience are not sent to another [000-3].

The criterion "two well-separated communities, each with its own centre"
(:func:`bisect`, :func:`tie_community_split`): the leading eigenvector of the
modularity matrix ``B = W - k k^T / 2m`` splits the nodes by sign (Newman 2006,
PNAS 103:8577); the split is accepted only if

1. its modularity ``Q = sum_side [W_in(side) / 2m - (K_side / 2m)^2] >= modularity_min``
   (0.3 by default; a planted two-block graph gives about 0.5, a random graph
   of mean degree >= 10 or a star well below 0.3). ``W_in`` counts each
   internal tie twice, ``K_side`` is the side's summed strength;
2. each side holds at least ``max(2, ceil(min_side * n))`` nodes, so neither
   side is empty or a handful of stragglers;
3. each side has its own centre: the side's node with the largest summed
   strength to its own side ties at least ``centre_ratio`` times more strongly to
   its own side than to the other one (a hub that belongs to one side);
4. the leaving (smaller) side is a community of people tied together: it holds a
   connected piece (a connected component of the ties among its own nodes) of at
   least ``max(2, ceil(min_side * n))`` nodes. Without it, a group whose ties are
   crumbs (a blast group: hundreds of strangers, a few pairs and triangles of
   friends) could shed a bag of unrelated crumbs: its modularity is high because
   crumbs share no ties, not because they form a community.

Sparse random graphs can reach sizeable modularity by chance (Guimerà, Sales-Pardo
& Amaral 2004, PRE 70:025101); criteria 2 to 4 and the threshold guard against
splitting them.

Cost: criterion 4 needs a connected component of at least the minimum side
size, so a group whose largest component is smaller is refused before any
eigenvector is computed (one depth-first search); nodes without
ties have a zero row in ``B`` and are left out of the eigenproblem (exactly:
they add only zero eigenvalues). In the model, the groups' tie matrices are
handed over as CSR arrays (no scipy matrix per group) and everything runs
compiled (:mod:`sim.kernels`): the eigenproblem by the Lanczos method with
``B``'s product ``W x - k (k.x) / 2m`` (never a dense matrix; ~20 steps for
the model's groups, ~3x faster than LAPACK's dense ``dsyevx`` and ARPACK
were), the fine-tuning and the criteria. No BLAS is called and every sum has
a fixed order, so a split does not depend on the machine's CPU or its BLAS
kernels (it did with LAPACK, where a degenerate leading eigenvalue, e.g. two
alike cliques, left the eigenvector to rounding).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import scipy.sparse as sp

from sim.kernels import (CRUMBS, INDIVISIBLE, LOW_MODULARITY, NO_CENTRE, NO_PIECE, SIDE_TOO_SMALL, SPLIT, TOO_SMALL,
                         bisect_modularity, inside_ties_csr, row_sums, smallest_side, stable_order)
from sim.phases import Today
from sim.phases.growth import seat_and_join
from sim.state import Cause, Role, World, role_set, zero_pad

__all__ = ["NoSplit", "Split", "Verdict", "REFUSALS", "judge", "bisect", "tie_community_split", "POLICIES",
           "SELECTED_BY", "group_tie_matrices"]

_EIGEN_TOL = 1e-8  # Lanczos stops at a residual of 1e-8 ||B|| (ARPACK's tolerance here before)
FOLLOWERS = role_set(Role.MEMBER, Role.CORE, Role.SENIOR, Role.LURKER)  # who may follow a distributor


Csr = tuple[np.ndarray, np.ndarray, np.ndarray]  # (indptr, indices, data) of a square CSR matrix


class NoSplit(ValueError):
    """The graph has no two well-separated communities each with its own centre."""


@dataclass(frozen=True)
class Split:
    """A two-way split of nodes ``0..n-1``: ``stay`` is the larger side, ``leave`` the smaller."""

    stay: np.ndarray  # node indices, sorted
    leave: np.ndarray
    modularity: float
    centres: tuple[int, int]  # centre of stay, centre of leave


REFUSALS = {  # why a check found no split, by the kernels' verdict (criteria of the module docstring)
    TOO_SMALL: "too few nodes or no ties: each side needs {smallest} nodes",
    NO_PIECE: "no connected piece of {smallest} or more nodes (the ties are crumbs)",
    INDIVISIBLE: "no bisection raises modularity (the graph is indivisible)",
    SIDE_TOO_SMALL: "the best bisection leaves a side of fewer than {smallest} nodes",
    LOW_MODULARITY: "modularity {modularity:.3f} is below {modularity_min}",
    NO_CENTRE: "a side has no centre tied {centre_ratio} times more strongly to its own side than to the other",
    CRUMBS: "the smaller side holds no connected piece of {smallest} or more nodes",
}


@dataclass(frozen=True)
class Verdict:
    """What a tie-community check found: the split, or which criterion refused it."""

    split: Split | None
    code: int  # sim.kernels.SPLIT or the refusing criterion (a key of REFUSALS)
    modularity: float  # of the best bisection; 0 when the check stopped before computing it
    smallest: int  # nodes each side needs: max(2, ceil(min_side * n))
    modularity_min: float
    centre_ratio: float

    @property
    def reason(self) -> str:
        """Why there is no split, in words (empty when there is one)."""
        if self.split is not None:
            return ""
        return REFUSALS[self.code].format(smallest=self.smallest, modularity=self.modularity,
                                          modularity_min=self.modularity_min, centre_ratio=self.centre_ratio)


@functools.cache
def _start_vector(n: int) -> np.ndarray:
    """The Lanczos start: fixed standard normal draws (deterministic, almost surely not orthogonal to the answer;
    a constant vector would be, since ``B 1 = 0``)."""
    v = np.random.default_rng(0).standard_normal(n)
    v.flags.writeable = False
    return v


def judge(W: sp.csr_array | np.ndarray, *, modularity_min: float = 0.3, centre_ratio: float = 2.0,
          min_side: float = 0.1) -> Verdict:
    """Check a symmetric strength matrix ``W`` for two communities: the split, or why there is none.

    The criteria are those of the module docstring. Nodes without any tie go to
    the larger side. Deterministic.
    """
    if not (isinstance(W, sp.csr_array) and W.dtype == np.float64):
        W = sp.csr_array(W, dtype=np.float64)
    if W.diagonal().any() or not W.data.all() or not W.has_canonical_format:
        W = W.copy()  # self-ties, explicit zeros or duplicates: clean a copy, not the caller's
        W.setdiag(0)
        W.eliminate_zeros()
        W.sum_duplicates()
    return _judge_csr(W.indptr, W.indices, W.data, modularity_min=modularity_min, centre_ratio=centre_ratio,
                      min_side=min_side)


def bisect(W: sp.csr_array | np.ndarray, *, modularity_min: float = 0.3, centre_ratio: float = 2.0,
           min_side: float = 0.1) -> Split | None:
    """Split the nodes of a symmetric strength matrix ``W`` in two communities, or return ``None`` (:func:`judge`)."""
    return judge(W, modularity_min=modularity_min, centre_ratio=centre_ratio, min_side=min_side).split


def _judge_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, *, modularity_min: float,
               centre_ratio: float, min_side: float) -> Verdict:
    """:func:`judge` of the CSR arrays of a clean strength matrix (symmetric, positive entries, no
    self-ties, no duplicates), compiled in one call (:func:`sim.kernels.bisect_modularity`)."""
    k = row_sums(indptr, data)  # here, not in the kernel: a cached kernel calling the recursive pairwise sum fails to link
    n = len(indptr) - 1
    code, Q, centre_stay, centre_leave, leave_is_side, side = bisect_modularity(
        indptr, indices, data, k, float(k.sum()), _start_vector(n), _EIGEN_TOL, min_side,
        modularity_min, centre_ratio)
    split = None
    if code == SPLIT:
        leave = side if leave_is_side else ~side
        split = Split(stay=np.flatnonzero(~leave), leave=np.flatnonzero(leave), modularity=Q,
                      centres=(int(centre_stay), int(centre_leave)))
    return Verdict(split=split, code=int(code), modularity=float(Q), smallest=smallest_side(n, min_side),
                   modularity_min=modularity_min, centre_ratio=centre_ratio)


def tie_community_split(G, weight: str = "weight", *, modularity_min: float = 0.3, centre_ratio: float = 2.0,
                        min_side: float = 0.1) -> tuple[set, set]:
    """Split a networkx graph along its two communities, each with its own centre.

    Parameters
    ----------
    G:
        An undirected networkx graph; edge attribute ``weight`` is the tie
        strength (edges without it count 1).
    weight:
        Name of the strength attribute.
    modularity_min, centre_ratio, min_side:
        The acceptance criteria of the module docstring.

    Returns
    -------
    ``(larger side, smaller side)``: two non-empty sets of nodes that partition ``G``.

    Raises
    ------
    NoSplit
        When the graph holds no two well-separated communities each with its
        own centre (the function never returns an empty side).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.planted_partition_graph(2, 20, 0.5, 0.01, seed=1)
    >>> a, b = tie_community_split(G)
    >>> sorted(map(len, (a, b))), a | b == set(G), (a == set(range(20))) or (b == set(range(20)))
    ([20, 20], True, True)
    >>> tie_community_split(nx.complete_graph(30))
    Traceback (most recent call last):
    ...
    sim.policies.splitting.NoSplit: no two well-separated communities with their own centres: no bisection raises modularity (the graph is indivisible)
    """
    import networkx as nx

    nodes = list(G)
    if not nodes:
        raise NoSplit("no two well-separated communities with their own centres: the graph has no nodes")
    W = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr")
    verdict = judge(W, modularity_min=modularity_min, centre_ratio=centre_ratio, min_side=min_side)
    if verdict.split is None:
        raise NoSplit(f"no two well-separated communities with their own centres: {verdict.reason}")
    return {nodes[i] for i in verdict.split.stay}, {nodes[i] for i in verdict.split.leave}


# ----------------------------------------------------------------------------- in the model
def group_tie_matrices(w: World, rows: np.ndarray, starts: np.ndarray,
                       groups: np.ndarray) -> Iterator[tuple[int, np.ndarray, Csr]]:
    """``(group, its rows, CSR arrays of the strengths of the ties among its members)`` for each of ``groups``.

    ``rows``/``starts`` come from :func:`_members_by_group`; local indices are
    positions in the group's slice of ``rows``. The members' ties are gathered
    in one pass for all groups, so the cost is O(their ties), not O(persons)
    per group. The arrays are ``(indptr, indices, data)`` views of one buffer,
    not scipy matrices: building a ``csr_array`` (format checks) costs more
    than bisecting a small group.
    """
    ms, ties = w.ms, w.ties
    sizes = starts[groups + 1] - starts[groups]
    sel = np.concatenate([np.arange(starts[g], starts[g + 1]) for g in groups]) if len(groups) else np.zeros(0, int)
    persons = ms.person[rows[sel]].astype(np.int64)
    grp = np.repeat(np.arange(len(groups)), sizes)  # position in ``groups`` of each selected member
    first = np.cumsum(sizes) - sizes
    local = np.full(w.pop.n, -1, np.int64)
    local[persons] = np.arange(len(persons)) - first[grp]
    # ties to the same group, one CSR for all selected members (so each group's rows are contiguous);
    # a strength decayed to 0 (``tie_floor`` 0) is no tie: the matrices stay clean
    ends, col, data = inside_ties_csr(ties.start, ties.end, ties.indices, ties.strength, persons,
                                      ms.group[rows[sel]], w.pop.group, local, stable_order(persons, w.pop.n)[0])
    for i, g in enumerate(groups):
        a, n = int(first[i]), int(sizes[i])
        lo, hi = ends[a], ends[a + n]
        yield int(g), rows[starts[g]: starts[g + 1]], (ends[a: a + n + 1] - lo, col[lo:hi], data[lo:hi])


def _members_by_group(w: World) -> tuple[np.ndarray, np.ndarray]:
    """Live rows sorted by group, and the start offset of every group (CSR-style)."""
    rows = w.ms.live_rows()
    order, starts = stable_order(w.ms.group[rows], w.groups.n)
    return rows[order], starts


def capacity(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001
    """Acts at join time (``sim.phases.growth.seat_and_join``); nothing to do in the splitting phase."""


def distributor(w: World, t: Today, rng: np.random.Generator) -> None:
    """Every distributor founds a child group, moves there as owner and brings its ties along [000-2]."""
    ms, pop, ties, sp_ = w.ms, w.pop, w.ties, w.params.splitting
    rows = ms.live_rows()
    founders = rows[ms.role[rows] == Role.DISTRIBUTOR]
    if len(founders) == 0:
        return
    fp = ms.person[founders].astype(np.int64)
    child = w.new_groups(ms.group[founders], Cause.DISTRIBUTOR, owner=fp)  # one new group per founder
    old = ms.group[founders].copy()
    ms.role[founders] = Role.OWNER
    w.move(founders, child, Cause.DISTRIBUTOR)

    owner, e = ties.entries_of(fp)
    friend = ties.indices[e].astype(np.int64)
    s = ties.strength[e]
    # followers: members of the founder's old group with a strong tie to it
    fr_row = pop.row[friend]
    inside = (pop.group[friend] == old[owner]) & (s >= w.params.network.strong_tie_threshold)
    inside &= FOLLOWERS[ms.role[np.maximum(fr_row, 0)]]
    follow = inside & (rng.random(len(friend)) < sp_.distributor_follow_prob)
    mv, first = np.unique(fr_row[follow], return_index=True)  # tied to two founders: the first wins
    dest = child[owner[follow][first]]
    order, starts = stable_order(dest, w.groups.n)
    mv, dest = mv[order], dest[order]
    rank = np.arange(len(dest)) - starts[dest]
    fits = rank < w.groups.capacity[dest] - 1  # the owner holds one seat
    w.move(mv[fits], dest[fits], Cause.DISTRIBUTOR)
    # seeds: friends outside every group join with probability = tie strength
    free = (pop.row[friend] < 0) & (pop.cooldown_until[friend] <= w.day)
    join = free & (rng.random(len(friend)) < s)
    newcomer, first = np.unique(friend[join], return_index=True)
    by = owner[join][first]
    sp_acq = w.params.acquisition
    trust = sp_acq.trust_stranger + (sp_acq.trust_acquaintance - sp_acq.trust_stranger) * s[join][first]
    seat_and_join(w, newcomer, child[by], trust=trust, cause=Cause.DISTRIBUTOR, actor=fp[by])


def tie_community(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001 (deterministic)
    """Split groups whose tie graph holds two communities with their own centres (see :func:`bisect`)."""
    sp_ = w.params.splitting
    if w.day % sp_.community_check_days:
        return
    rows, starts = _members_by_group(w)
    checked = np.flatnonzero(np.diff(starts) >= sp_.community_min_size)
    # matrices are gathered before any split: a split moves members of its own group only
    for g, gr, (indptr, indices, data) in group_tie_matrices(w, rows, starts, checked):
        split = _judge_csr(indptr, indices, data, modularity_min=sp_.community_modularity_min,
                           centre_ratio=sp_.community_centre_ratio, min_side=sp_.community_min_side).split
        if split is None:
            continue
        child = w.new_group(parent=g, cause=Cause.TIE_COMMUNITY, owner=int(w.ms.person[gr[split.centres[1]]]))
        w.move(gr[split.leave], child, Cause.TIE_COMMUNITY)


SEGMENT_AUDIENCES = (Role.SENIOR, Role.DISTRIBUTOR, Role.PARTNER)


def segment(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001 (deterministic)
    """Move seniors, distributors and partners of mixed groups into groups of their own audience [000-3]."""
    sp_, gr_ = w.params.splitting, w.groups
    if w.day % sp_.segment_check_days:
        return
    rows = w.ms.live_rows()
    mixed = gr_.audience[w.ms.group[rows]] < 0
    sizes = w.group_sizes()
    for role in SEGMENT_AUDIENCES:
        sel = rows[mixed & (w.ms.role[rows] == role)]
        counts = np.bincount(w.ms.group[sel], minlength=gr_.n)
        for g in np.flatnonzero(counts >= sp_.segment_min_members):
            movers = sel[w.ms.group[sel] == g]
            kids = np.flatnonzero((gr_.parent == g) & (gr_.audience == role) & gr_.alive)
            room = [k for k in kids if sizes[k] + len(movers) <= gr_.capacity[k]]
            dest = int(room[0]) if room else w.new_group(parent=int(g), cause=Cause.SEGMENT, audience=int(role))
            sizes = zero_pad(sizes, gr_.n)
            movers = movers[: gr_.capacity[dest] - sizes[dest]]
            w.move(movers, dest, Cause.SEGMENT)
            sizes[dest] += len(movers)
            sizes[g] -= len(movers)


def record_split_sizes(w: World, before: np.ndarray) -> None:
    """Fill the fission-tree sizes of groups opened today (including overflow groups of the growth phase).

    ``before`` holds the group sizes just before the splitting phase's rules ran.
    """
    gr_ = w.groups
    new = np.flatnonzero((gr_.child_size < 0) & (gr_.parent >= 0))
    if len(new) == 0:
        return
    sizes = w.group_sizes()
    before = zero_pad(before, gr_.n)
    today = gr_.created[new] == w.day
    gr_.parent_size_before[new] = np.where(today, before[gr_.parent[new]], -1)
    gr_.parent_size_after[new] = sizes[gr_.parent[new]]
    gr_.child_size[new] = sizes[new]


SELECTED_BY = "splitting.split_rules"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], None]] = {
    "capacity": capacity,
    "distributor": distributor,
    "tie_community": tie_community,
    "segment": segment,
}
