"""Idiomatic per-agent Mesa implementation of the core rules: the baseline for benchmarks and docking.

Not used by the simulator itself; see :mod:`sim.reference.model`.
"""

from sim.reference.model import REFERENCE_COLUMNS, ReferenceModel

__all__ = ["ReferenceModel", "REFERENCE_COLUMNS"]
