"""Jinja templates: the verb macros write what the builder writes; invalid results raise.

The property test turns documents drawn from test_roundtrip's strategies into templates
(every value passed as a context variable, indented as people write templates) and checks
the rendered bytes against ``rcml.dumps``, which is what ``Response.to_xml()`` returns.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from test_build import built
from test_roundtrip import documents

import rcml
from rcml._build import RULES, method_name
from rcml.templates import environment, render_string, render_template


def template_for(node: rcml.Node, context: dict[str, Any], depth: int = 0) -> str:
    """Template source that writes ``node`` with the macros; values go into ``context``."""
    rules = RULES[node.TAG]

    def var(value: Any) -> str:
        key = f"v{len(context)}"
        context[key] = value
        return key

    args = [var(getattr(node, rules.text))] if rules.text is not None else []
    args += [f"{n}={var(getattr(node, n))}" for n in rules.names if getattr(node, n) is not None]
    call = f"v.{method_name(node.TAG)}({', '.join(args)})"
    pad = "  " * depth
    if rules.slot is None:
        return f"{pad}{{{{ {call} }}}}\n"
    inner = "".join(template_for(child, context, depth + 1) for child in node.children())
    return f"{pad}{{% call {call} %}}\n{inner}{pad}{{% endcall %}}\n"


def _source(doc: rcml.Document, context: dict[str, Any]) -> str:
    return '{% import "rcml/verbs.xml" as v %}\n' + template_for(doc, context)


@settings(max_examples=150, deadline=None)
@given(documents())
def test_templates_and_the_builder_write_the_same_bytes(doc: rcml.Document) -> None:
    context: dict[str, Any] = {}
    source = _source(doc, context)
    rendered = render_string(source, **context)
    assert rendered == built(doc).to_xml() == rcml.dumps(doc)
    assert rcml.parse(rendered) == doc


def test_a_hand_written_template_matches_the_builder() -> None:
    source = """\
{% import "rcml/verbs.xml" as v %}
{% call v.response() %}
  {% call v.gather(action="/ivr/menu", num_digits=1, timeout=5) %}
    {% for option in options %}
    {{ v.say(option, voice="woman") }}
    {% endfor %}
    {{ v.pause(length=1) }}
  {% endcall %}
  {{ v.redirect("/ivr/main") }}
{% endcall %}
"""
    options = ["For sales & billing, press 1.", 'For "support", press 2.']
    r = rcml.Response()
    with r.gather(action="/ivr/menu", num_digits=1, timeout=5) as g:
        for option in options:
            g.say(option, voice="woman")
        g.pause(length=1)
    r.redirect("/ivr/main")
    assert render_string(source, options=options) == r.to_xml()


def test_raw_xml_and_variables_are_escaped_and_validated() -> None:
    source = '<?xml version="1.0"?>\n<Response>\n  <Say>{{ text }}</Say>\n</Response>\n'
    text = "Tom & Jerry <say> \"hi\" 'there'"
    rendered = render_string(source, text=text)
    assert rcml.parse(rendered) == rcml.Document((rcml.Say(text=text),))


# ---------------------------------------------------------------------------- errors


def _render_error(source: str, **context: Any) -> rcml.RenderError:
    env = environment(loader=jinja2.DictLoader({"ivr/menu.xml": source}))
    with pytest.raises(rcml.RenderError) as info:
        env.render_template("ivr/menu.xml", **context)
    return info.value


_HEAD = '{% import "rcml/verbs.xml" as v %}\n{% call v.response() %}\n'


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("  {{ v.gather(num_digits=0) }}\n", 3, "Gather num_digits=0: must be a whole number"),
        ("  {{ v.say('hi') }}\n  {{ v.say('x', voyce='man') }}\n", 4, "Say voyce='man'"),
        ("  {% call v.gather() %}\n    {{ v.dial() }}\n  {% endcall %}\n", 4,
         "Gather cannot contain Dial"),
        ("  {{ v.play(sound) }}\n", 3, "'sound' is undefined"),
        ("  {{ v.say('a\\x00') }}\n", 3, "which XML cannot carry"),
        ("  {{ v.email('hi', to='a@b') }}\n", 3, "Email needs from_="),
        ("  {% call v.refer() %}{% endcall %}\n", 3, "Refer needs a Sip"),
        ("  {% call v.dial() %}\n  {% call v.client('a') %}{{ v.video() }}{{ v.video() }}"
         "{% endcall %}{% endcall %}\n", 4, "Client can hold only one Video"),
    ],
)  # fmt: skip
def test_errors_in_macros_name_the_template_and_line(body: str, line: int, message: str) -> None:
    error = _render_error(_HEAD + body + "{% endcall %}\n")
    assert (error.template, error.line) == ("ivr/menu.xml", line)
    assert message in error.message
    assert str(error).startswith(f"ivr/menu.xml:{line}: ")


def test_invalid_raw_xml_is_reported_at_its_template_line() -> None:
    source = _HEAD + '  {{ v.say("hi") }}\n  <Gather numdigits="1"/>\n{% endcall %}\n'
    error = _render_error(source)
    assert (error.template, error.line) == ("ivr/menu.xml", 4)
    assert error.violations[0].kind == "unknown-attribute"
    assert "did you mean 'numDigits'" in error.message
    assert error.output is not None and rcml.parse(error.output.replace("numdigits", "numDigits"))


def test_syntax_errors_are_render_errors_with_a_line() -> None:
    error = _render_error(_HEAD + "  {% endif %}\n{% endcall %}\n")
    assert (error.template, error.line) == ("ivr/menu.xml", 3)


def test_a_template_that_is_not_xml_is_a_render_error() -> None:
    with pytest.raises(rcml.RenderError, match=r"<string>: .*rendered line 1"):
        render_string("Hello {{ name }}", name="world")


def test_render_template_finds_templates_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bye.xml").write_text(
        _HEAD + "  {{ v.say(message) }}\n  {{ v.hangup() }}\n{% endcall %}\n"
    )
    monkeypatch.chdir(tmp_path)
    rendered = render_template("bye.xml", message="Goodbye.")
    assert rendered == rcml.Response().say("Goodbye.").hangup().to_xml()


def test_autoescape_and_strict_undefined_cannot_be_turned_off() -> None:
    with pytest.raises(TypeError, match="autoescape"):
        environment(autoescape=False)
    env = environment(loader=jinja2.DictLoader({}))
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined


def test_importing_rcml_does_not_import_jinja2() -> None:
    code = "import sys, rcml; print('jinja2' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert done.stdout.split() == ["False"]


def test_the_environment_lists_the_macros_and_the_templates() -> None:
    env = environment(loader=jinja2.DictLoader({"menu.xml": ""}))
    assert env.list_templates() == ["menu.xml", "rcml/verbs.xml"]
