"""The ``tie_community`` split rule applied to a real group's tie graph [000-2].

``community-sim split EDGES.csv`` reads the ties among a group's members (an
edge list; strengths optional, e.g. counts of interactions), applies the
criteria the model's ``tie_community`` rule uses (:mod:`sim.policies.splitting`,
with the ``splitting.community_*`` parameters) and says whether the group would
split, along which line and around which centres, or which criterion refuses
it. With ``--known FILE`` (``node,group``: who went where in a fission that
happened) it counts the nodes the rule places as they went, the check against
real-world fissions the rule was written for. ``docs/data/`` holds Zachary's
karate club, the classic one (Zachary 1977, J. Anthropol. Res. 33:452): ties
counted over the contexts two members met in, and the faction each member
joined when the club split. ``community-sim split RESULTS_DIR --group G`` checks
a simulated group at the end of a run instead, with its arm's criteria
(:func:`check_group`), and reaches the model's own verdict.
"""

from __future__ import annotations

import csv
import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from matplotlib.figure import Figure

from sim.network import read_edgelist
from sim.params import Params, SplittingParams
from sim.plots import PALETTE, new_figure, scenario_arms
from sim.policies.splitting import Verdict, judge
from sim.report import arm_params, read_scenario
from sim.state import Ties

__all__ = ["SplitCheck", "SplitInputError", "check_edges", "check_file", "check_group", "read_known", "agreement",
           "report_text", "sides_csv", "split_figure"]


SHOWN = 40  # labels listed per side in the terminal (--out writes all)
LABELLED = 80  # the figure labels its nodes, at full marker size, up to this many drawn


class SplitInputError(ValueError):
    """A ``--known`` file or a run folder is missing or malformed (names file, line and problem)."""

    def __init__(self, path: str | Path, line: int | None, problem: str):
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")


@dataclass(frozen=True)
class SplitCheck:
    """A group's tie graph (from a file) and what the split rule found in it."""

    source: str  # what was checked: a file, or a group of a run folder
    labels: list[str]  # node i is labels[i]
    weighted: bool  # strengths came from the file (else every tie counts 1)
    verdict: Verdict
    ties: tuple[np.ndarray, np.ndarray, np.ndarray]  # (u, v, strength) of each tie once, u < v
    notes: tuple[str, ...] = ()  # what to keep in mind when comparing with the model's own checks

    @property
    def n_ties(self) -> int:
        return len(self.ties[0])


def check_edges(source: str, labels: list[str], u: np.ndarray, v: np.ndarray, strength: np.ndarray | None, *,
                modularity_min: float | None = None, centre_ratio: float | None = None, min_side: float | None = None,
                splitting: SplittingParams | None = None, notes: tuple[str, ...] = ()) -> SplitCheck:
    """Apply the split criteria to the ties ``(u[i], v[i])`` among the nodes ``labels`` (untied nodes count too).

    ``strength`` may be any numbers >= 0 (None: every tie counts 1); a tie
    given twice (say once each way) keeps its strongest entry, as when the
    model loads an edge list. Criteria left ``None`` come from ``splitting``
    (default: the model's default parameters).
    """
    sp_ = splitting or Params().splitting
    modularity_min = sp_.community_modularity_min if modularity_min is None else modularity_min
    centre_ratio = sp_.community_centre_ratio if centre_ratio is None else centre_ratio
    min_side = sp_.community_min_side if min_side is None else min_side
    n = len(labels)
    if n < sp_.community_min_size:
        notes += (f"the model checks only groups of {sp_.community_min_size} or more members "
                  "(splitting.community_min_size)",)
    ties = Ties.from_edges(n, u, v, np.ones(len(u), np.float32) if strength is None else strength)
    indptr, indices, s = ties.csr()
    W = sp.csr_array((s.astype(np.float64), indices, indptr), shape=(n, n))
    row = np.repeat(np.arange(n), np.diff(indptr))
    once = row < indices
    return SplitCheck(source, labels, strength is not None,
                      judge(W, modularity_min=modularity_min, centre_ratio=centre_ratio, min_side=min_side),
                      (row[once], indices[once].astype(np.int64), s[once]), notes)


def check_file(path: str | Path, **criteria: float | None) -> SplitCheck:
    """:func:`check_edges` of the edge list at ``path`` (strengths any numbers >= 0).

    Raises :class:`sim.network.EdgeListError` on a bad file.
    """
    labels, u, v, strength = read_edgelist(path, max_strength=None)
    return check_edges(str(path), labels, u, v, strength, **criteria)


def check_group(run_dir: str | Path, group: int, *, arm: str | None = None, replicate: int = 0,
                **criteria: float | None) -> SplitCheck:
    """:func:`check_edges` of group ``group`` at the end of a run: its members (``members.parquet``, labelled by
    person id) and the ties among them (``ties.parquet``), of ``arm`` (default: the first) and ``replicate``.

    Criteria left ``None`` are the arm's own (``scenario.resolved.toml``). The
    members are numbered in membership order, as the model's own check numbers
    them, so a split into equal halves keeps the same side (the one holding the
    first member) and the verdict is the model's.
    Raises :class:`SplitInputError` naming what is missing and what there is.
    """
    run_dir = Path(run_dir)
    tables = {}
    for name in ("members", "ties"):
        path = run_dir / f"{name}.parquet"
        if not path.is_file():
            raise SplitInputError(run_dir, None, f"no {name}.parquet: not a folder written by `community-sim run`")
        tables[name] = pd.read_parquet(path)
    members, ties = tables["members"], tables["ties"]
    arms = [a for a in scenario_arms(run_dir) if a in set(members["arm"])] or sorted(set(members["arm"]))
    arm = arms[0] if arm is None else arm
    if arm not in arms:
        raise SplitInputError(run_dir, None, f"--arm {arm!r}: the run's arms are {', '.join(arms)}")
    reps = sorted(set(members.loc[members["arm"] == arm, "replicate"]))
    if replicate not in reps:
        raise SplitInputError(run_dir, None,
                              f"--replicate {replicate}: arm {arm!r} has replicates {reps[0]}-{reps[-1]}")
    mine = members[(members["arm"] == arm) & (members["replicate"] == replicate)]
    persons = mine.loc[mine["group"] == group, "person"].to_numpy()  # in membership order, as the model numbers them
    if len(persons) < 2:
        sizes = mine["group"].value_counts().head(8)
        listed = ", ".join(f"#{g} ({k} members)" for g, k in sizes.items())
        raise SplitInputError(run_dir, None, f"--group {group}: it has {len(persons)} members at the end of arm "
                                             f"{arm!r} replicate {replicate}; its largest groups: {listed}")
    t = ties[(ties["arm"] == arm) & (ties["replicate"] == replicate)]
    t = t[t["u"].isin(persons) & t["v"].isin(persons)]
    order = np.argsort(persons)
    u = order[np.searchsorted(persons, t["u"].to_numpy(), sorter=order)]
    v = order[np.searchsorted(persons, t["v"].to_numpy(), sorter=order)]
    splitting = _arm_splitting(run_dir, arm)
    notes = () if "tie_community" in splitting.split_rules else (
        f"arm {arm} does not use the tie_community rule (splitting.split_rules = {list(splitting.split_rules)}), "
        "so the model never checks this group",)
    return check_edges(f"{run_dir} arm {arm} replicate {replicate} group #{group}", [str(p) for p in persons],
                       u, v, t["strength"].to_numpy(np.float32), splitting=splitting, notes=notes, **criteria)


def _arm_splitting(run_dir: Path, arm: str) -> SplittingParams:
    """The splitting parameters an arm of a run folder ran with, as its report lists them
    (:func:`sim.report.arm_params`: the resolved values, else defaults, base and the arm's overrides)."""
    return Params().with_overrides(arm_params(read_scenario(run_dir), arm)).splitting


def read_known(path: str | Path, labels: list[str]) -> dict[str, str]:
    """Read ``node,group`` rows (a header row ``node,group`` is optional): the group each node went to.

    Exactly two groups; every node must be one of ``labels`` (the edge list's)
    and appear once. Nodes of the edge list that the file leaves out are not
    counted in :func:`agreement`.
    """
    path = Path(path)
    if not path.is_file():
        raise SplitInputError(path, None, "file not found")
    known_labels, known = set(labels), {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.reader(fh), start=1):
                cells = [c.strip() for c in row]
                if not any(cells) or (lineno == 1 and cells == ["node", "group"]):
                    continue
                if len(cells) != 2 or not all(cells):
                    raise SplitInputError(path, lineno, f"expected 2 non-empty columns (node,group), got {row}")
                node, group = cells
                if node not in known_labels:
                    raise SplitInputError(path, lineno, f"node {node!r} is not one of the checked group's nodes")
                if node in known:
                    raise SplitInputError(path, lineno, f"node {node!r} is listed twice")
                known[node] = group
    except UnicodeDecodeError:
        raise SplitInputError(path, None, "not a UTF-8 text CSV file") from None
    groups = sorted(set(known.values()))
    if len(groups) != 2:
        raise SplitInputError(path, None, f"needs exactly 2 groups, found {len(groups)}: {groups}")
    return known


def agreement(check: SplitCheck, known: dict[str, str]) -> tuple[int, int, list[str]]:
    """``(placed as they went, nodes with a known group, the others' labels)`` for a check that split.

    The two sides are matched to the two known groups the way that places more
    nodes correctly (a side has no name of its own).
    """
    split = check.verdict.split
    assert split is not None, "agreement needs a split"
    side = np.zeros(len(check.labels), bool)
    side[split.leave] = True
    nodes = [i for i, label in enumerate(check.labels) if label in known]
    first = known[check.labels[nodes[0]]]
    went = np.array([known[check.labels[i]] == first for i in nodes])
    same = went == side[nodes]
    if same.sum() * 2 < len(nodes):
        same = ~same
    return int(same.sum()), len(nodes), [check.labels[i] for i, ok in zip(nodes, same) if not ok]


def report_text(check: SplitCheck, known: dict[str, str] | None = None) -> str:
    """What the check found, in a few lines for the terminal."""
    v, labels = check.verdict, check.labels
    lines = [f"{check.source}: {len(labels)} nodes, {check.n_ties} ties "
             f"({'strengths given' if check.weighted else 'no strengths: every tie counts 1'})",
             f"rule: modularity >= {v.modularity_min}, each side's centre tied {v.centre_ratio}x more strongly to "
             f"its own side than to the other, each side >= {v.smallest} nodes, the smaller one holding a "
             f"connected piece that large"]
    lines += [f"note: {note}" for note in check.notes]
    if v.split is None:
        lines.append(f"no split: {v.reason}")
        return "\n".join(lines)
    lines.append(f"splits in two (modularity {v.modularity:.3f}):")
    for name, nodes, centre in (("stays ", v.split.stay, v.split.centres[0]),
                                ("leaves", v.split.leave, v.split.centres[1])):
        names = sorted((labels[i] for i in nodes), key=_natural)
        shown = ", ".join(names[:SHOWN]) + (f", ... ({len(names) - SHOWN} more)" if len(names) > SHOWN else "")
        lines.append(f"  {name} {len(nodes):>4} nodes around {labels[centre]}: {shown}")
    if known is not None:
        right, total, wrong = agreement(check, known)
        lines.append(f"against the known groups: {right} of {total} nodes placed as they went ({right / total:.0%})"
                     + (f"; the others: {', '.join(wrong)}" if wrong else ""))
    return "\n".join(lines)


def _natural(label: str) -> tuple:
    """Sort key: numeric labels by value, before the others in text order."""
    return (0, int(label), "") if label.isascii() and label.isdigit() else (1, 0, label)


def sides_csv(check: SplitCheck) -> str:
    """``node,side,centre`` rows (side ``stay`` or ``leave``; centre 1 for each side's centre) of a check that split."""
    split = check.verdict.split
    assert split is not None, "sides_csv needs a split"
    leave, centres = set(split.leave.tolist()), set(split.centres)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["node", "side", "centre"])
    writer.writerows([label, "leave" if i in leave else "stay", int(i in centres)]
                     for i, label in enumerate(check.labels))
    return out.getvalue()


def split_figure(check: SplitCheck, known: dict[str, str] | None = None) -> Figure:
    """The group's tie graph, members coloured by side, the two centres as stars, and (with ``known``) the
    members placed unlike the real fission ringed in red.

    Members without a tie inside the group are left out of the drawing (the
    title says how many; they count with the larger side), and the pieces
    apart from the largest connected one sit in rows below it
    (:func:`_packed_layout`), so that the page shows the ties. Edge width
    follows tie strength; markers shrink as the group grows.
    """
    import networkx as nx

    v, labels = check.verdict, check.labels
    u, w, s = check.ties
    G = nx.Graph()
    G.add_weighted_edges_from(zip(u.tolist(), w.tolist(), (s / max(float(s.max()), 1e-300)).tolist()))
    untied = len(labels) - G.number_of_nodes()
    if G.number_of_nodes() == 0:
        G.add_nodes_from(range(len(labels)))
    drawn = sorted(G.nodes)
    pos = _packed_layout(G)
    xy = np.array([pos[i] for i in drawn]).reshape(-1, 2)
    size = 90 * min(1.0, math.sqrt(LABELLED / len(drawn)))  # marker area, points^2
    fig = new_figure(7.0, 6.4)
    ax = fig.subplots()
    ax.set_axis_off()
    nx.draw_networkx_edges(G, pos, ax=ax, width=[0.3 + 2.2 * d["weight"] for *_, d in G.edges(data=True)],
                           alpha=0.35, edge_color="#555555")
    side = np.zeros(len(labels), int)
    colours = np.full(len(labels), "#BBBBBB", dtype=object)
    if v.split is not None:
        side[v.split.leave] = 1
        colours = np.where(side == 1, PALETTE[1], PALETTE[0])
        for k, name in ((0, "stays"), (1, "leaves")):
            ax.scatter([], [], s=40, color=PALETTE[k], label=f"{name} ({(side == k).sum()})")
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=list(colours[drawn]), edgecolors="white", linewidths=0.8, zorder=2)
    where = {node: i for i, node in enumerate(drawn)}
    if v.split is not None:
        c = [where[i] for i in v.split.centres]
        ax.scatter(xy[c, 0], xy[c, 1], s=4.5 * size, marker="*", c=[PALETTE[0], PALETTE[1]], edgecolors="black",
                   linewidths=0.9, zorder=3, label="centres")
    notes = []
    if known is not None and v.split is not None:
        right, total, wrong = agreement(check, known)
        notes.append(f"{right} of {total} members placed as they went in the real fission")
        ringed = [where[i] for i in (labels.index(x) for x in wrong) if i in where]
        if ringed:
            ax.scatter(xy[ringed, 0], xy[ringed, 1], s=3.3 * size, facecolors="none", edgecolors="#CC0000",
                       linewidths=1.8, zorder=4, label="placed unlike the real fission")
    if untied and len(drawn) < len(labels):
        notes.append(f"{untied} members without a tie inside the group not drawn")
    if len(drawn) <= LABELLED:
        for (x, y), i in zip(xy, drawn):
            ax.annotate(labels[i], (x, y), ha="center", va="center", fontsize=6, zorder=5,
                        color="white" if v.split is not None else "black")
    verdict = (f"splits in two, modularity {v.modularity:.2f}" if v.split is not None else f"no split: {v.reason}")
    ax.set_title(textwrap.fill(f"{check.source}: {len(labels)} members, {check.n_ties} ties; {verdict}", 80)
                 + "".join(f"\n{n}" for n in notes))
    if v.split is not None:
        fig.legend(loc="outside lower center", fontsize=8, ncol=4)
    return fig


def _packed_layout(G) -> dict:
    """Positions for ``G``: its largest connected piece by a spring layout (fixed seed) in ``[-1, 1]^2``, every
    other piece by its own small layout in rows below, largest first (a spring layout of the whole graph
    pushes the pieces to the rim and squeezes the largest one into the middle)."""
    import networkx as nx

    pieces = sorted(nx.connected_components(G), key=lambda c: (-len(c), min(c)))
    pos = nx.spring_layout(G.subgraph(pieces[0]), seed=1, iterations=200) if len(pieces[0]) > 1 \
        else {next(iter(pieces[0])): np.zeros(2)}
    per_row, step = 12, 2.0 / 12
    for k, piece in enumerate(pieces[1:]):
        centre = np.array([-1 + step * (k % per_row + 0.5), -1.25 - step * (k // per_row)])
        small = nx.spring_layout(G.subgraph(piece), seed=1, scale=0.3 * step) if len(piece) > 1 else {}
        for node in piece:
            pos[node] = centre + small.get(node, 0.0)
    return pos
