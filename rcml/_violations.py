"""Schema violations: libxml2's error log turned into positioned, explained data.

libxml2 gives a line (of the start tag's end), an element path and an English message,
but no column. The column and the list of what was expected come from our own scan of
the text and from the schema model.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable

from lxml import etree

from rcml._exceptions import Violation
from rcml._schema import SchemaModel, schema_model
from rcml._source import LineIndex, attribute_spans, element_offsets
from rcml._suggest import did_you_mean

__all__ = ["violations"]

_SUBJECT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: ")
_VALUE = re.compile(r"[Tt]he value '(.*?)' (?:is|has)|^'(.*?)' is not a valid value", re.S)
_MAX_ROUNDS = 20
_EXPECTED = re.compile(r"Expected is(?: one of)? \( ([^)]*) \)")


def violations(validator: etree.XMLSchema, root: etree._Element, text: str) -> list[Violation]:
    """Every violation in the document (``validator`` has just failed on ``root``).

    libxml2 stops checking the siblings that follow an element it did not expect. To
    report them too, the unexpected elements are removed from a copy and the copy is
    validated again, until no new violation appears.
    """
    model = schema_model()
    originals = list(root.iter(etree.Element))
    offsets = element_offsets(text)
    if len(offsets) != len(originals):  # pragma: no cover - scanner and lxml agree
        offsets = []
    lines = LineIndex(text)
    out: list[Violation] = []
    seen: set[tuple[int, str, str]] = set()
    work = root
    index = {el: i for i, el in enumerate(originals)}
    log = list(validator.error_log)
    for _ in range(_MAX_ROUNDS):
        pruned: list[etree._Element] = []
        for entry in log:
            match = _SUBJECT.match(entry.message)
            tag, attribute = (match.group(1), match.group(2) or "") if match else ("", "")
            detail = entry.message[match.end() :] if match else entry.message
            element = _find(work, entry.path)
            i = index.get(element, -1) if element is not None else -1
            key = (i if i >= 0 else entry.line, entry.path or "", attribute)
            if key in seen:  # a bad value is reported twice: facet, then type
                continue
            seen.add(key)
            line, column = entry.line, 0
            if i >= 0 and offsets:
                start = offsets[i]
                if attribute:
                    start = _attribute_offset(text, start, attribute)
                line, column = lines.position(start)
            original = originals[i] if i >= 0 else None
            make = functools.partial(Violation, line, column, _path(original, entry.path))
            violation = _explain(model, make, entry.type_name, tag, attribute, detail, original)
            out.append(violation)
            if (
                violation.kind in ("unknown-element", "misplaced-element")
                and element is not None
                and element.getparent() is not None
                and entry.type_name == "SCHEMAV_ELEMENT_CONTENT"
            ):
                pruned.append(element)
        if not pruned:
            break
        if work is root:  # copy once, keeping the map to the original elements
            work = copy.deepcopy(root)
            index = {el: i for i, el in enumerate(work.iter(etree.Element))}
            pruned = [_find(work, root.getroottree().getpath(el)) for el in pruned]  # type: ignore[misc]
        for element in pruned:
            parent = element.getparent() if element is not None else None
            if element is not None and parent is not None:
                parent.remove(element)
        if validator.validate(work):
            break
        log = list(validator.error_log)
    out.sort(key=lambda v: (v.line, v.column))
    return out


def _path(original: etree._Element | None, fallback: str | None) -> str:
    if original is None:
        return fallback or ""
    return str(original.getroottree().getpath(original))


def _find(root: etree._Element, path: str | None) -> etree._Element | None:
    if not path:
        return None
    try:
        found = root.getroottree().xpath(path)
    except etree.XPathError:  # pragma: no cover - libxml2 writes valid paths
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None


def _attribute_offset(text: str, start: int, name: str) -> int:
    found = attribute_spans(text, start).get(name)
    return found[0] if found else start


def _explain(
    model: SchemaModel,
    make: Callable[..., Violation],
    type_name: str,
    tag: str,
    attribute: str,
    detail: str,
    element: etree._Element | None,
) -> Violation:
    parent = element.getparent() if element is not None else None
    parent_tag = str(parent.tag) if parent is not None else ""
    decl = model.elements.get(tag)
    value_match = _VALUE.search(detail)
    value = next((g for g in value_match.groups() if g is not None), None) if value_match else None

    if type_name == "SCHEMAV_CVC_ELT_1":
        return make(
            message=f"the root element is {tag!r}; an RCML document starts with <Response>",
            expected=(model.root,),
            element=tag,
            kind="wrong-root",
        )
    if type_name == "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1" and decl is not None:
        allowed = tuple(decl.attributes)
        return make(
            message=f"{tag} has no attribute {attribute!r}{did_you_mean(attribute, allowed)}",
            expected=allowed,
            element=tag,
            attribute=attribute,
            kind="unknown-attribute",
        )
    if type_name == "SCHEMAV_CVC_COMPLEX_TYPE_4":
        missing = re.search(r"attribute '([^']+)' is required", detail)
        name = missing.group(1) if missing else attribute
        return make(
            message=f"{tag} needs the attribute {name!r}",
            expected=(name,),
            element=tag,
            attribute=name,
            kind="missing-attribute",
        )
    if type_name == "SCHEMAV_ELEMENT_CONTENT":
        expected = _EXPECTED.search(detail)
        names = tuple(n.strip() for n in expected.group(1).split(",")) if expected else ()
        if "Missing child element" in detail:
            return make(
                message=f"{tag} needs a {' or '.join(names) or 'child'} element",
                expected=names,
                element=tag,
                kind="missing-element",
            )
        parent_decl = model.elements.get(parent_tag)
        allowed = parent_decl.children if parent_decl is not None else names
        if tag in model.elements:
            message = f"{tag} is not allowed in {parent_tag}"
            if names and set(names) != set(allowed):
                message += f" here (expected {', '.join(names)})"
            return make(message=message, expected=allowed, element=tag, kind="misplaced-element")
        return make(
            message=f"unknown element {tag!r} in {parent_tag}{did_you_mean(tag, allowed)}",
            expected=allowed,
            element=tag,
            kind="unknown-element",
        )
    if type_name in ("SCHEMAV_CVC_COMPLEX_TYPE_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_2_3"):
        # 2.1 (empty content) covers child elements as well as text.
        kids = element if element is not None else ()
        child = next((c for c in kids if isinstance(c.tag, str)), None)
        if child is not None:
            return make(
                message=f"{tag} cannot contain elements, such as {etree.QName(child).localname}",
                element=tag,
                kind="misplaced-element",
            )
        return make(message=f"{tag} cannot contain text", element=tag, kind="text-not-allowed")
    if type_name == "SCHEMAV_CVC_COMPLEX_TYPE_2_2":
        kids = element if element is not None else ()
        child = next((c for c in kids if isinstance(c.tag, str)), None)
        child_tag = str(child.tag) if child is not None else "an element"
        return make(
            message=f"{tag} holds text only, not {child_tag}",
            element=tag,
            kind="misplaced-element",
            expected=(),
        )
    if value is not None and decl is not None:
        type_ref = (
            decl.attributes[attribute].type if attribute in decl.attributes else (decl.text or "")
        )
        described = model.describe(type_ref)
        simple = model.types.get(type_ref)
        expected_values = simple.enumeration if simple and simple.enumeration else (described,)
        subject = f"{tag} {attribute}" if attribute else f"{tag} text"
        return make(
            message=f"{subject} {value!r} is not valid: expected {described}",
            expected=expected_values,
            element=tag,
            attribute=attribute,
            value=value,
            kind="invalid-value",
        )
    return make(
        message=f"{tag}: {detail.rstrip('.')}" if tag else detail, element=tag, attribute=attribute
    )
