"""ci-gate: `command` (inputs, outputs, the summary) and `decision` (the gate over
`toJSON(needs)`: pure). Standard library only: the composite action runs it with the runner's
own Python."""
