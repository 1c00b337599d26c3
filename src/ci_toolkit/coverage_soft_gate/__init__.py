"""coverage-soft-gate: `command` (inputs, outputs, the run), its pure parts (`sources`, `origin`,
`patch`, `report`, `history`, `trend`) and `remote`, its GitHub side (with `tracking`,
`artifacts` and `pulls`, which only `remote` imports)."""
