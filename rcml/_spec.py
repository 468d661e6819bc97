"""Per-class tables derived once from the AST dataclasses' field metadata.

The parser, the serializer and the drift test read these instead of walking
``dataclasses.fields`` on every node.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rcml import _ast
from rcml._suggest import did_you_mean
from rcml._values import Converter, converter

__all__ = ["ELEMENTS", "AttrSpec", "ChildSpec", "NodeSpec", "did_you_mean", "spec_of"]


@dataclass(frozen=True, slots=True)
class AttrSpec:
    name: str
    xml: str
    kind: str | type[enum.Enum]
    default: Any
    docs_default: Any
    has_docs: bool
    convert: Converter


@dataclass(frozen=True, slots=True)
class ChildSpec:
    name: str
    tags: tuple[str, ...]
    many: bool


@dataclass(frozen=True, slots=True)
class NodeSpec:
    cls: type[_ast.Node]
    tag: str
    #: Name of the field holding the element's text, or None.
    text: str | None
    attributes: tuple[AttrSpec, ...]
    by_xml: Mapping[str, AttrSpec]
    children: tuple[ChildSpec, ...]
    child_fields: tuple[str, ...]
    #: Child tag -> the ChildSpec that holds it.
    child_by_tag: Mapping[str, ChildSpec]
    #: Builds an instance from a complete dict of field values (start from a copy of
    #: ``defaults``) without the frozen dataclass __init__: the parser's hot path.
    make: Callable[[dict[str, Any]], _ast.Node]
    #: Every field with its default.
    defaults: Mapping[str, Any]


def _build(cls: type[_ast.Node]) -> NodeSpec:
    text: str | None = None
    attributes: list[AttrSpec] = []
    children: list[ChildSpec] = []
    for f in dataclasses.fields(cls):
        role = f.metadata.get("role")
        if role == "text":
            text = f.name
        elif role == "attr":
            meta = f.metadata
            attributes.append(
                AttrSpec(
                    name=f.name,
                    xml=meta["xml"],
                    kind=meta["kind"],
                    default=meta["default"],
                    docs_default=meta.get("docs"),
                    has_docs="docs" in meta,
                    convert=converter(meta["kind"]),
                )
            )
        elif role in ("children", "child"):
            children.append(ChildSpec(f.name, f.metadata["tags"], role == "children"))
    return NodeSpec(
        make=_maker(cls),
        defaults=_defaults(cls),
        cls=cls,
        tag=cls.TAG,
        text=text,
        attributes=tuple(attributes),
        by_xml={a.xml: a for a in attributes},
        children=tuple(children),
        child_fields=tuple(c.name for c in children),
        child_by_tag={tag: c for c in children for tag in c.tags},
    )


def _maker(cls: type[_ast.Node]) -> Callable[[dict[str, Any]], _ast.Node]:
    # A frozen dataclass __init__ calls object.__setattr__ once per field; installing a
    # complete instance dict in one step is five times faster. ``values`` must start as
    # a copy of ``defaults(cls)`` (see NodeSpec.defaults) and becomes the instance dict.
    new, set_dict = object.__new__, object.__setattr__

    def make(values: dict[str, Any]) -> _ast.Node:
        node: _ast.Node = new(cls)
        set_dict(node, "__dict__", values)
        return node

    return make


def _defaults(cls: type[_ast.Node]) -> dict[str, Any]:
    return {
        f.name: f.default if f.default is not dataclasses.MISSING else None
        for f in dataclasses.fields(cls)
    }


#: Every element of the rcml dialect, by tag.
ELEMENTS: Mapping[str, type[_ast.Node]] = {
    cls.TAG: cls
    for cls in (
        _ast.Document,
        _ast.Say,
        _ast.Play,
        _ast.Pause,
        _ast.Gather,
        _ast.Record,
        _ast.Dial,
        _ast.Number,
        _ast.Client,
        _ast.Sip,
        _ast.Uri,
        _ast.Conference,
        _ast.Video,
        _ast.Hangup,
        _ast.Reject,
        _ast.Redirect,
        _ast.Sms,
        _ast.Message,
        _ast.Email,
        _ast.Fax,
        _ast.Hold,
        _ast.Resume,
        _ast.Refer,
    )
}

_SPECS: dict[type[_ast.Node], NodeSpec] = {cls: _build(cls) for cls in ELEMENTS.values()}


def spec_of(cls: type[_ast.Node]) -> NodeSpec:
    """The NodeSpec of an AST class."""
    return _SPECS[cls]
