"""The rcml command: output lines, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rcml._cli import cli

EXAMPLES = Path(__file__).parent.parent / "examples"
INVALID = '<Response>\n  <Say voice="alice">hi</Say>\n  <Gather numdigits="1"/>\n</Response>\n'


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_examples_directory(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", str(EXAMPLES), "--quiet"])
    # examples/restcomm/ holds documents only RestComm accepts: they are reported.
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert lines and all(line.startswith(str(EXAMPLES / "restcomm")) for line in lines)


def test_validate_valid_files(runner: CliRunner) -> None:
    files = [str(p) for p in sorted(EXAMPLES.glob("*.xml"))]
    result = runner.invoke(cli, ["validate", *files])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert f"{len(files)} documents valid" in result.stderr


def test_validate_reports_file_line_col(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(INVALID)
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    locations = [line.split(": ", 1)[0] for line in result.stdout.splitlines()]
    assert locations == [f"{bad}:2:8", f"{bad}:3:11"]


def test_validate_json(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(INVALID)
    good = EXAMPLES / "voicemail.xml"
    result = runner.invoke(cli, ["validate", "--format", "json", str(good), str(bad)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(r["file"], r["valid"]) for r in report] == [(str(good), True), (str(bad), False)]
    assert [(p["line"], p["column"], p["kind"]) for p in report[1]["problems"]] == [
        (2, 8, "invalid-value"),
        (3, 11, "unknown-attribute"),
    ]


def test_validate_stdin(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "-"], input="<Response><Hangup/></Response>")
    assert result.exit_code == 0
    result = runner.invoke(cli, ["validate", "-"], input="<Response><Hangup>")
    assert result.exit_code == 1
    assert result.stdout.startswith("<stdin>:1:")


def test_validate_lenient_accepts_restcomm_documents(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--lenient", str(EXAMPLES / "restcomm")])
    assert result.exit_code == 0
    assert ": warning: " in result.stdout


def test_validate_missing_file_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "no/such/file.xml"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_validate_without_paths_is_a_usage_error(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["validate"]).exit_code == 2


def test_validate_too_large_and_binary(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_bytes(b"<Response>" + b" " * 70_000 + b"</Response>")
    (tmp_path / "bin.xml").write_bytes(bytes(range(256)))
    result = runner.invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "over the limit" in result.stdout
    assert len(result.stdout.splitlines()) == 2


def test_validate_survives_a_symlink_loop(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "a.xml").write_text("<Response/>")
    result = runner.invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 0


def test_format_is_canonical_and_stable(runner: CliRunner) -> None:
    source = EXAMPLES / "sales.xml"
    once = runner.invoke(cli, ["format", str(source)])
    assert once.exit_code == 0
    twice = runner.invoke(cli, ["format", "-"], input=once.stdout)
    assert twice.stdout == once.stdout


def test_format_lenient_repairs_restcomm_documents(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["format", "--lenient", str(EXAMPLES / "restcomm/legacy-play.xml")])
    assert result.exit_code == 0
    assert "&amp;format=wav" in result.stdout
    assert 'method="GET"' in result.stdout


def test_ast_json(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ast", "-"], input='<Response><Pause length="2"/></Response>')
    assert json.loads(result.stdout) == {
        "tag": "Response", "line": 1, "column": 1,
        "children": [{"tag": "Pause", "line": 1, "column": 11, "length": 2}],
    }  # fmt: skip


def test_python_dash_m_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"\x00\x01garbage")
    done = subprocess.run(
        [sys.executable, "-m", "rcml", "validate", str(bad)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout.startswith(f"{bad}:1:")
