"""One module per command of the `insight-workbench` CLI."""
