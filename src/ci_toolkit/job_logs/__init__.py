"""job-logs: `command` (inputs, outputs), `excerpts` (a failed step's lines: pure), `report`
(summary, pull-request comment, `jobs` output: pure) and `remote` (its GitHub side)."""
