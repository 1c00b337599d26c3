"""draft-toggle: `command` (inputs, outputs), `decision` (which lane an event takes, the toggle:
pure), `remote` (its GitHub side: the kick-off and an agent pull request's draft state)."""
