"""autofix-guard: `command` (inputs, outputs), `decision` (the skip rules: pure), `remote` (its
GitHub side: the commits it reads, imported only when the payload does not carry them)."""
