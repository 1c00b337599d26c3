"""ci-gate: one required check for a whole run, decided from `toJSON(needs)`. No token needed."""

from __future__ import annotations

from dataclasses import dataclass

from ci_toolkit.ci_gate import decision as gate
from ci_toolkit.markdown import code, escape, table
from ci_toolkit.runtime import Input, InputError, Runtime

INPUTS = (
    Input("needs",
          description="Always `${{ toJSON(needs) }}`. The gate job also needs `if: always()`, or "
                      "GitHub skips it when a need fails."),
    Input("allowed-failures",
          description="Job ids whose result does not matter (failure, cancelled, skipped or "
                      "success). Comma- or newline-separated, or a JSON array."),
    Input("allowed-skips",
          description="Job ids that may be `skipped` as well as `success`. Comma- or "
                      "newline-separated, or a JSON array."),
)
SOFT = False  # a gate exists to fail


@dataclass(frozen=True)
class Options:
    needs: dict[str, str]  # job id -> its result
    allowed_failures: list[str]
    allowed_skips: list[str]


def read_options(rt: Runtime) -> Options:
    """Every input, checked: an allow-list naming a job that is not a need is an input error."""
    options = Options(_needs(rt), rt.inputs.items("allowed-failures"),
                      rt.inputs.items("allowed-skips"))
    for name, names in (("allowed-failures", options.allowed_failures),
                        ("allowed-skips", options.allowed_skips)):
        unknown = gate.strangers(options.needs, names)
        if unknown:
            raise InputError(name, f"names jobs that are not in `needs`: {', '.join(unknown)} "
                             f"(the needs are: {', '.join(options.needs) or 'none'})")
    return options


def run(rt: Runtime) -> int:
    options = read_options(rt)
    rt.log.phase(f"ci-gate: checking {len(options.needs)} needed job(s) against their policy")
    verdicts = gate.decide(options.needs, options.allowed_failures, options.allowed_skips)
    ok = gate.passed(verdicts)
    failed = [v.job for v in verdicts if not v.ok]
    rt.outputs.set("result", "success" if ok else "failure")
    rt.outputs.set("failed", failed)
    rt.summary.write(render(verdicts, ok))
    if not verdicts:
        rt.log.error("`needs` is empty: this job must `needs:` the jobs it gates.")
    elif not ok:
        rt.log.error(f"Jobs that did not pass their policy: {', '.join(failed)}")
    passing = len(verdicts) - len(failed)
    rt.log.result("ci-gate", f"{'success' if ok else 'failure'} · {passing} of {len(verdicts)} "
                  f"needed jobs passed their policy"
                  + (f" · failed: {', '.join(failed)}" if failed else ""))
    return 0 if ok else 1


def _needs(rt: Runtime) -> dict[str, str]:
    text = rt.inputs.text("needs")
    if not text:
        raise InputError("needs", "is required: pass ${{ toJSON(needs) }}")
    try:
        return gate.parse_needs(text)
    except gate.NeedsError as exc:
        raise InputError("needs", str(exc)) from None


def render(verdicts: list[gate.Verdict], ok: bool) -> str:
    if not verdicts:
        return ("### ❌ CI gate: failure\n\n`needs` is empty, so nothing was checked. Give this "
                "job `needs:` and `if: always()`.")
    head = "### ✅ CI gate: success" if ok else "### ❌ CI gate: failure"
    rows = [[code(v.job), escape(v.result or "(none)"),
             v.policy.value, "✅ ok" if v.ok else "❌ fails the gate"] for v in verdicts]
    return head + "\n\n" + table(["Job", "Result", "Policy", "Verdict"], rows)
