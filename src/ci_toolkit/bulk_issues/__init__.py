"""bulk-issues: `command` (inputs, outputs, the report), `spec` (the Markdown parser: pure) and
its GitHub side."""
