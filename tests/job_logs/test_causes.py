"""Each family of the marker table (causes.MARKERS), judged on REAL output of its tool.

The output is made at test time by the real tool where it runs here (pytest, unittest, ruff,
Python and Node tracebacks, node's test runner; cargo test, and tsc, jest and eslint from npm,
once per session and marked slow), or quoted from a public report with its source named on the
file's first line (go test, gradle, maven, npm's ERESOLVE, a docker build:
tests/job_logs/public). Each goes through the real entry point against the fake GitHub: the
failing step's log holds the output, and the summary must show its cause lines open, first, and
the `failures` output its kind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from joblog_samples import failing_job

from ci_toolkit.job_logs import causes
from conftest import run_action

RUN = 1001
PUBLIC = Path(__file__).parent / "public"


def run(args: list[str], cwd: Path, *, timeout: float = 120) -> str:
    """The tool's output (stdout then stderr), as a CI log would hold it."""
    env = {**os.environ, "RUST_BACKTRACE": "1", "NO_COLOR": "1"}
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
    return done.stdout + done.stderr


def public(name: str) -> str:
    """A quoted public log, without its first line (the `# source:` naming where it is from)."""
    text = (PUBLIC / name).read_text()
    assert text.startswith("# source: https://github.com/")
    return text.split("\n", 1)[1]


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed here")
    return found


def pytest_output(tmp: Path) -> str:
    (tmp / "test_add.py").write_text("def add(a, b):\n    return a + b\n\n\n"
                                     "def test_add():\n    assert add(1, 2) == 4\n")
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_add.py"],
               tmp)


def unittest_output(tmp: Path) -> str:
    (tmp / "test_u.py").write_text("import unittest\n\n\nclass T(unittest.TestCase):\n"
                                   "    def test_add(self):\n        self.assertEqual(1 + 2, 4)\n"
                                   "\n\nunittest.main()\n")
    return run([sys.executable, "test_u.py"], tmp)


def python_traceback(tmp: Path) -> str:
    return run([sys.executable, "-c", "import json; json.loads('{')"], tmp)


def node_test(tmp: Path) -> str:
    (tmp / "add.test.mjs").write_text(
        "import test from 'node:test';\nimport assert from 'node:assert';\n"
        "test('adds', () => { assert.strictEqual(1 + 2, 4); });\ntest('ok', () => {});\n")
    return run([need("node"), "--test", "add.test.mjs"], tmp)


def node_traceback(tmp: Path) -> str:
    return run([need("node"), "-e", "null.x"], tmp)


def ruff(tmp: Path, *options: str) -> str:
    (tmp / "r.py").write_text("import os\n\nx = 1\n")
    binary = Path(sys.executable).parent / "ruff"
    return run([str(binary), "check", "--isolated", "--no-cache", *options, "r.py"], tmp)


def go_test(tmp: Path) -> str:
    return public("go_test.txt")


def gradle(tmp: Path) -> str:
    return public("gradle.txt")


# family: (make the output, the line the cause must start with, a line it must hold, kind)
FAMILIES: dict[str, tuple[Callable[[Path], str], str, str, str]] = {
    "pytest": (pytest_output, ">       assert add(1, 2) == 4", "E       assert 3 == 4", "test"),
    "unittest": (unittest_output, "FAIL: test_add", "AssertionError: 3 != 4", "test"),
    "python": (python_traceback, "Traceback (most recent call last):",
               "json.decoder.JSONDecodeError: Expecting property name", "unknown"),
    "node test": (node_test, "not ok 1 - adds", "3 !== 4", "test"),
    "node": (node_traceback, "TypeError: Cannot read properties of null", "    at ", "unknown"),
    "ruff": (lambda tmp: ruff(tmp, "--output-format", "concise"),
             "r.py:1:8: F401 [*] `os` imported but unused", "F401", "lint"),
    "ruff (full)": (ruff, "F401 [*] `os` imported but unused", "--> r.py:1:8", "lint"),
    "go test": (go_test, "--- FAIL: TestOneZero (0.00s)",
                "caw_test.go:27: ugen 4 has 1 output(s)", "test"),
    "npm": (lambda tmp: public("npm.txt"), "npm ERR! code ERESOLVE",
            "npm ERR! Could not resolve dependency:", "build"),
    "maven": (lambda tmp: public("maven.txt"), "[ERROR] Failures:",
              "[ERROR]   CpdViolationCheckMojoTest.testException:68", "test"),
    "docker": (lambda tmp: public("docker.txt"), "ERROR: failed to solve: process",
               "gem install jekyll -v 3.9.3", "build"),
    "gradle": (gradle, "> Task :test FAILED",
               "> Process 'Gradle Test Executor 7' finished with non-zero exit value 255",
               "build"),
}


def judge(fake: Any, tmp_path: Path, output: str) -> tuple[str, dict[str, Any]]:
    """The summary's cause block and the `failures` entry of a job whose step printed it."""
    fake.add_run(RUN)
    fields, log = failing_job("test", output.splitlines())
    job = fake.add_job(RUN, **fields)
    fake.add_job_log(job["id"], log)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0, result.stderr
    summary = result.summary
    start = summary.index("**`test`** failed")
    cause = summary[start:summary.index("<details>", start)]
    [failure] = json.loads(result.outputs["failures"])
    return cause, failure


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_cause_of_each_family_is_shown_first_and_open(fake: Any, tmp_path: Path,
                                                          family: str) -> None:
    make, first, held, kind = FAMILIES[family]
    work = tmp_path / "work"
    work.mkdir()
    output = make(work)
    cause, failure = judge(fake, tmp_path, output)
    fence = cause[cause.index("```text\n") + 8:]
    assert fence.startswith(first), fence
    assert held in fence
    assert failure["cause"].startswith(first) and held in failure["cause"]
    assert failure["kind"] == kind
    assert failure["step"]["name"] == "Tests"


@pytest.fixture(scope="session")
def cargo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A failing `cargo test` of a new crate, made once per session (it compiles)."""
    cargo = need("cargo")
    root = tmp_path_factory.mktemp("cargo")
    run([cargo, "new", "--lib", "--vcs", "none", "-q", "adder"], root)
    crate = root / "adder"
    (crate / "src" / "lib.rs").write_text(
        "pub fn add(a: u64, b: u64) -> u64 { a + b }\n#[cfg(test)]\nmod tests {\n"
        "    use super::*;\n    #[test]\n    fn it_adds() { assert_eq!(add(1, 2), 4); }\n}\n")
    output = run([cargo, "test", "--offline"], crate, timeout=600)
    if "panicked at" not in output:
        pytest.skip(f"cargo test did not run here: {output[-300:]}")
    return output


@pytest.mark.slow
def test_cargo_the_panic_before_its_backtrace(fake: Any, tmp_path: Path,
                                              cargo_output: str) -> None:
    cause, failure = judge(fake, tmp_path, cargo_output)
    fence = cause[cause.index("```text\n") + 8:]
    assert fence.startswith("thread 'tests::it_adds'") and "panicked at src/lib.rs" in fence
    assert "left: 3" in fence and "stack backtrace" not in fence
    assert "test result: FAILED." in fence
    assert failure["kind"] == "test"


@pytest.fixture(scope="session")
def tsc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """typescript from npm, installed once per session; skipped when npm cannot."""
    npm = need("npm")
    root = tmp_path_factory.mktemp("tsc")
    try:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "typescript@5"],
                              cwd=root, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install typescript took over 2 minutes here")
    binary = root / "node_modules" / ".bin" / "tsc"
    if done.returncode != 0 or not binary.exists():
        pytest.skip(f"npm could not install typescript here: {done.stderr[-300:]}")
    return binary


@pytest.mark.slow
def test_tsc_errors(fake: Any, tmp_path: Path, tsc: Path) -> None:
    (tmp_path / "a.ts").write_text('const x: number = "a";\nconst y: string = 1;\n')
    output = run([str(tsc), "--noEmit", "a.ts"], tmp_path)
    cause, failure = judge(fake, tmp_path, output)
    assert "a.ts(1,7): error TS2322" in cause and "a.ts(2,7): error TS2322" in cause
    assert failure["kind"] == "build"


@pytest.fixture(scope="session")
def node_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jest and eslint from npm, installed once per session; skipped when npm cannot."""
    npm = need("npm")
    root = tmp_path_factory.mktemp("node-tools")
    (root / "package.json").write_text("{}")
    try:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "jest@29", "eslint@9"],
                              cwd=root, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install jest eslint took over 5 minutes here")
    if done.returncode != 0 or not (root / "node_modules" / ".bin" / "eslint").exists():
        pytest.skip(f"npm could not install jest and eslint here: {done.stderr[-300:]}")
    return root


@pytest.mark.slow
def test_jest_the_failed_test_and_its_expectation(fake: Any, tmp_path: Path,
                                                  node_tools: Path) -> None:
    (node_tools / "add.test.js").write_text(
        "test('adds', () => { expect(1 + 2).toBe(4); });\ntest('ok', () => {});\n")
    output = run([str(node_tools / "node_modules" / ".bin" / "jest"), "add.test.js"],
                 node_tools)
    cause, failure = judge(fake, tmp_path, output)
    fence = cause[cause.index("```text\n") + 8:]
    assert fence.startswith("  ✕ adds (") and "  ● adds" in fence and "Received: 3" in fence
    assert failure["kind"] == "test"


@pytest.mark.slow
def test_eslint_findings_with_their_file(fake: Any, tmp_path: Path, node_tools: Path) -> None:
    (node_tools / "eslint.config.js").write_text(
        'module.exports = [{ rules: { "no-unused-vars": "error" } }];\n')
    (node_tools / "a.js").write_text("const x = 1;\nconst y = 2;\n")
    output = run([str(node_tools / "node_modules" / ".bin" / "eslint"), "a.js"], node_tools)
    cause, failure = judge(fake, tmp_path, output)
    fence = cause[cause.index("```text\n") + 8:]
    assert fence.startswith(f"{node_tools}/a.js\n  1:7  error  'x' is assigned")
    assert "2:7  error  'y' is assigned" in fence
    assert failure["kind"] == "lint"


def test_every_family_in_the_table_is_judged_on_real_output() -> None:
    tested = set(FAMILIES) | {"cargo", "tsc", "lint", "jest", "eslint"}
    assert {m.family for m in causes.MARKERS} <= tested
