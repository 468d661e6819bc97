"""Every rule fires on its own failing example and not on its passing one.

The examples are the ones docs/lint-rules.md and ``rcml lint --explain`` show, so this
also proves the documentation right.
"""

from __future__ import annotations

import pytest

from rcml._lint import RULES, LintConfig, Rule, lint_source, resolve
from rcml._lint._rules import VALUE_RULES

# Rules whose documented example is a description, not a document: tested below.
DESCRIBED = {"unreadable-file", "document-too-large", "say-too-long", "gather-hints-limit"}
SERVED_AT = "https://app.example.com/menu.xml"


def _config(rule: Rule) -> LintConfig:
    return LintConfig(target=rule.target or "restcomm")


def _rules_in(text: str, rule: Rule) -> list[str]:
    url = SERVED_AT if rule.id == "self-reference" else None
    body = text.split("\n", 1)[1] if text.startswith("(served at") else text
    return [f.rule for f in lint_source(body, config=_config(rule), url=url)]


@pytest.mark.parametrize("rule", [r for r in RULES.values() if r.id not in DESCRIBED], ids=str)
def test_rule_fires_on_its_failing_example(rule: Rule) -> None:
    assert rule.id in _rules_in(rule.bad, rule)


@pytest.mark.parametrize("rule", [r for r in RULES.values() if r.id not in DESCRIBED], ids=str)
def test_rule_is_quiet_on_its_passing_example(rule: Rule) -> None:
    assert rule.id not in _rules_in(rule.good, rule)


def test_every_rule_is_documented() -> None:
    for rule in RULES.values():
        assert rule.summary and rule.why and rule.good, rule.id
        assert rule.bad or rule.id == "empty-document", rule.id
        assert rule.id == rule.id.lower() and " " not in rule.id


def test_codes_follow_the_scheme() -> None:
    for rule in RULES.values():
        assert (rule.code.isdigit() and 11000 <= int(rule.code) < 15000) or (
            rule.code.startswith("RC") and rule.code[2:].isdigit()
        ), rule


def test_twilio_codes_are_the_ones_the_issue_names() -> None:
    codes = {r.code for r in RULES.values()}
    named = {"12100", "12102", "12200", "11100", "11750", "13000", "13410", "13710", "13910"}
    named |= {str(c) for c in range(13210, 13217) if c != 13211}  # 13211 is ifMachine: no RCML
    named |= {str(c) for c in (13221, 13222, 13223, 13310, 13312, 13313, 13314, 13320, 13321)}
    named |= {"13322", "13510", "13511", "13520", "13521", "13610", "13611", "13612", "13613"}
    named |= {"13614", "13616", "14101", "14102", "14103", "14104", "14105"}
    named |= {str(c) for c in range(13230, 13236)} | {"13237"}
    assert named <= codes, sorted(named - codes)


def test_value_rules_cover_attributes_the_schema_types() -> None:
    from rcml._schema import schema_model

    model = schema_model()
    for (element, attribute, _), spec in VALUE_RULES.items():
        assert attribute in model.elements[element].attributes, spec


def test_resolve_accepts_ids_codes_prefixes_and_all() -> None:
    assert resolve(["gather-timeout"])[0] == {"gather-timeout"}
    assert resolve(["13313"])[0] == {"gather-timeout"}
    assert resolve(["12200"])[0] >= {"unknown-element", "unknown-attribute"}
    assert resolve(["RC1"])[0] == {r.id for r in RULES.values() if r.code.startswith("RC1")}
    assert resolve(["ALL"])[0] == set(RULES)
    assert resolve(["no-such-rule"]) == (set(), ["no-such-rule"])


def _findings(text: str, **config: object) -> list[tuple[str, str, int, int]]:
    return [
        (f.rule, f.code, f.line, f.column)
        for f in lint_source(text, config=LintConfig(**config))  # type: ignore[arg-type]
    ]


def test_document_too_large() -> None:
    text = "<Response><Say>" + "a" * 70_000 + "</Say></Response>"
    assert _findings(text) == [("document-too-large", "11750", 1, 1)]
    assert ("document-too-large", "11750", 1, 1) not in _findings(text, max_size=100_000)


def test_say_too_long() -> None:
    text = "<Response><Say>" + "word " * 1000 + "</Say></Response>"
    assert _findings(text) == [("say-too-long", "13521", 1, 11)]


def test_gather_hints_limits() -> None:
    many = ",".join(f"phrase {i}" for i in range(51))
    long = "x" * 101
    ok = ",".join(f"phrase {i}" for i in range(50))
    for hints in (many, long):
        doc = f'<Response><Gather action="/a" input="speech" hints="{hints}"/></Response>'
        assert _findings(doc) == [("gather-hints-limit", "RC203", 1, 46)]
    doc = f'<Response><Gather action="/a" input="speech" hints="{ok}"/></Response>'
    assert _findings(doc) == []
