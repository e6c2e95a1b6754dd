"""community-sim: an agent-based simulator of online communities (WeChat/QQ-style groups).

Public API::

    from sim import CommunityModel, Params
    model = CommunityModel(rng=42, seeding="blast", n_persons=5000)
    model.run(90)
    model.metrics()        # one row per day
    model.group_metrics()  # one row per group per day
    model.events()         # the event log

    scenario = load_scenario("scenarios/core_vs_blast.toml")   # validated before anything runs
    result = run_scenario(scenario, "results/mine")            # parallel, resumable, with figures
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("community-sim")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

from sim.params import ParamError, Params  # noqa: E402
from sim.model import CommunityModel  # noqa: E402
from sim.runner import run_scenario  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

__all__ = ["CommunityModel", "Params", "ParamError", "load_scenario", "run_scenario", "__version__"]
