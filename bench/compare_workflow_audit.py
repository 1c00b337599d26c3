"""The comparison table of docs/workflow-audit.md, measured: ci-toolkit and zizmor on the
hand-labelled workflow corpus, files per hand label.

    python bench/compare_workflow_audit.py [CORPUS]  (default: ../shared/workflow-corpus)

ci-toolkit: a file's verdict is its most severe finding (error / warning only / notes or
nothing). zizmor (`--offline --no-config --format json`, regular persona): files with a
`dangerous-triggers` finding (ignore comments honoured, then `--no-ignores`), and files with
an `artipacked` finding. Scorecard's untrusted-checkout rule is not run here: its column is
the corpus's emulation from COMPARISON.tsv.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from ci_toolkit.workflow_audit.audit import audit_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "workflow-corpus"
LABELS = ("vulnerable-runs-pr-code", "persists-credentials", "safe")


def zizmor_rules(zizmor: str, files: list[Path], *flags: str) -> dict[str, set[str]]:
    done = subprocess.run([zizmor, "--offline", "--no-config", "--format", "json", *flags,
                           *map(str, files)], capture_output=True, text=True, check=False,
                          cwd=files[0].parent)
    found: dict[str, set[str]] = {}
    for finding in json.loads(done.stdout or "[]"):
        for location in finding["locations"]:
            path = location["symbolic"]["key"]["Local"]["verbatim_path"]
            found.setdefault(Path(path).name, set()).add(finding["ident"])
    return found


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    with (corpus / "MANIFEST.tsv").open(newline="") as handle:
        manifest = {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    with (corpus / "COMPARISON.tsv").open(newline="") as handle:
        scorecard = {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    files = sorted((corpus / "cases").iterdir())
    ours: dict[str, set[str]] = {}
    for finding in audit_files(files, lambda p: p.name).findings:
        ours.setdefault(finding.file, set()).add(finding.severity)
    beside = Path(sys.executable).parent / "zizmor"
    zizmor = str(beside) if beside.is_file() else shutil.which("zizmor")
    if zizmor is None:
        print("zizmor is not installed: pip install zizmor", file=sys.stderr)
        return 2
    regular = zizmor_rules(zizmor, files)
    no_ignores = zizmor_rules(zizmor, files, "--no-ignores")
    counts: Counter[tuple[str, str]] = Counter()
    for name, row in manifest.items():
        label, levels = row["label"], ours.get(name, set())
        verdict = "error" if "error" in levels else "warning" if "warning" in levels else "quiet"
        counts[(label, verdict)] += 1
        counts[(label, "triggers")] += "dangerous-triggers" in regular.get(name, set())
        counts[(label, "triggers-all")] += "dangerous-triggers" in no_ignores.get(name, set())
        counts[(label, "artipacked")] += "artipacked" in regular.get(name, set())
        counts[(label, "scorecard")] += scorecard.get(name, {}).get(
            "scorecard_untrusted_checkout_emulated", "") == "flagged"
    version = subprocess.run([zizmor, "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    print(f"{len(manifest)} files; {version}\n")
    print("| hand label (files) | ci-toolkit: error | warning only | notes or nothing "
          "| zizmor `dangerous-triggers` | … with `--no-ignores` | zizmor `artipacked` "
          "| Scorecard untrusted checkout (emulated) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in LABELS:
        total = sum(1 for row in manifest.values() if row["label"] == label)
        cells = [counts[(label, key)] for key in ("error", "warning", "quiet", "triggers",
                                                   "triggers-all", "artipacked", "scorecard")]
        print(f"| {label} ({total}) | " + " | ".join(map(str, cells)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
