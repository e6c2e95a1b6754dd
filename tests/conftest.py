"""Shared fixtures: small, fast models and parameter sets."""

from __future__ import annotations

import pytest

from sim import CommunityModel, Params


@pytest.fixture
def small_params() -> Params:
    return Params().with_overrides({"n_persons": 2000})


@pytest.fixture
def small_model(small_params) -> CommunityModel:
    return CommunityModel(small_params, rng=7)
