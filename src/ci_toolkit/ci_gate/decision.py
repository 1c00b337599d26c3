"""The ci-gate decision: one pure function over the parsed `toJSON(needs)`.

Fail closed: a need passes only with `success`, unless an allow-list widens its policy.
`allowed-skips` also accepts `skipped`; `allowed-failures` accepts any result (its job does not
vote). A result GitHub may add later, or a need without a result, fails a voting job.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

RESULTS = ("success", "failure", "cancelled", "skipped")  # what `needs.<id>.result` can be


class Policy(StrEnum):
    REQUIRED = "must succeed"
    MAY_SKIP = "may be skipped"
    MAY_FAIL = "may fail"


ACCEPTED: dict[Policy, frozenset[str] | None] = {
    Policy.REQUIRED: frozenset({"success"}),
    Policy.MAY_SKIP: frozenset({"success", "skipped"}),
    Policy.MAY_FAIL: None,  # any result
}


@dataclass(frozen=True)
class Verdict:
    job: str
    result: str
    policy: Policy
    ok: bool


class NeedsError(ValueError):
    """`needs` is not the JSON object `toJSON(needs)` gives."""


def parse_needs(text: str) -> dict[str, str]:
    """`{job id: result}` from `toJSON(needs)` (`{"id": {"result": ..., "outputs": {...}}}`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NeedsError(f"is not JSON ({exc}); pass ${{{{ toJSON(needs) }}}}") from None
    if not isinstance(data, dict):
        raise NeedsError(f"must be a JSON object of jobs, got {type(data).__name__}")
    results = {}
    for job, value in data.items():
        if not isinstance(value, dict):
            raise NeedsError(f"job {job!r} must be an object with a `result`")
        result = value.get("result")
        results[str(job)] = result if isinstance(result, str) else ""
    return results


def policy(job: str, allowed_failures: Collection[str], allowed_skips: Collection[str]) -> Policy:
    if job in allowed_failures:  # the wider policy wins when a job is in both lists
        return Policy.MAY_FAIL
    if job in allowed_skips:
        return Policy.MAY_SKIP
    return Policy.REQUIRED


def decide(needs: Mapping[str, str], allowed_failures: Collection[str] = (),
           allowed_skips: Collection[str] = ()) -> list[Verdict]:
    """One verdict per need, in the order of `needs`."""
    verdicts = []
    for job, result in needs.items():
        rule = policy(job, allowed_failures, allowed_skips)
        accepted = ACCEPTED[rule]
        verdicts.append(Verdict(job, result, rule, accepted is None or result in accepted))
    return verdicts


def passed(verdicts: Collection[Verdict]) -> bool:
    """True only when there is at least one need and every verdict is ok: empty fails."""
    return bool(verdicts) and all(v.ok for v in verdicts)


def strangers(needs: Mapping[str, str], *lists: Collection[str]) -> list[str]:
    """Names in the allow-lists that are not needs (a typo would silently allow nothing)."""
    return [name for names in lists for name in names if name not in needs]
