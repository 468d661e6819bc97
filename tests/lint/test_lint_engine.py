"""One document: positions, mapped codes, directives and the fixes' edits."""

from __future__ import annotations

import pytest

from rcml._lint import LintConfig, Severity, apply_fixes, lint_source


def found(text: str | bytes, **config: object) -> list[tuple[str, str, int, int]]:
    return [
        (f.rule, f.code, f.line, f.column)
        for f in lint_source(text, config=LintConfig(**config))  # type: ignore[arg-type]
    ]


def fixed(text: str, **config: object) -> str:
    findings = lint_source(text, config=LintConfig(**config))  # type: ignore[arg-type]
    return apply_fixes(text, findings)[0]


def test_valid_examples_have_no_errors(examples: object) -> None:
    from pathlib import Path

    for path in sorted(Path(str(examples)).glob("*.xml")):
        severities = {f.severity for f in lint_source(path.read_bytes(), file=path.name)}
        assert Severity.ERROR not in severities, path


def test_schema_violations_get_their_specific_codes() -> None:
    text = (
        "<Response>\n"
        '  <Gather timeout="5s" numDigits="0" method="PUT">\n'
        '    <Say voice="alice" loop="x">Hi</Say>\n'
        "  </Gather>\n"
        '  <Pause length="1.5"/>\n'
        "</Response>\n"
    )
    assert found(text) == [
        ("gather-timeout", "13313", 2, 11),
        ("gather-num-digits", "13314", 2, 24),
        ("gather-method", "13312", 2, 38),
        ("gather-say-voice", "13321", 3, 10),
        ("gather-say-loop", "13322", 3, 24),
        ("pause-length", "13910", 5, 10),
    ]


def test_url_values_are_11100_and_top_level_say_voice_is_13511() -> None:
    text = '<Response><Say voice="alice">Hi</Say><Play>a b.wav</Play></Response>'
    assert found(text) == [("say-voice", "13511", 1, 16), ("invalid-url", "11100", 1, 38)]


def test_nesting_errors_are_coded_by_parent() -> None:
    text = (
        "<Response><Gather action='/a'><Dial/></Gather>"
        "<Dial><Play>x.wav</Play></Dial><Say><Pause/></Say></Response>"
    )
    rules = [f[0] for f in found(text, ignore=frozenset({"fall-through-only", "say-empty"}))]
    assert rules == ["gather-nested-verb", "dial-nested-element", "element-not-allowed"]


def test_wrong_root_is_12102_and_the_verbs_are_still_checked() -> None:
    text = "<Document><Hangup/><Say>never</Say></Document>"
    assert found(text) == [("wrong-root", "12102", 1, 1), ("unreachable-verb", "RC101", 1, 20)]


def test_malformed_xml_is_one_12100_finding_with_position() -> None:
    assert found("<Response>\n  <Say>Hi</say>\n</Response>") == [("parse-error", "12100", 2, 16)]


def test_empty_and_too_large_and_undecodable() -> None:
    assert found("  \n") == [("empty-document", "11770", 1, 1)]
    assert found(b"<Response>\xff</Response>")[0][:2] == ("parse-error", "12100")
    assert found("<Response/>", max_size=5) == [("document-too-large", "11750", 1, 1)]


def test_bare_ampersands_map_back_to_original_columns() -> None:
    text = '<Response><Play loop="x">p&q</Play><Redirect>/a?x=1&y=2;&z=3</Redirect></Response>'
    findings = lint_source(text)
    assert [(f.rule, f.severity) for f in findings] == [
        ("play-loop", Severity.ERROR),
        ("bare-ampersand", Severity.WARNING),  # RestComm repairs the first of a run ...
        ("bare-ampersand", Severity.ERROR),  # ... but not the next before a ';'
        ("bare-ampersand", Severity.WARNING),  # after the ';' a new run starts
    ]
    # Columns point into the original text, not the escaped one.
    assert text[findings[0].column - 1 :].startswith("loop=")
    assert [text[f.column - 1] for f in findings[1:]] == ["&", "&", "&"]


def test_bare_ampersand_is_an_error_for_twilio() -> None:
    text = "<Response><Redirect>/a?x=1&amp;y=2&z</Redirect></Response>"
    (finding,) = lint_source(text, config=LintConfig(target="twilio"))
    assert (finding.rule, finding.severity) == ("bare-ampersand", Severity.ERROR)


def test_ampersands_in_comments_and_cdata_are_fine() -> None:
    text = "<Response><!-- a & b --><Say><![CDATA[R&D]]></Say></Response>"
    assert found(text) == []


def test_fixes_change_only_what_they_fix() -> None:
    text = (
        '<Response>\n  <say  voice="woman">Hi &amp; bye</say>\n'
        '  <Gather NumDigits="1" action="/m?a=1&b=2"><Say>x</Say></Gather>\n'
        "</Response>\n"
    )
    assert fixed(text) == (
        '<Response>\n  <Say  voice="woman">Hi &amp; bye</Say>\n'
        '  <Gather numDigits="1" action="/m?a=1&amp;b=2"><Say>x</Say></Gather>\n'
        "</Response>\n"
    )


def test_no_fix_when_it_would_duplicate_or_guess() -> None:
    both = '<Response><Gather numdigits="1" numDigits="2" action="/a"/></Response>'
    (finding,) = lint_source(both)
    assert finding.rule == "unknown-attribute" and finding.fix is None
    unknown = '<Response><Gahter action="/a"/></Response>'
    (finding,) = lint_source(unknown)
    assert "did you mean 'Gather'" in finding.message and finding.fix is None


def test_nested_same_name_elements_rename_the_right_end_tag() -> None:
    text = "<Response><Dial><number>1<number>2</number></number></Dial></Response>"
    findings = lint_source(text)
    assert findings[0].fix is not None
    edits = findings[0].fix.edits
    assert [text[e.start : e.end] for e in edits] == ["number", "number"]
    assert [e.start for e in edits] == [17, text.rindex("</number>") + 2]


def test_status_callback_event_spaces_fix() -> None:
    text = (
        '<Response><Dial><Number statusCallback="/s" '
        'statusCallbackEvent="initiated  answered">+15550100</Number></Dial></Response>'
    )
    assert found(text)[0][:2] == ("status-callback-event-spaces", "RC202")
    assert 'statusCallbackEvent="initiated,answered"' in fixed(text)
    twilio = fixed(fixed(text), target="twilio")
    assert 'statusCallbackEvent="initiated answered"' in twilio


def test_flow_rules() -> None:
    text = (
        "<Response>"
        "<Say>Hi</Say>"
        '<Reject reason="busy"/>'
        '<Gather numDigits="1" action="/a"><Say>1</Say></Gather>'
        "<Gather><Say>2</Say></Gather>"
        "</Response>"
    )
    assert [f[0] for f in found(text)] == [
        "reject-not-first",
        "fall-through-only",
        "gather-without-action",
        "num-digits-carry-over",
    ]


def test_pause_before_reject_keeps_the_call_ringing() -> None:
    text = '<Response><Pause length="2"/><Reject/><Say>never</Say></Response>'
    assert [f[0] for f in found(text)] == ["unreachable-verb"]


def test_self_reference_resolves_relative_urls() -> None:
    text = '<Response><Gather action="menu.xml#x"/><Redirect>./menu.xml</Redirect></Response>'
    findings = lint_source(text, url="https://app.example.com/ivr/menu.xml")
    assert [(f.rule, f.column) for f in findings] == [
        ("self-reference", 19),
        ("fall-through-only", 40),
        ("self-reference", 40),
    ]
    assert lint_source(text, url="https://app.example.com/ivr/main.xml")[0].rule == (
        "fall-through-only"
    )


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("<!-- rcml-lint: disable=say-voice -->\n", ["unknown-attribute"]),
        ("<!-- rcml-lint: disable=13511,unknown-attribute -->\n", []),
        ("<!-- rcml-lint: disable -->\n", []),
        ("<!-- rcml-lint: disable-file=12200 -->\n", ["say-voice"]),
    ],
)
def test_file_directives(directive: str, expected: list[str]) -> None:
    text = directive + '<Response>\n<Say voice="x">a</Say>\n<Gather foo="1"/>\n</Response>'
    assert [f[0] for f in found(text, ignore=frozenset({"gather-without-action"}))] == expected


def test_line_directives() -> None:
    text = (
        "<Response>\n"
        '<Say voice="x">a</Say> <!-- rcml-lint: disable=say-voice -->\n'
        "<!-- rcml-lint: disable=say-voice -->\n"
        '<Say voice="y">b</Say>\n'
        '<Say voice="z">c</Say>\n'
        "</Response>"
    )
    assert found(text) == [("say-voice", "13511", 5, 6)]


def test_config_select_ignore_and_severity() -> None:
    text = '<Response><Say voice="x" loop="0">a</Say></Response>'
    assert [f[0] for f in found(text)] == ["say-voice", "loop-zero"]
    assert [f[0] for f in found(text, select=frozenset({"loop-zero"}))] == ["loop-zero"]
    assert [f[0] for f in found(text, ignore=frozenset({"loop-zero"}))] == ["say-voice"]
    (finding, _) = lint_source(text, config=LintConfig(severity={"say-voice": Severity.INFO}))
    assert finding.severity == Severity.INFO


@pytest.mark.parametrize(
    "config",
    [
        LintConfig(),
        LintConfig(target="twilio", ignore=frozenset({"loop-zero"})),
        LintConfig(
            select=frozenset({"say-voice", "bare-ampersand"}),
            severity={"bare-ampersand": Severity.ERROR, "say-voice": Severity.INFO},
        ),
    ],
    ids=["default", "twilio-ignore", "select-severity"],
)
def test_reported_is_adjust_for_every_rule(config: LintConfig) -> None:
    from rcml._lint import RULES, Finding

    for rule in RULES.values():
        for severity in Severity:
            finding = Finding(rule.id, rule.code, severity, "f.xml", 1, 1, "m")
            adjusted = config.adjust(finding, "f.xml")
            on, override = config.reported[rule.id]
            assert on == (adjusted is not None), rule.id
            if adjusted is not None:
                assert (override or severity) == adjusted.severity, rule.id


def test_portability_rules_only_for_twilio() -> None:
    text = (
        '<Response><Gather finishOnKey="#*" action="/a"/>'
        '<Email to="a" from="b">x</Email></Response>'
    )
    assert found(text, ignore=frozenset({"fall-through-only"})) == []
    ignore = frozenset({"fall-through-only"})
    assert [f[0] for f in found(text, target="twilio", ignore=ignore)] == [
        "finish-on-key-multiple",
        "not-in-twilio",
    ]


@pytest.mark.parametrize(
    ("prolog", "before"),
    [
        ("", ""),
        ("", "<!-- a comment -->"),
        ("", "<!-- <Say>commented out</Say> -->"),
        ("", "<![CDATA[ <Say> ]]>"),
        ("", "<?note a<b ?>"),
        ("", "<?note plain ?>"),
        ("<?top <x ?>", ""),
        ("<!-- <Say> -->", ""),
    ],
    ids=["plain", "comment", "comment-tag", "cdata", "pi-lt", "pi", "top-pi-lt", "top-comment"],
)
def test_positions_skip_what_only_looks_like_a_start_tag(prolog: str, before: str) -> None:
    # Each finding's element is found by its index among the start tags: a '<' in a
    # comment, CDATA section or processing instruction is not one.
    text = (
        '<?xml version="1.0"?>\n'
        f'{prolog}<Response>\n  <Say>Hi</Say>{before}<Say loop="0">a</Say>\n'
        f'  <Play>x.wav</Play>{before if "CDATA" not in before else ""}<Play loop="0">y</Play>\n'
        "</Response>\n"
    )
    found = [(f.rule, f.line, f.column) for f in lint_source(text)]
    at = text.splitlines()[2].index('<Say loop="0"') + 1
    assert ("loop-zero", 3, at + len("<Say ")) in found
    at = text.splitlines()[3].index('<Play loop="0"') + 1
    assert ("loop-zero", 4, at + len("<Play ")) in found
