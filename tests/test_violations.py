"""Schema errors: every violation, with position, kind and what was expected."""

from __future__ import annotations

import pytest

import rcml


def violations(source: str) -> list[tuple[int, int, str, str, str]]:
    with pytest.raises(rcml.SchemaError) as info:
        rcml.parse(source)
    return [(v.line, v.column, v.kind, v.element, v.attribute) for v in info.value.violations]


def test_all_violations_are_reported_not_only_the_first() -> None:
    source = (
        "<Response>\n"
        '  <Say voice="alice" foo="1">x</Say>\n'
        '  <Gather numdigits="1"><Dial/><Play>a b</Play></Gather>\n'
        "  <say>x</say>\n"
        '  <Email to="a">b</Email>\n'
        '  <Pause length="0.5"/>\n'
        "  <Refer/>\n"
        "  <Hangup>x</Hangup>\n"
        "</Response>"
    )
    assert violations(source) == [
        (2, 8, "invalid-value", "Say", "voice"),
        (2, 22, "unknown-attribute", "Say", "foo"),
        (3, 11, "unknown-attribute", "Gather", "numdigits"),
        (3, 25, "misplaced-element", "Dial", ""),
        (3, 32, "invalid-value", "Play", ""),
        (4, 3, "unknown-element", "say", ""),
        (5, 3, "missing-attribute", "Email", "from"),
        (6, 10, "invalid-value", "Pause", "length"),
        (7, 3, "missing-element", "Refer", ""),
        (8, 3, "text-not-allowed", "Hangup", ""),
    ]


def test_expected_values_and_near_miss_hint() -> None:
    with pytest.raises(rcml.SchemaError) as info:
        rcml.parse('<Response><Say voice="alice"/><Gather FinishOnKey="#"/></Response>')
    voice, finish = info.value.violations
    assert voice.expected == ("man", "woman")
    assert voice.value == "alice"
    assert "finishOnKey" in finish.expected
    assert "did you mean 'finishOnKey'?" in finish.message


def test_wrong_root() -> None:
    with pytest.raises(rcml.SchemaError) as info:
        rcml.parse("<Say>hi</Say>")
    (violation,) = info.value.violations
    assert (violation.kind, violation.expected) == ("wrong-root", ("Response",))


def test_misplaced_verb_lists_what_is_allowed() -> None:
    with pytest.raises(rcml.SchemaError) as info:
        rcml.parse("<Response><Gather><Record/></Gather></Response>")
    (violation,) = info.value.violations
    assert violation.expected == ("Say", "Play", "Pause")
    assert violation.path == "/Response/Gather/Record"


@pytest.mark.parametrize(
    ("source", "attribute"),
    [
        ('<Gather timeout="0"/>', "timeout"),
        ('<Gather finishOnKey="ab"/>', "finishOnKey"),
        ('<Gather method="get"/>', "method"),
        ('<Record playBeep="1"/>', "playBeep"),
        ('<Record finishOnKey="-2"/>', "finishOnKey"),
        ('<Say loop="-1">x</Say>', "loop"),
        ('<Say language="english!">x</Say>', "language"),
        ('<Dial timeLimit="99999999999"/>', "timeLimit"),
        ('<Dial><Number statusCallbackEvent="initiated answered">1</Number></Dial>',
         "statusCallbackEvent"),
        ('<Reject reason="nope"/>', "reason"),
    ],
)  # fmt: skip
def test_invalid_values(source: str, attribute: str) -> None:
    (found,) = violations(f"<Response>{source}</Response>")
    assert found[2:] == ("invalid-value", found[3], attribute)


def test_schema_error_is_a_document_error_with_position() -> None:
    with pytest.raises(rcml.DocumentError) as info:
        rcml.parse('<Response>\n<Pause length="x"/></Response>')
    assert (info.value.line, info.value.column) == (2, 8)
