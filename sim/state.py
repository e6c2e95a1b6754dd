"""The model's state as arrays: Population, Memberships, Ties, Groups, EventLog.

Everything a daily rule reads or writes lives here as numpy arrays (structure of
arrays, DESIGN.md §3); Mesa agents in :mod:`sim.agents` are thin views on them.

Invariants (checked by :meth:`World.check` and the tests):

* a person holds at most one live membership, and ``Population.row[p]`` points
  at it (``-1`` when not a member);
* every live membership belongs to a live group, no group is above capacity;
* engagement, trust and tie strengths stay within ``[0, 1]``;
* ties are symmetric: ``strength[u->v] == strength[v->u]``.

A person in one live membership at a time is a deliberate simplification: the
operator's groups serve one audience, so a person's attention for this operator
is spent in one group. Moving between groups (splits, overflow) is a leave
followed by a join.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from sim.inside import InsideTies
from sim.kernels import copy_rows, merge_into_rows, row_lower_bound
from sim.params import Params

__all__ = ["Role", "role_set", "zero_pad", "EventKind", "Cause", "Population", "Memberships", "Ties", "Groups",
           "EventLog", "World"]


class Role(IntEnum):
    """A member's role in a group [000-3, 001, 004]."""

    MEMBER = 0
    CORE = 1
    ADMIN = 2
    KOL = 3
    DISTRIBUTOR = 4
    PARTNER = 5
    SPAMMER = 6
    LURKER = 7  # a muted member: reads seldom, never posts [001]
    OWNER = 8  # runs its own (child) group, e.g. a distributor's group [000-2]
    SENIOR = 9  # senior (VIP) member: a repeat buyer [000-3, 000-6]


def role_set(*roles: Role) -> np.ndarray:
    """A set of roles as a boolean table over role codes: ``table[ms.role[rows]]`` tests membership.

    A table lookup, where ``np.isin`` on 40k members cost ~0.6 ms a call (it
    was called a dozen times a day with every policy on).
    """
    table = np.zeros(len(Role), bool)
    table[list(roles)] = True
    return table


def zero_pad(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` followed by zeros up to length ``n`` (a per-group array once groups have opened):
    ``np.pad`` costs ~0.2 ms a call in argument handling alone."""
    out = np.zeros(n, x.dtype)
    out[: len(x)] = x
    return out


class EventKind(IntEnum):
    INVITE = 0
    JOIN = 1
    LEAVE = 2
    MUTE = 3
    UNMUTE = 4
    PURCHASE = 5
    GROUP_CREATED = 6
    MOVE = 7  # moved to another group by a split; ``actor`` = the group left
    PROMOTE = 8  # took a role; ``joined`` holds the new Role code
    DEMOTE = 9  # stepped down (admin rotation); ``joined`` holds the role left
    ATTEND = 10  # attended an offline event [000-7]
    WARN = 11  # warned for posting ads [001]
    ELIMINATE = 12  # removed by the operator's elimination policy; ``cause`` says which rule [001]
    REWARD = 13  # won a share of the weekly fund [004]


class Cause(IntEnum):
    NONE = 0
    CORE = 1
    BLAST = 2
    INVITATION = 3
    DISSATISFIED = 4
    SPAM = 5
    BACKGROUND = 6
    OVERFLOW = 7
    FIRST = 8
    REPEAT = 9
    KOL = 10  # a KOL's follower, or the KOL itself [004]
    DISTRIBUTOR = 11  # split: a distributor founds its own group [000-2]
    TIE_COMMUNITY = 12  # split along two communities of the group's tie graph [000-2]
    SEGMENT = 13  # split: the operator separates an audience into its own group [000-3]
    ROTATION = 14  # admin rotation [001, 004]
    OFFLINE_EVENT = 15  # [000-7]
    INACTIVE = 16  # eliminated: silent for K days [001]
    REPLACED = 17  # eliminated: among the least active of a full group [001]
    KICKED = 18  # eliminated: too many warnings for ads [001, 002]


# ----------------------------------------------------------------------------- helpers
def _grow(arr: np.ndarray, n: int) -> np.ndarray:
    """Return ``arr`` resized to hold at least ``n`` rows (amortised doubling)."""
    if n <= len(arr):
        return arr
    new = np.zeros((max(n, 2 * len(arr), 16),) + arr.shape[1:], dtype=arr.dtype)
    new[: len(arr)] = arr
    return new


def alignment(values: np.ndarray, center: np.ndarray, scale: float) -> np.ndarray:
    """Values alignment ``exp(-|v - c|^2 / (2 scale^2))`` in ``(0, 1]`` [000-1, 002].

    A Gaussian similarity: 1 at the group's stated values, ``exp(-1/2)`` at
    distance ``scale``.
    """
    d2 = np.sum((values - center) ** 2, axis=-1)
    return np.exp(-d2 / (2.0 * scale * scale)).astype(np.float32)


# ----------------------------------------------------------------------------- tables
@dataclass
class Population:
    """Per-person traits (fixed) and per-person pointers (``row``, ``cooldown_until``)."""

    values: np.ndarray  # (N, d) float32, values-space position
    segment: np.ndarray  # (N,) int8, 0 beginner / 1 intermediate / 2 advanced [003]
    sociability: np.ndarray  # (N,) float32, lognormal mean 1
    attention: np.ndarray  # (N,) float32, messages/day
    spammer: np.ndarray  # (N,) bool
    purchasing_power: np.ndarray  # (N,) float32 in (0, 1)
    spam_tolerance: np.ndarray  # (N,) float32, tolerated ad share of the feed
    row: np.ndarray = field(init=False)  # (N,) int64, live membership row or -1
    group: np.ndarray = field(init=False)  # (N,) int32, group of the live membership or -1
    cooldown_until: np.ndarray = field(init=False)  # (N,) int32, day before which no re-entry

    def __post_init__(self) -> None:
        n = len(self.segment)
        self.row = np.full(n, -1, dtype=np.int64)
        self.group = np.full(n, -1, dtype=np.int32)
        self.cooldown_until = np.full(n, -(2**30), dtype=np.int32)

    @property
    def n(self) -> int:
        return len(self.segment)

    @classmethod
    def generate(cls, params: Params, rng: np.random.Generator, n: int | None = None) -> "Population":
        """Draw ``n`` persons' traits from the population parameters."""
        pp = params.population
        n = pp.n_persons if n is None else n
        sigma = pp.sociability_sigma
        m = pp.purchasing_power_mean
        return cls(
            values=(rng.standard_normal((n, pp.values_dim)) * pp.values_dispersion).astype(np.float32),
            segment=rng.choice(len(pp.segment_shares), size=n, p=pp.segment_shares).astype(np.int8),
            sociability=rng.lognormal(-sigma * sigma / 2, sigma, n).astype(np.float32),
            attention=rng.lognormal(np.log(pp.attention_mean) - 0.125, 0.5, n).astype(np.float32),
            spammer=rng.random(n) < pp.spam_share,
            purchasing_power=rng.beta(4 * m, 4 * (1 - m), n).astype(np.float32),
            spam_tolerance=rng.beta(2.0, 2.0 * (1 - pp.spam_tolerance_mean) / max(pp.spam_tolerance_mean, 1e-3),
                                    n).astype(np.float32),
        )


_MEMBERSHIP_COLUMNS: dict[str, np.dtype] = {
    "person": np.dtype(np.int32),
    "group": np.dtype(np.int32),
    "joined": np.dtype(np.int32),
    "engagement": np.dtype(np.float32),  # probability of being active on a day
    "satisfaction": np.dtype(np.float32),  # running value received minus expected
    "trust": np.dtype(np.float32),  # trust in the group, [0, 1]
    "alignment": np.dtype(np.float32),  # values alignment with the group, fixed at join
    "role": np.dtype(np.int8),
    "last_active": np.dtype(np.int32),
    "last_post": np.dtype(np.int32),
    "posts": np.dtype(np.int32),  # UGC posts so far
    "purchases": np.dtype(np.int32),
    "warnings": np.dtype(np.int16),
    "muted": np.dtype(bool),
    "alive": np.dtype(bool),
    "recruits": np.dtype(np.int32),  # friends this member brought in (joins it caused) [000-2]
    "week_score": np.dtype(np.float32),  # contributions counted for this week's fund [004]
    "paid": np.dtype(np.float32),  # entry fee paid [004]
}


class Memberships:
    """One row per person-in-group; a growable structure of arrays.

    Rows are appended on join and flagged dead on leave; :meth:`compact` drops
    dead rows when they pile up (and re-points ``Population.row``). Columns are
    attributes named as in ``_MEMBERSHIP_COLUMNS``.
    """

    columns = tuple(_MEMBERSHIP_COLUMNS)

    def __init__(self, capacity: int = 1024):
        self.size = 0
        for name, dt in _MEMBERSHIP_COLUMNS.items():
            setattr(self, name, np.zeros(capacity, dtype=dt))

    def add(self, persons: np.ndarray, groups: np.ndarray, day: int, *, engagement: np.ndarray | float,
            trust: np.ndarray | float, alignment: np.ndarray, role: np.ndarray | int) -> np.ndarray:
        """Append memberships; return their row indices."""
        k = len(persons)
        start, stop = self.size, self.size + k
        for name in self.columns:
            setattr(self, name, _grow(getattr(self, name), stop))
        rows = np.arange(start, stop)
        for name in self.columns:
            getattr(self, name)[start:stop] = 0
        self.person[rows] = persons
        self.group[rows] = groups
        self.joined[rows] = day
        self.engagement[rows] = engagement
        self.trust[rows] = trust
        self.alignment[rows] = alignment
        self.role[rows] = role
        self.last_active[rows] = day
        self.last_post[rows] = -(2**30)
        self.alive[rows] = True
        self.size = stop
        return rows

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive[: self.size])

    def compact(self, pop: Population) -> None:
        """Drop dead rows and re-point ``pop.row`` (keeps row order)."""
        keep = self.live_rows()
        for name in self.columns:
            col = getattr(self, name)
            col[: len(keep)] = col[keep]
        self.size = len(keep)
        pop.row[self.person[: self.size]] = np.arange(self.size)


class Ties:
    """The social graph: each person's row of sorted neighbours, with a strength per directed entry.

    Row ``i`` is ``indices[start[i]:end[i]]`` (columns ascending) with
    strengths ``strength[start[i]:end[i]]``; each undirected tie is stored in
    both directions with equal strength. Slots outside rows hold no tie
    (``indices`` -1); :meth:`live` lists the ties themselves, :meth:`csr`
    gives them as compact CSR arrays.

    Rows are laid out in person order with spare slots after their end
    (``room``), so the day's new ties (:meth:`add`, then :meth:`merge` once a
    step) are written in place: O(new ties x degree), where inserting them
    into compact CSR arrays copied every tie each day (17 MB at 10^5 persons
    with every policy on, ~160 MB at 10^6). A row with no room left moves to
    the free space at the end with twice the slots it needs; when that runs
    out, all rows are laid out afresh.
    """

    SPARE_SHARE, SPARE_MIN = 0.25, 4  # spare slots of a row when laid out: a quarter of its degree, at least 4
    FREE_SHARE = 0.25  # free space after the rows when laid out, as a share of their slots (lasts ~2 months)

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray, strength: np.ndarray):
        """From compact CSR arrays (``indptr`` of length ``n + 1``)."""
        self.n = n
        indptr = np.asarray(indptr, np.int64)
        self.start, self.end = indptr[:-1].copy(), indptr[1:].copy()
        self.indices, self.strength = np.asarray(indices, np.int32), np.asarray(strength, np.float32)
        self._lay_out()
        self._buf_u: list[np.ndarray] = []
        self._buf_v: list[np.ndarray] = []
        self._buf_s: list[np.ndarray] = []

    def _lay_out(self, reserve: int = 0) -> None:
        """Place the rows afresh in person order, each with spare slots, and free space after them."""
        degree = self.degree
        slots = degree + np.maximum(self.SPARE_MIN, (self.SPARE_SHARE * degree).astype(np.int64))
        to = np.cumsum(slots) - slots
        self._used = int(slots.sum())
        size = self._used + max(1024, int(self.FREE_SHARE * self._used), reserve)
        indices, strength = np.full(size, -1, np.int32), np.zeros(size, np.float32)
        copy_rows(self.start, self.end, self.indices, self.strength, to, indices, strength)
        self.indices, self.strength = indices, strength
        self.start, self.end, self.room = to, to + degree, to + slots

    @classmethod
    def from_edges(cls, n: int, u: np.ndarray, v: np.ndarray, s: np.ndarray) -> "Ties":
        """Build from undirected edges (any order, duplicates keep the max strength, loops dropped)."""
        u, v, s = np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(s, np.float32)
        keep = u != v
        u, v, s = u[keep], v[keep], s[keep]
        src, dst, st = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([s, s])
        key = src * n + dst
        order = np.argsort(key)  # one argsort, not a lexsort with strength (4x faster at 10^6 persons)
        key, st = key[order], st[order]
        first = np.ones(len(key), bool)
        first[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(first)
        key, st = key[starts], (np.maximum.reduceat(st, starts) if len(st) else st)  # duplicates: max strength
        rows = key // n
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(n, indptr, (key % n).astype(np.int32), st)

    @property
    def degree(self) -> np.ndarray:
        return self.end - self.start

    def neighbors(self, i: int) -> np.ndarray:
        return self.indices[self.start[i]: self.end[i]]

    def entries_of(self, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of ``persons``' rows: ``(owner position in persons, entry index)``, rows in the order given.

        One vectorised gather (no Python loop), O(sum of degrees).
        """
        starts = self.start[persons]
        counts = self.end[persons] - starts
        total = int(counts.sum())
        owner = np.repeat(np.arange(len(persons)), counts)
        shift = starts - (np.cumsum(counts) - counts)  # entry = position in the output + its row's shift
        return owner, np.arange(total) + np.repeat(shift, counts)

    def live(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every directed tie in (row, column) order: ``(src, dst, entry)``, ``entry`` its slot."""
        src, e = self.entries_of(np.arange(self.n))
        return src.astype(np.int32), self.indices[e], e

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ties as compact CSR arrays ``(indptr, indices, strength)``, as scipy's ``csr_array`` takes them."""
        indptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(self.degree, out=indptr[1:])
        _, dst, e = self.live()
        return indptr, dst, self.strength[e]

    def add(self, u: np.ndarray, v: np.ndarray, strength: float | np.ndarray) -> None:
        """Buffer new undirected ties; existing ones are kept as they are."""
        if len(u):
            self._buf_u.append(np.asarray(u, np.int64))
            self._buf_v.append(np.asarray(v, np.int64))
            self._buf_s.append(np.broadcast_to(np.asarray(strength, np.float32), len(u)).copy())

    def merge(self) -> int:
        """Insert buffered ties (both directions) that do not exist yet; return how many.

        A tie buffered more than once gets the largest of its strengths (as in :meth:`from_edges`).
        """
        if not self._buf_u:
            return 0
        u, v = np.concatenate(self._buf_u), np.concatenate(self._buf_v)
        s = np.concatenate(self._buf_s)
        self._buf_u, self._buf_v, self._buf_s = [], [], []
        keep = u != v
        a, b, s = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep]), s[keep]
        n = self.n
        # one strength per undirected tie, the largest buffered (a tie met at an event and in a chat on the
        # same day is the event's), so both directions get it; deduplicating the directed keys instead gave
        # u -> v and v -> u different strengths when the tie was buffered both ways round
        order = np.lexsort((-s, a * n + b))
        a, b, s = a[order], b[order], s[order]
        first = np.ones(len(a), bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, s = a[first], b[first], s[first]
        new_key = np.concatenate([a * n + b, b * n + a])
        order = np.argsort(new_key)
        new_key, st = new_key[order], np.concatenate([s, s])[order]
        # existence, by binary search within each new tie's row: O(new ties x log degree), not O(all ties)
        _, exists = self._lower_bound(new_key // n, new_key % n)
        new_key, st = new_key[~exists], st[~exists]
        if len(new_key) == 0:
            return 0
        rows, cols = new_key // n, (new_key % n).astype(np.int32)
        done = 0
        while done < len(rows):  # in place; a fresh layout only when the free space runs out
            k, self._used = merge_into_rows(self.start, self.end, self.room, self.indices, self.strength,
                                            self._used, rows[done:], cols[done:], st[done:])
            done += k
            if done < len(rows):
                self._lay_out(reserve=4 * (int(self.degree.max()) + len(rows) - done))
        return len(new_key) // 2

    def lookup(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Entry (slot) of each tie ``u -> v``, or -1 where there is none.

        A binary search inside each row ``u`` (columns are sorted within rows),
        vectorised over the queries: O(queries x log degree), independent of
        the number of ties.
        """
        pos, found = self._lower_bound(np.asarray(u, np.int64), np.asarray(v, np.int64))
        return np.where(found, pos, -1)

    def _lower_bound(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per query: the first entry of row ``u`` whose column is not below ``v``, and whether it is ``v``."""
        return row_lower_bound(self.start, self.end, self.indices, u, v)

    def to_networkx(self):
        """A networkx Graph with current strengths as the ``weight`` edge attribute."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        src, dst, e = self.live()
        upper = src < dst
        g.add_weighted_edges_from(zip(src[upper].tolist(), dst[upper].tolist(),
                                      self.strength[e[upper]].astype(float).tolist()))
        return g


class Groups:
    """The operator's groups (few), as small arrays. Groups are never deleted."""

    def __init__(self, dim: int):
        self.center = np.zeros((0, dim), np.float32)
        self.capacity = np.zeros(0, np.int32)
        self.parent = np.zeros(0, np.int32)
        self.created = np.zeros(0, np.int32)
        self.cause = np.zeros(0, np.int8)
        self.alive = np.zeros(0, bool)
        self.owner = np.zeros(0, np.int32)  # person running the group (-1: the operator)
        self.audience = np.zeros(0, np.int8)  # Role the group is reserved for (-1: mixed) [000-3]
        # the split that opened the group, measured after that day's splitting phase:
        self.parent_size_before = np.zeros(0, np.int32)  # parent's members at the start of the day
        self.parent_size_after = np.zeros(0, np.int32)
        self.child_size = np.zeros(0, np.int32)
        self.fund = np.zeros(0)  # weekly-fund balance (currency) [004]
        self.fund_weeks_paid = np.zeros(0, np.int32)
        self.prize = np.zeros(0)  # prize per winner at the last payout (currency)
        self.admin_pot = np.zeros(0)  # crowdfunded dues not yet paid to admins (currency) [004]
        self.kpi_last = np.zeros(0)  # the group's effective posts in the last paid-admin week [004]

    @property
    def n(self) -> int:
        return len(self.capacity)

    def create(self, center: np.ndarray, capacity: int, parent: np.ndarray | int, day: int, cause: Cause, *,
               owner: np.ndarray | int = -1, audience: int = -1) -> np.ndarray:
        """Open one group per entry of ``parent`` (an int opens one); return their ids."""
        parent = np.atleast_1d(np.asarray(parent, np.int32))
        k = len(parent)

        def extend(name: str, value) -> None:  # a new array with the value(s) after the old ones
            col = getattr(self, name)
            new = np.empty((len(col) + k,) + col.shape[1:], col.dtype)
            new[: len(col)] = col
            new[len(col):] = value  # broadcast by assignment: concatenate(broadcast_to(...)) cost ~40 us a column
            setattr(self, name, new)

        extend("center", center)
        for name, value in (("capacity", capacity), ("parent", parent), ("created", day), ("cause", cause),
                            ("alive", True), ("owner", owner), ("audience", audience),
                            ("parent_size_before", -1), ("parent_size_after", -1), ("child_size", -1),
                            ("fund", 0), ("fund_weeks_paid", 0), ("prize", 0), ("admin_pot", 0), ("kpi_last", 0)):
            extend(name, value)
        return np.arange(self.n - k, self.n)


class EventLog:
    """Growable columns of events; one row per invite, join, leave, mute, purchase, ..."""

    columns = {"day": np.int32, "kind": np.int8, "person": np.int32, "group": np.int32,
               "actor": np.int32, "cause": np.int8, "friends_inside": np.int16, "joined": np.int8}

    def __init__(self) -> None:
        self.size = 0
        self.data = {k: np.zeros(256, dt) for k, dt in self.columns.items()}

    def log(self, day: int, kind: EventKind, person: np.ndarray, group: np.ndarray | int, *,
            actor: np.ndarray | int = -1, cause: np.ndarray | int = Cause.NONE,
            friends_inside: np.ndarray | int = -1, joined: np.ndarray | int = -1) -> None:
        k = len(person)
        if k == 0:
            return
        stop = self.size + k
        values = {"day": day, "kind": int(kind), "person": person, "group": group, "actor": actor,
                  "cause": cause, "friends_inside": friends_inside, "joined": joined}
        for name, arr in self.data.items():
            arr = self.data[name] = _grow(arr, stop)
            arr[self.size: stop] = values[name]
        self.size = stop

    def frame(self):
        """The log as a pandas DataFrame with readable ``kind`` and ``cause`` labels."""
        import pandas as pd

        df = pd.DataFrame({k: v[: self.size] for k, v in self.data.items()})
        df["kind"] = pd.Categorical.from_codes(df["kind"], [k.name.lower() for k in EventKind])
        df["cause"] = pd.Categorical.from_codes(df["cause"], [c.name.lower() for c in Cause])
        return df


@dataclass
class World:
    """Everything a phase reads and writes: parameters, state tables and the day."""

    params: Params
    pop: Population
    ties: Ties
    groups: Groups
    ms: Memberships = field(default_factory=Memberships)
    events: EventLog = field(default_factory=EventLog)
    mission: np.ndarray | None = None  # the operator's stated values (group centre)
    day: int = 0
    inside: InsideTies = field(default_factory=InsideTies, init=False, repr=False)  # yesterday's inside-group ties
    _sizes: np.ndarray | None = field(default=None, init=False, repr=False)  # members per group, kept by
    # join, leave and move once first asked for (group_sizes is read a few times a day)

    def __post_init__(self) -> None:
        if self.mission is None:
            self.mission = np.zeros(self.pop.values.shape[1], np.float32)

    def _tally(self, groups: np.ndarray, sign: int) -> None:
        """Add ``sign`` to the kept member count of each of ``groups`` (one entry per membership)."""
        if self._sizes is not None and len(groups):
            self._sizes = zero_pad(self._sizes, self.groups.n)
            self._sizes += sign * np.bincount(groups, minlength=self.groups.n)

    # -------------------------------------------------------------- joining / leaving
    def join(self, persons: np.ndarray, groups: np.ndarray, *, trust: np.ndarray | float,
             role: np.ndarray | int = Role.MEMBER, cause: Cause, actor: np.ndarray | int = -1) -> np.ndarray:
        """Make ``persons`` members of ``groups`` (callers guarantee capacity and non-membership)."""
        persons = np.asarray(persons, np.int64)
        groups = np.asarray(groups, np.int32)
        align = alignment(self.pop.values[persons], self.groups.center[groups],
                          self.params.group.alignment_scale)
        roles = np.where(self.pop.spammer[persons], int(Role.SPAMMER), role)
        rows = self.ms.add(persons, groups, self.day, engagement=self.params.acquisition.engagement_init,
                           trust=trust, alignment=align, role=roles)
        self.pop.row[persons] = rows
        self.pop.group[persons] = groups
        self._tally(groups, +1)
        self.events.log(self.day, EventKind.JOIN, persons, groups, actor=actor, cause=cause)
        return rows

    def leave(self, rows: np.ndarray, cause: np.ndarray | Cause, kind: EventKind = EventKind.LEAVE) -> None:
        """End the memberships ``rows`` (logged as ``kind``); persons may not re-enter for ``cooldown_days``."""
        persons = self.ms.person[rows]
        self.events.log(self.day, kind, persons, self.ms.group[rows], cause=cause)
        self._tally(self.ms.group[np.unique(rows[self.ms.alive[rows]])], -1)
        self.ms.alive[rows] = False
        self.pop.row[persons] = -1
        self.pop.group[persons] = -1
        self.pop.cooldown_until[persons] = self.day + self.params.growth.cooldown_days

    def move(self, rows: np.ndarray, group: np.ndarray | int, cause: Cause) -> None:
        """Move memberships ``rows`` to ``group`` (one group, or one per row: a split), keeping their state.

        Engagement, trust, tenure, posts and roles travel with the person (they
        follow people they know into a sibling group); alignment is recomputed
        against the new group's values. Logged as one MOVE event per person with
        ``actor`` = the group left. Not a leave + join: no cooldown, no churn.
        """
        rows = np.asarray(rows, np.int64)
        if len(rows) == 0:
            return
        persons = self.ms.person[rows]
        group = np.broadcast_to(np.asarray(group, np.int32), rows.shape)
        self.events.log(self.day, EventKind.MOVE, persons, group, actor=self.ms.group[rows], cause=cause)
        _, last = np.unique(rows[::-1], return_index=True)  # a row listed twice ends in its last group
        moved = len(rows) - 1 - last
        self._tally(self.ms.group[rows[moved]], -1)
        self._tally(group[moved], +1)
        self.ms.group[rows] = group
        self.pop.group[persons] = group
        self.ms.alignment[rows] = alignment(self.pop.values[persons], self.groups.center[group],
                                            self.params.group.alignment_scale)

    def group_sizes(self) -> np.ndarray:
        """Members per group (a new array)."""
        if self._sizes is None:
            rows = self.ms.live_rows()
            self._sizes = np.bincount(self.ms.group[rows], minlength=self.groups.n)
        return zero_pad(self._sizes, self.groups.n)

    def new_group(self, parent: int, cause: Cause, *, owner: int = -1, audience: int = -1) -> int:
        """Open a group (a child of ``parent``, -1 for none) and log it; return its id."""
        return int(self.new_groups(np.array([parent]), cause, owner=owner, audience=audience)[0])

    def new_groups(self, parents: np.ndarray, cause: Cause, *, owner: np.ndarray | int = -1,
                   audience: int = -1) -> np.ndarray:
        """Open one group per entry of ``parents``, in order, and log them; return their ids."""
        g = self.groups.create(self.mission, self.params.group.capacity, parents, self.day, cause,
                               owner=owner, audience=audience)
        self.events.log(self.day, EventKind.GROUP_CREATED, np.full(len(g), -1), g, actor=np.asarray(parents),
                        cause=cause)
        return g.astype(np.int32)

    # -------------------------------------------------------------- invariants
    def check(self) -> None:
        """Raise AssertionError if a state invariant is broken (used by tests)."""
        ms, pop = self.ms, self.pop
        rows = ms.live_rows()
        persons = ms.person[rows]
        assert len(np.unique(persons)) == len(persons), "a person holds two live memberships"
        assert np.array_equal(pop.row[persons], rows), "Population.row does not point at the live row"
        assert (pop.row >= 0).sum() == len(rows), "Population.row points at dead rows"
        assert np.all(self.groups.alive[ms.group[rows]]), "membership in a dead group"
        sizes = np.bincount(ms.group[rows], minlength=self.groups.n)
        assert np.all(sizes <= self.groups.capacity), "group above capacity"
        assert np.array_equal(self.group_sizes(), sizes), "kept group sizes differ from the memberships"
        for col in ("engagement", "trust", "alignment"):
            x = getattr(ms, col)[rows]
            assert np.all((x >= 0) & (x <= 1)), f"{col} outside [0, 1]"
        assert np.all(np.isfinite(ms.satisfaction[rows])), "satisfaction not finite"
        t = self.ties
        src, dst, e = t.live()
        s = t.strength[e]
        assert np.all((s >= 0) & (s <= 1)), "tie strength outside [0, 1]"
        key = src.astype(np.int64) * t.n + dst
        rev = dst.astype(np.int64) * t.n + src
        assert np.all(np.diff(key) > 0), "ties not sorted/unique"
        pos = np.searchsorted(key, rev)
        assert np.array_equal(key[pos], rev), "ties not symmetric"
        assert np.array_equal(s[pos], s), "tie strengths not symmetric"
