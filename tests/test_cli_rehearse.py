from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rcml._cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rehearse", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_branch_that_goes_as_expected_exits_0_and_prints_the_transcript() -> None:
    code, out, err = invoke(
        f"{EXAMPLES}/ivr/app.py:asgi_app", "--caller", f"{EXAMPLES}/ivr/calls/sales.toml"
    )
    assert code == 0, err
    assert "POST /ivr/sales/choice -> 200 (action)" in out
    assert "call completed: duration 119 s" in out.splitlines()[-1]


def test_json_report(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    code, _, _ = invoke(
        f"{EXAMPLES}/ivr/app.py:wsgi_app",
        "--caller",
        f"{EXAMPLES}/ivr/calls/operator-voicemail.toml",
        "--json",
        str(report),
        "--recordings",
        str(tmp_path / "rec"),
    )
    data = json.loads(report.read_text())
    assert code == 0 and data["ok"] is True
    assert data["call"]["status"] == "completed"
    assert [c["status"] for c in data["child_calls"]] == ["busy", "canceled"]
    assert {r["purpose"] for r in data["requests"]} >= {"initial", "action", "redirect"}
    assert len(list((tmp_path / "rec").glob("RE*.wav"))) == 1


def test_a_call_that_does_not_go_as_expected_exits_1_with_one_line() -> None:
    code, _, err = invoke(f"{EXAMPLES}/ivr/app.py:asgi_app", "--url", "/ivr/main", "-q")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("rcml rehearse: no [[gather]] entry left")


def test_a_local_file_rehearses_with_its_siblings() -> None:
    code, out, _ = invoke(str(EXAMPLES / "blocked.xml"))
    assert code == 0 and "Reject" in out


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[gather]]\ndigit = '1'\n")
    for args in (["nothing.xml"], [str(EXAMPLES / "blocked.xml"), "--caller", str(bad)]):
        code, out, err = invoke(*args)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
    assert "did you mean 'digits'" in invoke(str(EXAMPLES / "blocked.xml"), "--caller", str(bad))[2]


def test_html_report(tmp_path: Path) -> None:
    import lxml.html

    report = tmp_path / "r.html"
    code, _, err = invoke(
        f"{EXAMPLES}/ivr/app.py:asgi_app",
        "--caller",
        f"{EXAMPLES}/ivr/calls/sales.toml",
        "--html",
        str(report),
        "-q",
    )
    assert code == 0, err
    page = lxml.html.document_fromstring(report.read_text(encoding="utf-8"))
    assert page.cssselect("#timeline .lane") and page.cssselect("ol.transcript li")
    assert not page.cssselect("audio")  # no --wav yet: the page says so and still works


def test_html_report_unwritable(tmp_path: Path) -> None:
    code, _, err = invoke(
        f"{EXAMPLES}/blocked.xml", "--html", str(tmp_path / "missing" / "r.html"), "-q"
    )
    assert code == 2
    assert err.startswith("rcml rehearse: cannot write")
