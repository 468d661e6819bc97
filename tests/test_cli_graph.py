from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rcml._cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
APP = f"{EXAMPLES}/ivr/app.py:asgi_app"
CALLS = EXAMPLES / "ivr" / "calls"
NEEDS_DOT = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("RCML_BROWSER_TESTS"),
    reason="Graphviz is not installed (CI installs it)",
)


def invoke(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, ["graph", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def edges(mermaid: str) -> set[tuple[str, str, str]]:
    nodes = dict(re.findall(r'^\s+(n\d+)[(\[]+"(.*?)"[)\]]+$', mermaid, re.MULTILINE))
    found = re.findall(r'^\s+(n\d+) -\.?->\|"(.*?)"\| (n\d+)$', mermaid, re.MULTILINE)
    return {(nodes[a], nodes[b], label) for a, label, b in found}


def test_every_script_of_a_folder_draws_one_graph() -> None:
    code, out, err = invoke(APP, "--caller", str(CALLS))
    assert code == 0, err
    text = out.decode()
    assert text.startswith("flowchart TD\n")
    found = edges(text)
    assert ("/ivr/main", "/ivr/menu", "0") in found
    assert ("/ivr/agent", "/ivr/agent/done", "dial completed \u00d72") in found
    assert ("/ivr/voicemail", "/ivr/voicemail/done", "recorded #") in found
    assert err == ""


def test_scripts_can_be_given_one_by_one_and_dot_follows_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "flow.dot"
    code, _, err = invoke(
        APP, "--caller", str(CALLS / "sales.toml"), "--caller", str(CALLS / "no-input.toml"),
        "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    text = out.read_text()
    assert text.startswith("digraph call_flow {")
    # The sales path (8 edges), plus the no-input loop and the hang-up in the main menu.
    assert len(re.findall(r"^\s+n\d+ -> n\d+ ", text, re.MULTILINE)) == 10


def test_a_static_file_needs_no_caller(tmp_path: Path) -> None:
    (tmp_path / "menu.xml").write_text(
        '<Response><Gather action="sales.xml"><Say>Press 1 for sales.</Say></Gather></Response>'
    )
    (tmp_path / "sales.xml").write_text("<Response><Say>Sales.</Say><Hangup/></Response>")
    code, out, _ = invoke(str(tmp_path / "menu.xml"))
    assert code == 0
    assert edges(out.decode()) == {
        ("call", "menu.xml", "incoming"),
        ("menu.xml", "sales.xml", "1"),
        ("menu.xml", "call ends", "end of document"),
        ("sales.xml", "call ends", "Hangup"),
    }


def test_a_rehearsal_that_fails_still_draws_and_says_why(tmp_path: Path) -> None:
    code, out, err = invoke(str(EXAMPLES / "main-menu.xml"), "--caller", str(CALLS / "sales.toml"))
    assert code == 0
    assert out.decode().startswith("flowchart TD")
    assert err.startswith(f"rcml graph: {CALLS / 'sales.toml'}: ")
    assert len(err.splitlines()) == 1


@NEEDS_DOT
@pytest.mark.parametrize(("name", "magic"), [("flow.svg", b"<?xml"), ("flow.png", b"\x89PNG")])
def test_graphviz_formats(tmp_path: Path, name: str, magic: bytes) -> None:
    code, _, err = invoke(APP, "--caller", str(CALLS / "sales.toml"), "-o", str(tmp_path / name))
    assert code == 0, err
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_without_graphviz_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)
    code, out, err = invoke(APP, "--caller", str(CALLS / "sales.toml"), "--format", "svg")
    assert code == 1 and out == b""
    assert err.startswith("rcml graph: rendering SVG or PNG needs Graphviz")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((APP, "--caller", "no/such/folder"), "no such file or folder"),
        (("no/such/app.py:app",), "rcml graph: "),
        ((APP, "--caller", str(EXAMPLES / "ivr" / "README.md")), "rcml graph: "),
    ],
)
def test_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = invoke(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
