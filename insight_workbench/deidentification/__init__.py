"""De-identification: judging datasets, and producing safe aggregates."""
