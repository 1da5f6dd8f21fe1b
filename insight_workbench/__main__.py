"""`python -m insight_workbench`: the same command line as `insight-workbench`."""

from insight_workbench.cli import main

main()
