"""Dashboard pieces that need no browser: controls generated from the parameter tree."""

from __future__ import annotations

import math

import pytest

from sim import app
from sim.params import Params


def test_controls_come_from_the_parameter_tree():
    params = app.model_params()
    specs = {p.split(".", 1)[1]: (d, s) for p, d, s in Params.specs()}
    assert set(params) == set(app.CONTROLS) | {"rng"}
    for leaf, control in params.items():
        if leaf == "rng":
            continue
        default, spec = specs[leaf]
        if spec.choices:
            assert control["type"] == "Select" and control["values"] == list(spec.choices)
            continue
        assert control["type"] == ("SliderInt" if isinstance(default, int) else "SliderFloat")
        assert spec.lo <= control["min"] <= control["value"] <= control["max"] <= spec.hi
        assert spec.unit in control["label"]
        k = (control["value"] - control["min"]) / control["step"]
        assert math.isclose(k, round(k), abs_tol=1e-6), f"{leaf}: default is off the slider grid"
    assert params["n_persons"]["value"] == 2000  # small enough to step quickly


@pytest.mark.parametrize("lo, hi, value", [(0.1, 3.0, 1.0), (200, 20_000, 2000), (0.0, 0.3, 0.03),
                                           (0.0, 1.0, 0.8), (2, 40, 12.0), (0.0, 1.0, 0.123456)])
def test_slider_grid_contains_the_default(lo, hi, value):
    g_lo, g_hi, step = app._grid(lo, hi, value)
    assert g_lo >= lo - 1e-9 and g_hi <= hi + 1e-9 and g_lo <= value <= g_hi
    assert math.isclose((value - g_lo) / step, round((value - g_lo) / step), abs_tol=1e-6)


def test_dashboard_model_ignores_mesa_scenario_and_steps():
    params = {k: v["value"] for k, v in app.model_params().items()}
    m = app.DashboardModel(scenario=object(), **{**params, "n_persons": 300})
    m.run(2)
    assert len(m.metrics()) == 2 and m.params.population.n_persons == 300
