"""job-logs' parts: the log excerpts (pure), the report (pure) and the GitHub side (remote)."""
