"""Rendering validates as ``rcml.parse`` does, without parsing what the verbs alone wrote.

A document written by the verbs alone (no raw XML, text or filter between them) is known
valid: every value, name and nesting was checked by the builder's checks on the way. These
tests check that claim against the XSD (compiled here, independently of rcml._schema) on
documents drawn from the round-trip strategies and on verb calls with any values in any
nesting, and that everything else still goes through the schema.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_roundtrip import (
    _text_kind,
    _validator,
    attribute_values,
    documents,
    urls,
    xml_strings,
)
from test_templates import _source

import rcml
import rcml.templates
from rcml._build import RULES, method_name
from rcml._spec import spec_of
from rcml.templates import environment, render_string

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def _parsed() -> Iterator[list[str]]:
    """The outputs rendering hands to the XML parser (then to the XSD), in order."""
    seen: list[str] = []
    load: Callable[..., Any] = rcml.templates._load

    def spy(text: str, utf8: bytes | None = None) -> Any:
        seen.append(text)
        return load(text, utf8)

    rcml.templates._load = spy  # type: ignore[assignment]
    try:
        yield seen
    finally:
        rcml.templates._load = load  # type: ignore[assignment]


@pytest.fixture
def schema_parses() -> Iterator[list[str]]:
    with _parsed() as seen:
        yield seen


def _xsd_valid(xml: str) -> bool:
    return bool(_validator().validate(etree.fromstring(xml.encode("utf-8"))))


def _parses(xml: str) -> bool:
    try:
        rcml.parse(xml)
    except (rcml.SchemaError, rcml.MalformedDocumentError, rcml.DocumentTooLargeError):
        return False
    return True


# ---------------------------------------------------------------------------- known valid


@settings(max_examples=150, deadline=None)
@given(documents())
def test_documents_from_the_verbs_alone_are_valid_without_the_schema(
    doc: rcml.Document,
) -> None:
    context: dict[str, Any] = {}
    source = _source(doc, context)
    with _parsed() as seen:
        rendered = render_string(source, **context)
    assert seen == []  # known valid: nothing parsed
    assert _xsd_valid(rendered)
    assert rcml.parse(rendered) == doc


# Values for any attribute of any element: valid ones for that attribute, and others.
_OTHER_VALUES = st.one_of(
    st.sampled_from(["", " ", "POST", "get", "true", "1", "-1", "en-US", "a b", "#", "w"]),
    st.sampled_from(["http://x y", "sip:a@b", "initiated", "man", "dtmf speech"]),
    xml_strings,
    st.integers(-2, 100_000),
    st.booleans(),
    st.lists(st.sampled_from(["initiated", "ringing", "x", ""]), max_size=3),
)
# Raw markup written between the verbs: valid and invalid elements, text.
_RAW = st.sampled_from(
    ["<Say>raw</Say>", "<Pause/>", "<Bogus/>", "text", "<Number>1</Number>", "<Sip>sip:a</Sip>",
     "<Video/>", '<Pause length="x"/>', "<Hangup></Hangup>", "&amp;", "<!-- c -->"]
)  # fmt: skip


@st.composite
def _verb_call(
    draw: st.DrawFn, tag: str, context: dict[str, Any], depth: int, mischief: bool
) -> str:
    """Template source calling the verb of ``tag`` and of its children.

    With ``mischief``, some values are of any kind and some children of any tag.
    """

    def var(value: Any) -> str:
        key = f"v{len(context)}"
        context[key] = value
        return key

    rules = RULES[tag]
    spec = spec_of(rules.spec.cls)
    args = []
    if rules.text is not None:
        valid = urls if _text_kind(spec) == "url" else xml_strings
        text = draw(st.one_of(valid, valid, valid, _OTHER_VALUES) if mischief else valid)
        args.append(var(text))
    for attr in spec.attributes:
        if draw(st.integers(0, 2)) == 0:  # each attribute present one time in three
            valid = attribute_values(tag, attr)
            value = draw(st.one_of(valid, valid, valid, _OTHER_VALUES) if mischief else valid)
            args.append(f"{attr.name}={var(value)}")
    call = f"v.{method_name(tag)}({', '.join(args)})"
    if rules.slot is None or depth > 2 or draw(st.booleans()):
        return f"{{{{ {call} }}}}\n"
    children = []
    for _ in range(draw(st.integers(0, 3))):
        if mischief and draw(st.integers(0, 5)) == 0:
            children.append(draw(_RAW))
            continue
        tags = rules.slot.tags if not mischief or draw(st.integers(0, 3)) else tuple(RULES)
        child = draw(st.sampled_from(tags))
        children.append(draw(_verb_call(child, context, depth + 1, mischief)))
    return f"{{% call {call} %}}\n{''.join(children)}{{% endcall %}}\n"


@SETTINGS
@given(data=st.data())
def test_whatever_the_verbs_accept_the_schema_accepts(data: st.DataObject) -> None:
    context: dict[str, Any] = {}
    body = data.draw(_verb_call("Response", context, 0, data.draw(st.booleans())))
    source = '{% import "rcml/verbs.xml" as v %}\n' + body
    try:
        rendered = render_string(source, **context)
    except rcml.RenderError as exc:
        event(f"refused: {type(exc.__cause__).__name__}")
        if exc.output is not None:  # refused by the schema: parse refuses it too
            assert not _parses(exc.output)
        return
    event("rendered")
    assert _xsd_valid(rendered)
    assert _parses(rendered)


# ---------------------------------------------------------------------------- validated


def _mutations(xml: str) -> st.SearchStrategy[str]:
    """``xml`` as written, or changed where a template could change it."""
    at = st.integers(0, len(xml))
    snippet = st.one_of(_RAW, st.sampled_from(['"', "<", ">", ' x="1"', "</Say>", "\x00"]))
    return st.one_of(
        st.just(xml),
        st.builds(lambda i, s: xml[:i] + s + xml[i:], at, snippet),
        st.builds(lambda i, n: xml[:i] + xml[i + n :], at, st.integers(1, 8)),
        st.builds(lambda old, new: xml.replace(old, new, 1),
                  st.sampled_from(['="', "<Say", "/>", "Dial", "true", "POST"]),
                  st.sampled_from(['=" ', "<Sey", ">", "Gather", "yes", "PUT", ""])),
    )  # fmt: skip


@SETTINGS
@given(data=st.data(), doc=documents())
def test_rendering_accepts_exactly_what_parse_accepts(
    doc: rcml.Document, data: st.DataObject
) -> None:
    # Raw XML in a template goes through the parser and the XSD, without the AST.
    xml = data.draw(_mutations(rcml.dumps(doc, pretty=data.draw(st.booleans()))))
    try:
        rendered = render_string("{{ xml|safe }}", xml=xml)
    except rcml.RenderError:
        accepted = False
    else:
        assert rendered == xml.lstrip(" \t\r\n")
        accepted = True
    event(f"accepted: {accepted}")
    assert accepted == _parses(xml)


def test_a_verbs_output_reused_elsewhere_is_validated(schema_parses: list[str]) -> None:
    source = (
        '{% import "rcml/verbs.xml" as v %}{% set say = v.say("hi") %}'
        "{% call v.response() %}{% call v.refer() %}{{ say }}{% endcall %}{% endcall %}"
    )
    with pytest.raises(rcml.RenderError, match="Refer needs a Sip") as info:
        render_string(source)
    assert [v.message for v in info.value.violations][1:] == ["Say is not allowed in Refer"]
    assert len(schema_parses) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% call v.gather() %}<Dial/>{% endcall %}", "Dial is not allowed in Gather"),
        ('{{ v.say("hi")|replace("Say", "Sey") }}', "unknown element 'Sey'"),
        ("{{ v.refer() }}", "Refer needs a Sip"),
        ("{{ v.pause() }}text", "Response cannot contain"),
        ('{% for i in range(3000) %}{{ v.say("hello, world") }}{% endfor %}', "over the limit"),
    ],
)
def test_anything_but_the_verbs_goes_through_the_schema(
    body: str, message: str, schema_parses: list[str]
) -> None:
    source = '{% import "rcml/verbs.xml" as v %}{% call v.response() %}' + body + "{% endcall %}"
    with pytest.raises(rcml.RenderError, match=message):
        render_string(source)


def test_whitespace_after_the_document_is_kept_and_needs_no_parse(
    schema_parses: list[str],
) -> None:
    source = (
        '{% import "rcml/verbs.xml" as v %}\n\n{{ v.response() }}\n \n'  # Jinja drops the last \n
    )
    assert render_string(source) == '<?xml version="1.0" encoding="UTF-8"?><Response/>\n '
    assert schema_parses == []


def test_a_render_inside_a_render_keeps_each_its_own(schema_parses: list[str]) -> None:
    env = environment(loader=jinja2.DictLoader({}))
    inner = '{% import "rcml/verbs.xml" as v %}{% call v.response() %}{{ v.hangup() }}{% endcall %}'

    def nested() -> str:
        return env.render_string(inner)[:0]  # rendered, validated, then dropped

    outer = (
        '{% import "rcml/verbs.xml" as v %}'
        "{% call v.response() %}{% call v.gather() %}{{ nested() }}{{ v.say('a') }}"
        "{% endcall %}{% endcall %}"
    )
    assert env.render_string(outer, nested=nested).endswith(
        "<Gather><Say>a</Say></Gather></Response>"
    )
    assert schema_parses == []
