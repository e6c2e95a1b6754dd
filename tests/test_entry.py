"""Entry screening and paid entry [001, 004]: unit rules, then effects paired by seed."""

from __future__ import annotations

import numpy as np
import pytest

from effects import last_week, paired, per_member, total
from sim.phases import Today, churn, growth
from sim.policies import entry

RNG = np.random.default_rng


def far_values(n: int, far: list[int], d: int = 3) -> np.ndarray:
    """Persons at the mission (alignment 1) except ``far`` ones at distance 3 (alignment ~0.011)."""
    v = np.zeros((n, d), np.float32)
    v[far, 0] = 3.0
    return v


def test_question_screens_on_values(world_factory):
    w = world_factory(4, [], overrides={"screening": "question", "screen_noise": 0.0, "screen_threshold": 0.5},
                      values=far_values(4, [2, 3]))
    passed = entry.POLICIES["question"](w, np.arange(4), np.zeros(4, np.int32), RNG(0))
    assert passed.tolist() == [True, True, False, False]


def test_task_completion_rises_with_sociability_and_alignment(world_factory):
    n = 4000
    w = world_factory(n, [], overrides={"screening": "task", "task_effort": 1.0})
    w.pop.sociability[: n // 2] = 0.2
    w.pop.sociability[n // 2:] = 2.0
    passed = entry.POLICIES["task"](w, np.arange(n), np.zeros(n, np.int32), RNG(1))
    lo, hi = passed[: n // 2].mean(), passed[n // 2:].mean()
    assert lo == pytest.approx(1 - np.exp(-0.2), abs=0.03) and hi == pytest.approx(1 - np.exp(-2.0), abs=0.03)


def test_fee_payment_probability_and_free_entry(world_factory):
    n = 4000
    w = world_factory(n, [], overrides={"entry_fee": 200.0, "fee_wtp": 1000.0})
    pays = entry.pays_fee(w, np.arange(n), np.zeros(n, np.int32), RNG(2))
    assert pays.mean() == pytest.approx(np.exp(-200 / (1000 * 0.5 * 1.0)), abs=0.03)  # power 0.5, alignment 1
    free = world_factory(5, [])
    assert entry.pays_fee(free, np.arange(5), np.zeros(5, np.int32), RNG(2)).all()


def test_growth_screens_invitees_charges_the_fee_and_fills_the_fund(world_factory):
    # members 0, 1 invite their friends 2 (aligned) and 3 (far in values)
    w = world_factory(4, [(0, 2, 0.9), (1, 3, 0.9)], members={0: 0, 1: 0},
                      values=far_values(4, [3]),
                      overrides={"invite_rate": 50.0, "join_max": 1.0, "alignment_exponent": 0.0,
                                 "screening": "question", "screen_noise": 0.0, "screen_threshold": 0.5,
                                 "entry_fee": 10.0, "fee_wtp": 1e9, "fund_share": 0.5})
    w.ms.satisfaction[:] = 1.0
    t = Today(rows=w.ms.live_rows())
    t.active = np.ones(2, bool)
    growth.run(w, t, RNG(3))
    assert w.pop.row[2] >= 0 and w.pop.row[3] < 0  # 3 accepted but failed the question
    assert w.ms.paid[w.pop.row[2]] == 10.0 and w.ms.paid[w.pop.row[0]] == 0.0
    assert w.groups.fund[0] == pytest.approx(5.0) and t.counts["entry_fees"] == 10.0
    inv = w.events.frame().query("kind == 'invite'").set_index("person")
    assert inv.loc[2, "joined"] == 1 and inv.loc[3, "joined"] == 0


def test_paying_members_leave_less_when_dissatisfied(world_factory):
    n = 2000
    w = world_factory(n, [], members={p: 0 for p in range(n)},
                      overrides={"leave_prob": 0.5, "base_leave": 0.0, "mute_prob": 0.0, "sunk_cost": 0.6})
    w.ms.satisfaction[:n] = -5.0
    w.ms.paid[: n // 2] = 200.0
    t = Today(rows=w.ms.live_rows())
    t.active = np.zeros(n, bool)
    t.spam_share = np.zeros(n)
    churn.run(w, t, RNG(4))
    left = ~w.ms.alive[:n]
    assert left[: n // 2].mean() == pytest.approx(0.5 * 0.4, abs=0.04)
    assert left[n // 2:].mean() == pytest.approx(0.5, abs=0.04)


CORE = {"n_persons": 2000, "seeding": "core"}
QUALITY = {"alignment": last_week("mean_alignment"), "effective_per_member": per_member("effective_activity"),
           "members": last_week("members")}


@pytest.mark.parametrize("arm", [{"screening": "question"}, {"screening": "task"}, {"entry_fee": 200.0}])
def test_screened_or_paid_entry_trades_size_for_fit(arm):
    """[001, 004]: screening on values or effort, or a fee, admits better aligned members who
    post more on-topic per head; the price is a smaller group."""
    r = paired(CORE, arm, QUALITY, days=60)
    assert r["alignment"][1] > 0 and r["effective_per_member"][1] > 0
    assert r["members"][2] < 0


def test_a_fee_raises_money_the_model_counts_apart_from_purchases():
    r = paired(CORE, {"entry_fee": 200.0}, {"fees": total("entry_fees"), "joins": total("joins")}, days=30)
    assert r["fees"][1] > 0 and r["joins"][2] < 0
