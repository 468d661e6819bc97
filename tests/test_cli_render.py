"""``rcml render``: validated XML on stdout, one-line errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import rcml
from rcml._cli import cli

TEMPLATE = """\
{% import "rcml/verbs.xml" as v %}
{% call v.response() %}
  {{ v.say(greeting, voice="woman") }}
  {% call v.gather(action="/menu", num_digits=digits|int) %}{{ v.say("Press 1.") }}{% endcall %}
{% endcall %}
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "menu.xml.j2"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def _expected(greeting: str, digits: int) -> rcml.Document:
    r = rcml.Response().say(greeting, voice="woman")
    r.gather(action="/menu", num_digits=digits).say("Press 1.")
    return r.to_document()


def test_render_prints_valid_xml(template: Path, tmp_path: Path) -> None:
    context = tmp_path / "ctx.json"
    context.write_text(json.dumps({"greeting": "Hi & <welcome>", "digits": "2"}))
    result = CliRunner().invoke(cli, ["render", str(template), "--context", str(context)])
    assert result.exit_code == 0, result.output
    assert rcml.parse(result.stdout) == _expected("Hi & <welcome>", 2)


def test_vars_override_the_context(template: Path) -> None:
    args = ["render", str(template), "--context", "-", "--var", "digits=3", "--var", "greeting=Yo"]
    result = CliRunner().invoke(cli, args, input='{"greeting": "Hi", "digits": "1"}')
    assert result.exit_code == 0, result.output
    assert rcml.parse(result.stdout) == _expected("Yo", 3)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (["greeting=Hi", "digits=0"], ":4: Gather num_digits=0: must be a whole number from 1"),
        (["digits=1"], ":3: 'greeting' is undefined"),
    ],
)
def test_invalid_results_exit_1_with_template_and_line(
    template: Path, variables: list[str], message: str
) -> None:
    args = ["render", str(template)] + [a for v in variables for a in ("--var", v)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"{template}{message}" + result.stderr.split(message, 1)[1]
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [["missing.j2"], ["{t}", "--var", "novalue"], ["{t}", "--context", "-"]],
    ids=["missing template", "bad --var", "context not an object"],
)
def test_usage_errors_exit_2(template: Path, args: list[str]) -> None:
    args = [a.format(t=template) for a in args]
    result = CliRunner().invoke(cli, ["render", *args], input="[1, 2]")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
