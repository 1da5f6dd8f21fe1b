"""`python -m insight_workbench`: the same command line as `insight-workbench`."""

from insight_workbench.cli import main

if __name__ == "__main__":
    main()
