"""``python -m sim``: the same command line as ``community-sim``."""

from sim.cli import main

if __name__ == "__main__":  # importing this module (e.g. pytest --doctest-modules) runs nothing
    raise SystemExit(main())
