"""The coverage soft gate's own parts: the tracking issue, its hidden history, the trend and
the report. The command (`ci_toolkit.coverage_soft_gate.command`) wires them together."""
