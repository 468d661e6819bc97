"""The XSD: where it lives, the compiled validator, and a small model read from it.

The model (attributes, children, types of each element) is read from the XSD with lxml,
in about a millisecond, so that error messages can say what was expected without
loading xmlschema. The drift test checks this model against xmlschema's own reading.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from lxml import etree

__all__ = ["SchemaModel", "load_validator", "schema_bytes", "schema_model", "schema_path"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
_A = "{urn:rcml:annotations}"


def schema_path(dialect: str = "rcml") -> Path:
    """Path of a dialect's XSD: inside the installed package, or the checkout's ``schemas/``."""
    # The wheel installs the XSDs as plain files beside the modules (rcml/schemas/); a
    # path from __file__ spares every command the import of importlib.resources.
    here = Path(__file__).parent
    shipped = here / "schemas" / f"{dialect}.xsd"
    if shipped.is_file():
        return shipped
    return here.resolve().parent / "schemas" / f"{dialect}.xsd"


@functools.cache
def schema_bytes(dialect: str = "rcml") -> bytes:
    return schema_path(dialect).read_bytes()


def _xsd_tree(dialect: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(schema_bytes(dialect), parser)


_local = threading.local()


def load_validator(dialect: str = "rcml") -> etree.XMLSchema:
    """The compiled schema, one per thread: an XMLSchema keeps its error log on itself."""
    cache: dict[str, etree.XMLSchema] | None = getattr(_local, "validators", None)
    if cache is None:
        cache = _local.validators = {}
    validator = cache.get(dialect)
    if validator is None:
        validator = cache[dialect] = etree.XMLSchema(_xsd_tree(dialect))
    return validator


# ---------------------------------------------------------------------------- the model

# Named tuples rather than dataclasses: immutable records all the same, and making one
# class costs a fraction of a frozen dataclass's (it counts: every command that reads
# the schema imports this module).


class SimpleType(NamedTuple):
    """A simple type of the XSD: a restriction of a built-in type."""

    name: str
    base: str
    enumeration: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        """What a valid value looks like, in words."""
        if self.enumeration:
            return "one of " + ", ".join(repr(v) for v in self.enumeration)
        if self.minimum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        return _DESCRIPTIONS.get(self.name, f"a value of type {self.name}")


_DESCRIPTIONS = {
    "Url": "a URL with no spaces",
    "Keys": "up to 12 keys from 0-9 * #",
    "StartKeys": "1 to 12 keys from 0-9 * #",
    "RecordKeys": "up to 12 keys from 0-9 * #, or -1",
    "DtmfString": "digits from 0-9 * # and w (wait)",
    "CallEvents": "a comma-separated list of initiated, ringing, answered, completed",
    "LanguageTag": "a language key such as 'en' or 'en-US'",
}


class AttributeDecl(NamedTuple):
    """An attribute as the XSD declares it."""

    name: str
    type: str
    default: str | None
    required: bool
    docs_default: str | None
    has_docs_default: bool
    status: str | None


class ElementDecl(NamedTuple):
    """An element (a complex type) as the XSD declares it."""

    name: str
    attributes: Mapping[str, AttributeDecl]
    #: Child element names allowed, in schema order.
    children: tuple[str, ...]
    #: Child element names that must be present.
    required_children: tuple[str, ...]
    #: The simple type of the text for simpleContent, "mixed" for mixed content,
    #: None when no text is allowed.
    text: str | None
    status: str | None


class SchemaModel(NamedTuple):
    """What the XSD declares: the root, the elements and the simple types."""

    root: str
    elements: Mapping[str, ElementDecl]
    types: Mapping[str, SimpleType]

    def describe(self, type_name: str) -> str:
        simple = self.types.get(type_name.removeprefix("xs:"))
        if simple is None:
            return "text" if type_name.startswith("xs:") else f"a {type_name}"
        return simple.describe()


def _annotations(node: etree._Element, tag: str) -> Iterator[etree._Element]:
    """The ``tag`` elements in ``node``'s xs:annotation/xs:appinfo, in document order:
    what ``node.find("xs:annotation/xs:appinfo/tag")`` looks through, without the
    path machinery, which cost more than the rest of the model together."""
    for annotation in node.iterchildren(f"{_XS}annotation"):
        for appinfo in annotation.iterchildren(f"{_XS}appinfo"):
            yield from appinfo.iterchildren(tag)


def _status(node: etree._Element) -> str | None:
    found = next(_annotations(node, f"{_A}status"), None)
    return found.text if found is not None else None


def _attribute(node: etree._Element) -> AttributeDecl:
    docs = next((d for d in _annotations(node, f"{_A}default") if d.get("profile") == "docs"), None)
    return AttributeDecl(
        name=node.get("name", ""),
        type=node.get("type", ""),
        default=node.get("default"),
        required=node.get("use") == "required",
        docs_default=docs.text if docs is not None else None,
        has_docs_default=docs is not None and docs.text is not None,
        status=_status(node),
    )


@functools.cache
def schema_model(dialect: str = "rcml") -> SchemaModel:
    """Elements, attributes and simple types as the dialect's XSD declares them."""
    root = _xsd_tree(dialect)
    groups = {g.get("name"): g for g in root.iterfind(f"{_XS}group")}
    attr_groups = {g.get("name"): g for g in root.iterfind(f"{_XS}attributeGroup")}

    def attributes(node: etree._Element) -> dict[str, AttributeDecl]:
        out: dict[str, AttributeDecl] = {}
        for child in node:
            if child.tag == f"{_XS}attribute":
                decl = _attribute(child)
                out[decl.name] = decl
            elif child.tag == f"{_XS}attributeGroup":
                out.update(attributes(attr_groups[child.get("ref")]))
        return out

    def particles(node: etree._Element) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for child in node:
            if child.tag == f"{_XS}element":
                out.append((child.get("name", ""), child.get("minOccurs", "1") != "0"))
            elif child.tag == f"{_XS}group":
                out.extend((name, False) for name, _ in particles(groups[child.get("ref")]))
            elif child.tag in (f"{_XS}choice", f"{_XS}sequence"):
                optional = child.get("minOccurs") == "0" or child.tag == f"{_XS}choice"
                out.extend((n, req and not optional) for n, req in particles(child))
        return out

    elements: dict[str, ElementDecl] = {}
    for ctype in root.iterfind(f"{_XS}complexType"):
        name = ctype.get("name", "")
        simple = ctype.find(f"{_XS}simpleContent/{_XS}extension")
        if simple is not None:
            attrs, kids, text = attributes(simple), [], simple.get("base")
        else:
            attrs, kids = attributes(ctype), particles(ctype)
            text = "mixed" if ctype.get("mixed") == "true" else None
        elements[name] = ElementDecl(
            name=name,
            attributes=attrs,
            children=tuple(dict.fromkeys(n for n, _ in kids)),
            required_children=tuple(n for n, req in kids if req),
            text=text,
            status=_status(ctype),
        )

    types: dict[str, SimpleType] = {}
    for stype in root.iterfind(f"{_XS}simpleType"):
        restriction = stype.find(f"{_XS}restriction")
        if restriction is None:  # pragma: no cover - the schema only restricts
            continue

        def facet(name: str, r: etree._Element = restriction) -> str | None:
            found = r.find(f"{_XS}{name}")
            return found.get("value") if found is not None else None

        minimum, maximum = facet("minInclusive"), facet("maxInclusive")
        types[stype.get("name", "")] = SimpleType(
            name=stype.get("name", ""),
            base=restriction.get("base", ""),
            enumeration=tuple(
                e.get("value", "") for e in restriction.iterfind(f"{_XS}enumeration")
            ),
            pattern=facet("pattern"),
            minimum=int(minimum) if minimum is not None else None,
            maximum=int(maximum) if maximum is not None else None,
        )
    top = root.find(f"{_XS}element")
    return SchemaModel(
        root=top.get("name", "") if top is not None else "",
        elements=elements,
        types=types,
    )
