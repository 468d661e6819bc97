"""dumps(): AST -> canonical RCML text.

Canonical means: an XML declaration, attributes in schema order, only the attributes
that were written, ``"`` quotes, and the minimal escaping that makes ``parse`` give back
exactly the same AST (``parse(dumps(doc)) == doc``).
"""

from __future__ import annotations

import re

from rcml import _ast
from rcml._exceptions import SerializeError
from rcml._spec import spec_of

__all__ = ["dumps"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Characters XML 1.0 cannot carry at all.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        # Attribute-value normalisation would turn these into spaces.
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def _check(value: str, node: _ast.Node, what: str) -> str:
    bad = _FORBIDDEN.search(value)
    if bad:
        raise SerializeError(
            f"{node.TAG} {what} holds the character U+{ord(bad.group()):04X}, "
            "which XML cannot carry"
        )
    return value


def dumps(document: _ast.Document | _ast.Node, *, pretty: bool = False) -> str:
    """Serialize a Document (or any node) to canonical RCML text.

    With ``pretty=True`` elements are indented by two spaces; text content is never
    touched, so the result parses to the same AST.
    """
    out: list[str] = [_DECLARATION, "\n" if pretty else ""]
    _write(document, out, 0 if pretty else -1)
    if pretty:
        out.append("\n")
    return "".join(out)


def _write(node: _ast.Node, out: list[str], depth: int) -> None:
    spec = spec_of(type(node))
    tag = spec.tag
    out.append("<" + tag)
    for attr in spec.attributes:
        value = getattr(node, attr.name)
        if value is not None:
            text = _check(attr.convert.dump(value), node, attr.xml)
            out.append(f' {attr.xml}="{text.translate(_ATTR_ESCAPES)}"')
    text = getattr(node, spec.text) if spec.text is not None else ""
    children = list(node.children())
    if not text and not children:
        out.append("/>")
        return
    out.append(">")
    if text:
        out.append(_check(text, node, "text").translate(_TEXT_ESCAPES))
    # Indentation would become part of the text of an element that has text.
    child_depth = depth + 1 if depth >= 0 and not text else -1
    for child in children:
        if child_depth >= 0:
            out.append("\n" + "  " * child_depth)
        _write(child, out, child_depth)
    if child_depth >= 0 and children:
        out.append("\n" + "  " * depth)
    out.append(f"</{tag}>")
