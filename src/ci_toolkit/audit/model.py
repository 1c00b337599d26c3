"""What the audit reports: findings with a rule id, a severity, a place and a fix hint."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "note")
RANK = {name: index for index, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Related:
    """A second place a finding points at, e.g. the step that runs the checked-out code."""

    line: int
    message: str


@dataclass
class Finding:
    rule: str
    severity: str  # error, warning or note
    file: str
    line: int
    message: str
    fix: str
    related: list[Related] = field(default_factory=list)
    gate: str = ""  # label, environment, actor...: lowers the risk, does not clear the finding

    def sort_key(self) -> tuple[int, str, int, str]:
        return RANK[self.severity], self.file, self.line, self.rule


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # the usual severity; a few rules report lower when less is certain
    title: str
    help: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("pr-code-execution", "error",
         "A privileged job runs code from the pull request",
         "A pull_request_target/workflow_run/issue_comment job puts pull-request code on disk "
         "and a later step runs it (a script, a build tool, a local action, a tool that executes "
         "repository config). That code runs with the job's token and secrets. Build and test "
         "pull requests in a `pull_request` workflow without secrets; hand results over as "
         "artifacts and treat them as data."),
    Rule("pr-artifact-execution", "error",
         "Artifacts from a pull-request run are unpacked where trusted code then runs",
         "An artifact of a pull-request run is extracted into the workspace and a later step "
         "executes code there: the artifact can overwrite scripts, a virtualenv or config. "
         "Extract into $RUNNER_TEMP, reject links, and read it as data with trusted scripts."),
    Rule("untrusted-input-injection", "error",
         "Text an outsider controls is expanded inside a script",
         "`${{ }}` is replaced before the shell or github-script parses the script, so a pull "
         "request title, a branch name or a comment body becomes code. Pass it through `env:` "
         "and use the variable (\"$TITLE\") instead."),
    Rule("pr-checkout-data", "warning",
         "A privileged job puts pull-request files on disk; nothing found runs them",
         "The files are data as long as nothing executes them. Keep it so: check out only the "
         "paths you read (sparse checkout, cone mode off) into a subfolder, and never run a "
         "tool in that tree."),
    Rule("persisted-credentials", "warning",
         "actions/checkout keeps the token on disk in a privileged job",
         "Without `persist-credentials: false` the job's token is written to the git config, "
         "where any later step or tool can read it. Set `persist-credentials: false`; an "
         "explicit `true` needs a suppression with its reason."),
    Rule("checkout-token", "warning",
         "actions/checkout is given a token in a privileged job",
         "A personal or App token passed to checkout is kept in the git config unless "
         "`persist-credentials: false`, and usually has more rights than GITHUB_TOKEN."),
    Rule("no-sparse-checkout", "note",
         "Pull-request files are checked out without a sparse checkout of trusted paths",
         "The safe shape is `path: <subfolder>`, `sparse-checkout: <data paths>`, "
         "`sparse-checkout-cone-mode: false`: cone mode also brings every top-level file."),
    Rule("missing-permissions", "warning",
         "No top-level `permissions:`",
         "Without it every job without its own `permissions:` gets the repository's default "
         "token rights. Add `permissions: {}` at the top and grant each job what it needs."),
    Rule("unparsable-workflow", "error",
         "The workflow is not valid YAML",
         "GitHub will not run it either. Fix the YAML."),
    Rule("unknown-syntax", "warning",
         "Workflow syntax the audit does not know",
         "The audit skipped what it could not read; findings there may be missing. Check the "
         "spelling, or report the new syntax."),
    Rule("suppression-without-reason", "warning",
         "A ci-toolkit ignore comment without a reason",
         "Write why the finding does not apply: `# ci-toolkit: ignore[<rule>] <reason>`. "
         "Without a reason the comment suppresses nothing."),
    Rule("suppression-unknown-rule", "warning",
         "A ci-toolkit ignore comment names a rule the audit does not have",
         "A misspelt rule id suppresses nothing. Use the id shown with the finding."),
)}
