"""The builder and the macros cover the schema exactly, and are what the generator writes.

Every element the XSD allows inside another has its method on that element's builder and
its macro, every attribute its keyword argument (the snake_case of its XML name), and
nothing more. The expected relations come from the XSD (rcml._schema.schema_model(), which
test_schema_drift.py checks against xmlschema).
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

import rcml
from rcml import _builder
from rcml._build import RULES, Builder, method_name
from rcml._schema import schema_model
from rcml.templates import environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import gen_builder  # noqa: E402

MODEL = schema_model()
CONTAINERS = [tag for tag, decl in MODEL.elements.items() if decl.children]


def _snake(xml: str) -> str:
    name = re.sub(r"(?<!^)([A-Z])", r"_\1", xml).lower()
    return name + "_" if name in ("from",) else name


def _builder_class(tag: str) -> type[Builder]:
    cls = getattr(_builder, gen_builder.builder_class(tag))
    assert issubclass(cls, Builder)
    return cls


def test_the_generated_files_are_current() -> None:
    committed = (ROOT / "rcml" / "_builder.py").read_text(encoding="utf-8")
    # Compared as syntax trees: the committed module is also run through ruff format.
    assert ast.dump(ast.parse(committed)) == ast.dump(ast.parse(gen_builder.builder_module()))
    verbs = (ROOT / "rcml" / "templates" / "_verbs.py").read_text(encoding="utf-8")
    assert ast.dump(ast.parse(verbs)) == ast.dump(ast.parse(gen_builder.verbs_module()))
    assert (ROOT / "rcml" / "templates" / "verbs.xml").read_text(
        encoding="utf-8"
    ) == gen_builder.macros(), "run python scripts/gen_builder.py"


@pytest.mark.parametrize("tag", CONTAINERS)
def test_each_builder_has_a_method_per_allowed_child_and_no_other(tag: str) -> None:
    cls = _builder_class(tag)
    base = set(dir(rcml.Response().__class__.__mro__[1]))
    methods = {n for n in dir(cls) if not n.startswith("_")} - base - set(dir(Builder))
    assert methods == {method_name(child) for child in MODEL.elements[tag].children}


def _parameters(tag: str) -> tuple[list[str], list[str], list[str]]:
    """(positional, keyword-only, required keyword-only) parameter names of a method."""
    parent = next(p for p in CONTAINERS if tag in MODEL.elements[p].children)
    sig = inspect.signature(getattr(_builder_class(parent), method_name(tag)))
    params = list(sig.parameters.values())[1:]
    kinds = inspect.Parameter
    assert params[-1].kind is kinds.VAR_KEYWORD
    positional = [p.name for p in params if p.kind is kinds.POSITIONAL_OR_KEYWORD]
    keywords = [p.name for p in params if p.kind is kinds.KEYWORD_ONLY]
    required = [p.name for p in params if p.kind is kinds.KEYWORD_ONLY and p.default is p.empty]
    return positional, keywords, required


@pytest.mark.parametrize("tag", sorted(set(MODEL.elements) - {MODEL.root}))
def test_each_method_takes_the_attributes_of_its_element(tag: str) -> None:
    decl = MODEL.elements[tag]
    positional, keywords, required = _parameters(tag)
    assert keywords == [_snake(a) for a in decl.attributes]
    assert required == [_snake(a) for a, d in decl.attributes.items() if d.required]
    # The text content, if the element has any, is the one positional argument.
    assert len(positional) == (decl.text is not None)


@pytest.mark.parametrize("tag", sorted(MODEL.elements))
def test_each_macro_takes_what_the_method_takes(tag: str) -> None:
    macros = environment().get_template("rcml/verbs.xml").module
    params = inspect.signature(getattr(macros, method_name(tag))).parameters.values()
    kinds = inspect.Parameter
    # Like the Jinja macros they replace: the method's arguments, all of them positional
    # or keyword; the rest refused by name (``**kwargs``, ``*varargs``); ``caller`` (the
    # {% call %} block) for the containers.
    arguments = [p.name for p in params if p.kind is kinds.POSITIONAL_OR_KEYWORD]
    expected = [] if tag == MODEL.root else [n for group in _parameters(tag)[:2] for n in group]
    assert arguments == expected
    keywords = [p.name for p in params if p.kind is kinds.KEYWORD_ONLY]
    assert keywords == (["caller"] if MODEL.elements[tag].children else [])


@pytest.mark.parametrize("tag", sorted(set(MODEL.elements) - {MODEL.root}))
def test_enumerations_are_typed_as_literals_of_the_schema_values(tag: str) -> None:
    parent = next(p for p in CONTAINERS if tag in MODEL.elements[p].children)
    hints = typing.get_type_hints(getattr(_builder_class(parent), method_name(tag)))
    for xml, decl in MODEL.elements[tag].attributes.items():
        enumeration = MODEL.types[decl.type].enumeration if decl.type in MODEL.types else ()
        if enumeration and decl.type != "Boolean":
            assert set(_literals(hints[_snake(xml)])) == set(enumeration), xml


def _literals(hint: Any) -> list[str]:
    if typing.get_origin(hint) is typing.Literal:
        return list(typing.get_args(hint))
    return [v for arg in typing.get_args(hint) for v in _literals(arg)]


def test_every_element_has_rules_from_the_schema() -> None:
    assert set(RULES) == set(MODEL.elements)
