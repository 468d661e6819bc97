"""docs/lint-rules.md, generated from the rule table so the two cannot drift.

Regenerate with::

    python -c "from rcml._lint._docs import rules_page; print(rules_page(), end='')" \
        > docs/lint-rules.md
"""

from __future__ import annotations

from rcml._lint._rules import RULES

__all__ = ["rules_page"]

_CATEGORIES = {
    "reading": "Reading files",
    "document": "Documents",
    "schema": "Schema",
    "value": "Values",
    "flow": "Call flow",
    "restcomm": "RestComm behaviour",
    "portability": 'Portability to Twilio (`target = "twilio"`)',
}


def rules_page() -> str:
    """The whole page, in Markdown."""
    out = [
        "# Lint rules",
        "",
        "Generated from `rcml/_lint/_rules.py`; `rcml lint --explain RULE` prints the same.",
        "Codes are Twilio's (and RestComm's) notification codes where one means the same",
        "thing; `RC0xx` reading, `RC1xx` call flow, `RC2xx` RestComm traps and `RC3xx`",
        "portability are ours. Select or ignore rules by id, code, or code prefix.",
        "",
        "| Code | Rule | Severity | Fix | What |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES.values():
        fix = "yes" if rule.fixable else ""
        out.append(
            f"| {rule.code} | [`{rule.id}`](#{rule.id}) | {rule.severity} | {fix} | "
            f"{rule.summary} |"
        )
    for category, title in _CATEGORIES.items():
        out += ["", f"## {title}"]
        for rule in RULES.values():
            if rule.category != category:
                continue
            flags = [rule.code, str(rule.severity)]
            if rule.fixable:
                flags.append("fixable")
            if rule.target:
                flags.append(f"target {rule.target} only")
            out += [
                "",
                f"### {rule.id}",
                "",
                f"*{', '.join(flags)}*. {rule.summary}",
                "",
                rule.why,
                "",
                "Fails:",
                "",
                "```xml",
                rule.bad or "<!-- an empty file -->",
                "```",
                "",
                "Passes:",
                "",
                "```xml",
                rule.good,
                "```",
            ]
    return "\n".join(out) + "\n"
