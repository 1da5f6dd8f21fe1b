"""Insight Workbench: checks the Insight Products privacy policy against platform snapshots."""

__version__ = "0.1.0"
