"""The linter's fast path gives the findings the AST gives.

A document the schema accepts is checked on its lxml tree itself. These tests run the
same checks over the AST that ``rcml.parse`` builds, through the _AstElement stand-ins
that documents the schema rejects are checked on, and require the same findings, fixes
included, over a varied corpus: the examples, the rules' own examples, generated
documents, the same with the mistakes and oddities people write, and Hypothesis'
documents.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import rcml
from rcml._lint import RULES, Finding, LintConfig, Severity, _engine, lint_source
from rcml._lint._model import new_finding
from rcml._parse import _build
from rcml._source import Locator, attribute_spans
from rcml._spec import ELEMENTS, spec_of

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_parse import make_corpus  # noqa: E402
from test_roundtrip import documents  # noqa: E402

CONFIGS = [
    (LintConfig(), None),
    (LintConfig(target="twilio"), "https://app.example.com/ivr/menu?lang=en"),
    (LintConfig(), "https://app.example.com/ivr"),
]

# Edits that make generated documents reach more rules and more odd corners of XML.
_ODDITIES = [
    (b">", b"><!-- c -->"),
    (b"</Say>", b"<!-- x --></Say>"),
    (b"<Say>", b"<Say> <!--a--> "),
    (b"<Say>", b"<Say><?pi x?>"),
    (b"</Dial>", b" +15551234 </Dial>"),
    (b"<Dial>", b"<Dial>  \n  "),
    (b"<Say>", b"<Say><![CDATA[ & <Say> ]]>"),
    (b"<Say", b'<Say loop="0"'),
    (b"<Play", b'<Play loop="00"'),
    (b"<Say", b'<Say loop=" +0 "'),
    (b"<Gather", b'<Gather finishOnKey=""'),
    (b"<Gather", b"<Gather numDigits=' 04 '"),
    (b"<Record", b'<Record finishOnKey=""'),
    (b"</Response>", b"<?pi x?></Response>"),
    (b"<Response>", b"<Response>\n<!-- rcml-lint: disable-next-line -->\n"),
    (b"<Response>", b"<Response><!-- <Say loop='0'>x</Say> -->"),
    (b"<Number", b'<Number statusCallbackEvent="initiated,ringing"'),
    (b"<Number", b'<Number\n   sendDigits="1w2"'),
    (b"<Sip", b'<Sip username="u"'),
    (b"<Conference", b'<Conference name=""'),
    (b"<Sms", b'<Sms to="abc"'),
    (b"<Sms", b'<Sms statusCallback="/s"'),
    (b"<Dial", b'<Dial callerId="x y"'),
    (b"<Gather", b'<Gather hints="a,,b , c"'),
    (b"<Say>", b"<Say>\xc2\xa0"),
    (b"<Say>", b"<Say>&#160;&#x20;"),
    (b"</Say>", b"\r\n</Say>"),
    (b"<Redirect>", b"<Redirect>  "),
    (b"<Hangup/>", b"<Hangup/><Say>after</Say>"),
    (b"<Response>", b"<Response><Reject/>"),
    (b"<Dial>", b"<Dial><Conference>r</Conference>"),
    (b"&amp;", b"&"),
    (b"<Play>", b"<Play>\t"),
    (b"<Say", b"<Say\tvoice='man'\n"),
    # xsi attributes are valid and no field of the AST (rcml.parse skips them).
    (
        b"<Response>",
        b'<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:noNamespaceSchemaLocation="rcml.xsd">',
    ),
]


def _odd(doc: bytes, r: Random) -> Iterator[bytes]:
    for _ in range(3):
        old, new = r.choice(_ODDITIES)
        count = doc.count(old)
        if count:
            parts = doc.split(old)
            at = r.randrange(count) + 1
            yield old.join(parts[:at]) + new + old.join(parts[at:])


def _corpus() -> list[bytes]:
    docs = [p.read_bytes() for p in sorted((ROOT / "examples").rglob("*.xml"))]
    for rule in RULES.values():
        for text in (rule.bad, rule.good):
            body = text.split("\n", 1)[1] if text.startswith("(served at") else text
            docs.append(body.encode())
    r = Random(5)
    for doc in make_corpus(300, 3):
        docs.append(doc)
        docs.extend(_odd(doc, r))
    return docs


CORPUS = _corpus()

#: The engine compiled by mypyc (RCML_MYPYC=1, hatch_build.py) calls its own functions
#: directly: a test that swaps one of them for another way tests the sources, which the
#: uncompiled run does.
compiled = pytest.mark.skipif(
    not _engine.__file__.endswith(".py"), reason="swaps a function of the compiled engine"
)


def _ast_tree(doc: Any, root: etree._Element) -> Any:
    # The AST rcml.parse builds for a valid document, which the checks ran on before.
    return _engine._AstTree(_build(root, Locator(doc.work)))


def _both(text: bytes | str, config: LintConfig, url: str | None) -> tuple[Any, Any]:
    fast = _facts(lint_source(text, file="f.xml", config=config, url=url))
    on_lxml = _engine._valid_tree
    _engine._valid_tree = _ast_tree  # type: ignore[assignment]
    try:
        full = _facts(lint_source(text, file="f.xml", config=config, url=url))
    finally:
        _engine._valid_tree = on_lxml  # type: ignore[assignment]
    return fast, full


def _facts(findings: list[Finding]) -> list[tuple[Any, ...]]:
    # Finding's equality leaves the fix out: compare it too.
    return [(f, repr(f), f.fix) for f in findings]


def test_the_corpus_reaches_the_fast_path_and_many_rules() -> None:
    rules: set[str] = set()
    valid = 0
    for doc in CORPUS:
        findings = lint_source(doc, config=LintConfig(target="twilio"))
        rules.update(f.rule for f in findings)
        try:
            rcml.parse(doc)
            valid += 1
        except rcml.RCMLError:
            pass
    assert valid > len(CORPUS) // 2
    assert len(rules) > 40


@compiled
@pytest.mark.parametrize(("config", "url"), CONFIGS, ids=["restcomm", "twilio", "url"])
def test_fast_path_finds_what_the_ast_finds(config: LintConfig, url: str | None) -> None:
    for doc in CORPUS:
        fast, full = _both(doc, config, url)
        assert fast == full, doc


@compiled
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents(), st.booleans(), st.sampled_from(CONFIGS))
def test_fast_path_finds_what_the_ast_finds_in_any_valid_document(
    doc: rcml.Document, pretty: bool, config: tuple[LintConfig, str | None]
) -> None:
    fast, full = _both(rcml.dumps(doc, pretty=pretty), *config)
    assert fast == full


def _valid_roots() -> Iterator[tuple[str, etree._Element]]:
    for doc in CORPUS:
        try:
            rcml.parse(doc)
        except rcml.RCMLError:
            continue
        text = doc.decode("utf-8-sig")
        yield text, etree.fromstring(text.encode())


def test_ast_elements_answer_what_the_lxml_elements_do() -> None:
    """What the checks read of a node, through _AstElement, is what they read of the
    element it came from: the same tags in the same order, parents and children, text,
    and every attribute they read, converted as they convert it."""
    convert: dict[str, Any] = {"str": str, "int": int, "hints": _engine._hints}
    convert["events"] = _engine._events
    compared = 0
    for text, root in _valid_roots():
        tree = _engine._AstTree(_build(root, Locator(text)))
        elements = [el for el in root.iterdescendants() if isinstance(el.tag, str)]
        stand_ins = list(tree.iterdescendants())
        assert [el.tag for el in elements] == [el.tag for el in stand_ins]
        assert [v.tag for v in root if isinstance(v.tag, str)] == [v.tag for v in tree]
        for el, stand_in in zip(elements, stand_ins, strict=True):
            tag = el.tag
            assert el.getparent().tag == stand_in.getparent().tag
            assert [k.tag for k in _engine._element_children(el)] == [
                k.tag for k in _engine._element_children(stand_in)
            ]
            assert _engine._text(el) == _engine._text(stand_in), tag
            for how, xml in _engine._FIELDS.get(tag, {}).values():
                if how in convert:
                    ours, theirs = el.get(xml), stand_in.get(xml)
                    assert (ours is None) == (theirs is None), (tag, xml)
                    if ours is not None:
                        assert convert[how](ours) == convert[how](theirs), (tag, xml)
                    compared += 1
            for xml, _ in _engine._status_tables().get(tag, (None, ()))[1]:
                assert (el.get(xml) is None) == (stand_in.get(xml) is None), (tag, xml)
    assert compared > 1000


def test_an_ast_element_has_no_attribute_its_node_has_no_field_for() -> None:
    document = rcml.parse("<Response><Say loop='0'>hi</Say></Response>")
    (say,) = _engine._AstTree(document)
    assert (say.tag, say.get("loop"), say.get("voice"), say.get("nonsense")) == (
        "Say",
        "0",
        None,
        None,
    )


def test_the_fields_read_are_the_asts() -> None:
    """_FIELDS names AST fields, with the XML name and the conversion of rcml._spec."""
    same_as_written = {"str", "url", "keys", "record-keys"}
    for tag, fields in _engine._FIELDS.items():
        spec = spec_of(ELEMENTS[tag])
        for name, (how, xml) in fields.items():
            if how == "text":
                assert spec.text == name, (tag, name)
            elif how in ("many", "one"):
                (child,) = [c for c in spec.children if c.name == name]
                assert child.many == (how == "many"), (tag, name)
            else:
                attr = spec.by_xml[xml]
                assert attr.name == name, (tag, name)
                kind = attr.kind
                assert how == ("str" if kind in same_as_written else kind), (tag, name, kind)


@pytest.mark.parametrize(
    "value", ["a,b", " a , b ,, c ", "", ",", "x" * 120, "\u00a0a\u00a0,b"], ids=repr
)
def test_hints_and_events_convert_as_the_parser_does(value: str) -> None:
    from rcml._values import converter

    assert _engine._hints(value) == converter("hints").strict(value)
    events = "initiated, ringing ,completed"
    assert _engine._events(events) == converter("events").strict(events)


def test_new_finding_is_a_finding() -> None:
    fix = _engine.Fix("write x", (_engine.Edit(1, 2, "x"),))
    args = ("loop-zero", "RC201", Severity.WARNING, "f.xml", 3, 4, "loop", fix)
    made, fast = Finding(*args), new_finding(*args)
    assert fast == made and repr(fast) == repr(made) and hash(fast) == hash(made)
    assert dataclasses.astuple(fast) == dataclasses.astuple(made)
    assert fast.fix is fix


def test_attribute_start_agrees_with_attribute_spans() -> None:
    tags = [
        '<Say loop="0">',
        "<Say  voice = 'man'\n\tloop='1' />",
        '<Sms to="a loop=&quot;0&quot;" loop="2">',
        "<Say voice='a loop=\"0\"'>",
        '<Say xloop="1" loopx="2" loop = "3">',
        "<Hangup/>",
        '<Say loop="0"',  # not a start tag: no attribute
        "<?xml version='1.0'?>",
    ]
    for tag in tags:
        spans = attribute_spans(tag, 0)
        for name in ("loop", "voice", "to", "x"):
            expected = spans[name][0] if name in spans else None
            assert _engine._attribute_start(tag, 0, name) == expected, (tag, name)


@pytest.mark.parametrize(
    "text",
    [
        (ROOT / "examples" / "main-menu.xml").read_bytes(),
        # The common mistakes: a misspelled attribute, a bad value, a bare '&'.
        b'<Response><Gather numdigits="1" action="/m?a=1&b=2"><Say voice="alice">Hi</Say>'
        b'</Gather><Pause length="1.5"/></Response>',
    ],
    ids=["valid", "mistakes"],
)
def test_linting_a_document_needs_no_ast(text: bytes, tmp_path: Path) -> None:
    # Importing the AST costs a one-file run tens of milliseconds.
    code = (
        "import sys; from rcml._lint import lint_source; "
        "found = lint_source(open(sys.argv[1], 'rb').read()); "
        "print(len(found), sorted(m for m in sys.modules if m in "
        "('rcml._ast', 'rcml._spec', 'rcml._parse', 'rcml._values', 'xmlschema')))"
    )
    path = tmp_path / "doc.xml"
    path.write_bytes(text)
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    count, modules = out.stdout.strip().split(" ", 1)
    assert modules == "[]"
    assert (int(count) > 2) == (b"alice" in text)


def test_status_tables_read_the_schema_as_schema_model_does() -> None:
    from rcml._schema import schema_model

    expected: dict[str, tuple[str | None, tuple[tuple[str, str], ...]]] = {}
    for tag, decl in schema_model().elements.items():
        rows: list[tuple[str, str]] = []
        for xml, attribute in decl.attributes.items():
            if attribute.status:
                rows.append((xml, attribute.status))
            if (tag, xml) in _engine._NOT_IN_TWILIO_ATTRIBUTES:
                rows.append((xml, "twilio"))
        if decl.status or rows:
            expected[tag] = (decl.status, tuple(rows))
    tables = _engine._status_tables()
    assert tables == expected
    assert list(tables) == list(expected)


# Mistakes in attributes: the first ones in attributes no check reads (RestComm ignores
# or defaults them), the last ones in attributes the checks do read.
_ATTRIBUTE_MISTAKES = [
    (b"<Say", b'<Say voice="alice"'),
    (b"<Say", b'<Say language="klingon-x"'),
    (b"<Pause", b'<Pause length="1.5"'),
    (b"<Gather", b'<Gather numdigits="1"'),
    (b"<Gather", b'<Gather FinishOnKey=""'),
    (b"<Gather", b'<Gather input="keys"'),
    (b"<Gather", b'<Gather timeout="soon"'),
    (b"<Play", b'<Play extra="x"'),
    (b"<Dial", b'<Dial timeout="abc"'),
    (b"<Record", b'<Record maxLength="-1"'),
    (b"<Record", b'<Record playBeep="yes"'),
    (b"<Conference", b'<Conference beep="maybe"'),
    (b"<Number", b'<Number sendDigits="wait"'),
    (b"<Response>", b"<Response><Email>hi</Email>"),
    (b"<Say", b'<Say loop="x"'),
    (b"<Gather", b'<Gather numDigits="a"'),
    (b"<Gather", b'<Gather finishOnKey="abc"'),
    (b"<Number", b'<Number statusCallbackEvent="initiated ringing"'),
]


def _mistaken() -> list[bytes]:
    r = Random(11)
    docs = []
    for doc in CORPUS:
        changed = doc
        for old, new in r.sample(_ATTRIBUTE_MISTAKES, 3):
            changed = changed.replace(old, new, 1)
        if changed != doc:
            docs.append(changed)
    return docs


@compiled
@pytest.mark.parametrize(("config", "url"), CONFIGS, ids=["restcomm", "twilio", "url"])
def test_a_tolerated_document_on_lxml_finds_what_the_lenient_ast_finds(
    config: LintConfig, url: str | None
) -> None:
    tolerated = _engine._tolerated_tree
    reached = 0

    def counted(doc: Any, root: etree._Element) -> Any:
        nonlocal reached
        reached += 1
        return tolerated(doc, root)

    def lenient(doc: Any, root: etree._Element) -> Any:
        return _engine._lenient_tree(doc)

    for text in _mistaken():
        _engine._tolerated_tree = counted  # type: ignore[assignment]
        try:
            fast = _facts(lint_source(text, file="f.xml", config=config, url=url))
            _engine._tolerated_tree = lenient  # type: ignore[assignment]
            full = _facts(lint_source(text, file="f.xml", config=config, url=url))
        finally:
            _engine._tolerated_tree = tolerated  # type: ignore[assignment]
        assert fast == full, text
    assert reached > len(_mistaken()) // 3


def test_a_violation_in_an_attribute_a_check_reads_gets_the_lenient_ast() -> None:
    # Say loop="x": RestComm defaults it, and loop-zero must not see the raw text.
    text = b'<Response><Say loop="x">hi</Say><Say loop="0">again</Say></Response>'
    rules = [f.rule for f in lint_source(text)]
    assert rules == ["say-loop", "loop-zero"]
    assert not _engine._unread(
        rcml.Violation(
            1, 1, "/Response/Say", "bad", element="Say", attribute="loop", kind="invalid-value"
        )
    )
    assert _engine._unread(
        rcml.Violation(
            1, 1, "/Response/Say", "bad", element="Say", attribute="voice", kind="invalid-value"
        )
    )
    assert not _engine._unread(
        rcml.Violation(
            1,
            1,
            "/Response/Say",
            "bad",
            element="Say",
            attribute="{urn:x}loop",
            kind="unknown-attribute",
        )
    )
