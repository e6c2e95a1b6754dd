"""``python -m sim``: the same command line as ``community-sim``."""

from sim.cli import main

raise SystemExit(main())
