"""workflow-audit: `command` (inputs, annotations, summary, SARIF file), `audit` (files to
findings: the entry point) and the rules' modules. Pure: no GitHub."""
