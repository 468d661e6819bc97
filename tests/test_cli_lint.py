"""``rcml lint``: output formats, exit codes, fixes and rule documentation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rcml._cli import cli
from rcml._lint import RULES, explain

ROOT = Path(__file__).resolve().parent.parent
BAD = (
    '<Response>\n  <Say voice="alice">Hi</Say>\n  <Gather numdigits="1" action="/a"/>\n'
    "</Response>\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # no configuration from above the test directory
    path = tmp_path / "bad.xml"
    path.write_text(BAD)
    return path


def test_text_lines_and_exit_1(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(cli, ["lint", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:2:8: error 13511 [say-voice] Say voice 'alice' is not valid: expected one of "
        "'man', 'woman'",
        f"{bad}:3:11: error 12200 [unknown-attribute] Gather has no attribute 'numdigits' "
        "(did you mean 'numDigits'?)",
    ]
    assert "2 errors, 0 warnings, 0 info in 1 file (1 fixable with --fix)" in result.stderr


def test_examples_lint_clean_but_the_legacy_one(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["lint", "-q", str(ROOT / "examples")])
    files = {line.split(":", 1)[0] for line in result.stdout.splitlines() if " error " in line}
    assert files == {str(ROOT / "examples" / "restcomm" / "legacy-play.xml")}


def test_fail_on(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "w.xml"
    path.write_text('<Response><Play loop="0">/m.wav</Play></Response>')
    assert runner.invoke(cli, ["lint", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["lint", "--fail-on", "warning", str(path)]).exit_code == 1
    (tmp_path / ".rcml-lint.toml").write_text('fail-on = "warning"\n')
    assert runner.invoke(cli, ["lint", str(path)]).exit_code == 1
    assert runner.invoke(cli, ["lint", "--fail-on", "never", str(path)]).exit_code == 0


def test_json(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(cli, ["lint", "-f", "json", str(bad)])
    data = json.loads(result.stdout)
    assert data["files"] == 1
    assert data["summary"] == {"error": 2, "warning": 0, "info": 0, "fixable": 1}
    assert [(f["code"], f["rule"], f["line"], f["column"]) for f in data["findings"]] == [
        ("13511", "say-voice", 2, 8),
        ("12200", "unknown-attribute", 3, 11),
    ]


def test_github_annotations(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(cli, ["lint", "-f", "github", str(bad)])
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"::error file={bad},line=2,col=8,title=13511 say-voice::")


def test_sarif_has_the_required_2_1_0_structure(runner: CliRunner, bad: Path) -> None:
    result = runner.invoke(cli, ["lint", "-f", "sarif", str(bad)])
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] and isinstance(driver["rules"], list)
    ids = [r["id"] for r in driver["rules"]]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note", "none"}
        assert res["message"]["text"]
        (loc,) = res["locations"]
        region = loc["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("file://")


def test_fix_and_diff(runner: CliRunner, bad: Path) -> None:
    diff = runner.invoke(cli, ["lint", "--diff", str(bad)])
    assert diff.exit_code == 1 and '+  <Gather numDigits="1" action="/a"/>' in diff.stdout
    assert bad.read_text() == BAD
    fixed = runner.invoke(cli, ["lint", "--fix", str(bad)])
    assert fixed.exit_code == 1  # the voice cannot be fixed safely
    assert bad.read_text() == BAD.replace("numdigits", "numDigits")
    assert "1 fixed" in fixed.stderr


def test_stdin(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["lint", "-"], input=BAD)
    assert result.exit_code == 1 and result.stdout.startswith("<stdin>:2:8: error 13511")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "gather-timout"], "unknown rule 'gather-timout'"),
        (["--fix", "--diff"], "cannot be used together"),
        (["--fix", "-"], "not standard input"),
        (["--explain", "nope"], "unknown rule 'nope'"),
        (["--url", "https://x/", "a.xml", "b.xml"], "--url applies to a single file"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["lint", *args])
    assert result.exit_code == 2 and message in result.stderr


def test_bad_config_is_one_line_and_exit_2(runner: CliRunner, bad: Path) -> None:
    (bad.parent / ".rcml-lint.toml").write_text("target = 3\n")
    result = runner.invoke(cli, ["lint", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "is not a target" in result.stderr


def test_explain_prints_the_rule_page(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["lint", "--explain", "13313"])
    assert result.exit_code == 0
    assert result.stdout.strip() == explain(RULES["gather-timeout"])


def test_list_rules_lists_every_rule(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["lint", "--list-rules"])
    assert len(result.stdout.splitlines()) == len(RULES)


def test_rules_page_in_docs_is_current() -> None:
    from rcml._lint._docs import rules_page

    page = (ROOT / "docs" / "lint-rules.md").read_text()
    assert page == rules_page(), "run: python -m rcml._lint._docs > docs/lint-rules.md"


def test_pre_commit_hook_runs_rcml_lint() -> None:
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "entry: rcml lint" in hooks and "types: [xml]" in hooks


def test_real_process_one_line_no_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    result = subprocess.run(
        [sys.executable, "-m", "rcml", "lint", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.strip().endswith("unreadable-file] cannot read: no such file or directory")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_real_process_prints_every_finding_before_it_exits(tmp_path: Path, fmt: str) -> None:
    # The rcml process ends without tearing the interpreter down: its output, buffered
    # for a pipe, must all be written first, from every worker.
    (tmp_path / ".git").mkdir()
    for i in range(120):
        (tmp_path / f"doc{i:03}.xml").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "rcml", "lint", "-f", fmt, "--jobs", "2", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    if fmt == "json":
        files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    else:
        files = {line.split(":", 1)[0] for line in result.stdout.splitlines()}
        assert (
            result.stderr
            == "240 errors, 0 warnings, 0 info in 120 files (120 fixable with --fix)\n"
        )
    assert files == {str(tmp_path / f"doc{i:03}.xml") for i in range(120)}
