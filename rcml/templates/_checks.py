"""What the verb functions (rcml.templates._verbs) use: checks, escaping, nesting.

The verbs are Python functions, not Jinja macros: a call from a template into a Jinja macro
binds its arguments in Python (``Macro.__call__``) and then runs the macro's own template
code; a Python function binds them in C. Each verb checks its arguments with the builder's
checks (rcml._build.Rules) and returns its element as ``rcml.dumps`` writes it.

Each verb also tells its container what it wrote, and whether that is known valid: a leaf
always is (its values and its place were checked), a container when its ``{% call %}``
block wrote nothing but what the verbs called in it returned, each known valid, and it
holds what it must. A document response() wrote that way is valid as whatever the builder
writes is, and rendering does not parse it again (rcml.templates._valid).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import jinja2
from markupsafe import Markup

from rcml._build import RULES
from rcml._exceptions import BuildError
from rcml._serialize import _ATTR_ESCAPES, _TEXT_ESCAPES

__all__ = [
    "DOCUMENTS",
    "OPEN",
    "Element",
    "body",
    "document",
    "enter",
    "markup",
    "missing",
    "refuse",
    "undefined",
]

# Templates repeat a few values on every render ("POST", 5, True, the prompts): a value
# written once is looked up, not checked and escaped again. Only values of the exact types
# str, int and bool are kept, whose checks are pure; by value and type (1 == True, but a
# bool attribute refuses 1). At most _MEMO_SIZE values per attribute, each not too long.
_MEMO_SIZE = 256
_MEMO_LENGTH = 512


def _memoized(write: Callable[[Any], str]) -> Callable[[Any], str]:
    memo: dict[object, tuple[type, str]] = {}

    def cached(value: Any) -> str:
        kind = type(value)
        if kind is str or kind is int or kind is bool:
            hit = memo.get(value)
            if hit is not None and hit[0] is kind:
                return hit[1]
            written = write(value)
            if len(memo) < _MEMO_SIZE and (kind is not str or len(value) <= _MEMO_LENGTH):
                memo[value] = (kind, written)
            return written
        return write(value)

    return cached


# str.translate itself, not the value's own method: a str subclass (Markup is one) may
# override it, and what is written must be what was checked, escaped.
_translate = str.translate


def _attribute(head: str, check: Callable[[Any], Any], dump: Callable[[Any], str] | None) -> Any:
    def write(value: Any) -> str:
        checked = check(value)
        return head + _translate(checked if dump is None else dump(checked), _ATTR_ESCAPES) + '"'

    return _memoized(write)


def _text(check: Callable[[Any], str]) -> Callable[[Any], str]:
    def write(value: Any) -> str:
        return _translate(check(value), _TEXT_ESCAPES)

    return _memoized(write)


class Element:
    """An element's builder rules as the verbs use them."""

    __slots__ = ("children", "many", "rules", "tag", "text", "writers")

    def __init__(self, tag: str) -> None:
        rules = self.rules = RULES[tag]
        self.tag = tag
        #: Per attribute: a function that checks its value and writes ``name="value"``.
        self.writers: Mapping[str, Callable[[Any], str]] = {
            name: _attribute(head, check, dump)
            for (name, head, dump), check in zip(rules.writers, rules.checks, strict=True)
        }
        #: A function that checks the text and escapes it.
        self.text = _text(rules.text_check)
        #: The tags allowed inside, and whether more than one.
        self.children = frozenset(rules.slot.tags if rules.slot is not None else ())
        self.many = rules.slot is not None and rules.slot.many

    def required(self, values: Mapping[str, Any]) -> None:
        """Refuse a required attribute left out (``None``)."""
        self.rules.check_required(values)


# The containers being rendered, innermost last: (element, what each child verb called in
# its ``{% call %}`` block returned so far, ``None`` for one that is not known valid).
Open = tuple[tuple[Element, list[str | None]], ...]
OPEN: contextvars.ContextVar[Open] = contextvars.ContextVar("rcml_open_elements", default=())

#: The whole documents that response() wrote during the current render, from verbs alone.
DOCUMENTS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "rcml_documents", default=None
)

#: ``markup(Markup, text)``: a Markup without Markup.__new__'s checks (text is a str).
markup: Callable[[type[Markup], str], Markup] = str.__new__


def refuse(element: Element, kwargs: Mapping[str, Any], varargs: Sequence[Any]) -> NoReturn:
    """Refuse keyword arguments that are no attributes, or positional arguments too many."""
    if kwargs:
        element.rules.unknown(kwargs)
    raise BuildError(
        f"{element.tag} {varargs[0]!r}: too many positional arguments; "
        f"attributes are keyword arguments",
        element=element.tag,
        value=varargs[0],
    )


def enter(open_: tuple[Element, list[str | None]], tag: str) -> None:
    """Check an element against the container it is written in."""
    parent, children = open_
    if tag not in parent.children:
        parent.rules.refuse_child(tag)
    if children and not parent.many:
        raise BuildError(f"{parent.tag} can hold only one {tag}", element=parent.tag, value=tag)


def document(written: str, known: bool) -> None:
    """Record what response() wrote, if it is known valid: written by verbs alone."""
    if known:
        documents = DOCUMENTS.get()
        if documents is not None:
            documents.append(written)


def undefined(*values: Any) -> None:
    """Raise for the first undefined value: when a check fails, that is the real mistake."""
    for value in values:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()


def missing(name: str) -> jinja2.StrictUndefined:
    """The default of a required argument: using it says it was not given, as Jinja does."""
    return jinja2.StrictUndefined(hint=f"parameter {name!r} was not provided", name=name)


# Whitespace between two tags of a container's body (or before the first, after the last):
# template indentation, which the canonical form does not have. Whitespace-only text reads
# back as "" anyway, so dropping it changes no document; a verb never writes any. The
# pattern starts with a literal '>', which the regex engine scans for quickly; the two ends
# of the body are handled in :func:`_between`.
_GAP = re.compile(r">[ \t\r\n]+<")
_WHITESPACE = " \t\r\n"


def _between(content: str) -> str:
    """``content`` without whitespace between tags, before the first or after the last."""
    content = _GAP.sub("><", content)
    stripped = content.lstrip(_WHITESPACE)
    if len(stripped) < len(content) and (not stripped or stripped[0] == "<"):
        content = stripped
    stripped = content.rstrip(_WHITESPACE)
    if len(stripped) < len(content) and (not stripped or stripped[-1] == ">"):
        content = stripped
    return content


def body(element: Element, caller: Any) -> tuple[str, bool]:
    """What the ``{% call %}`` block writes, its children checked against the element.

    And whether the block wrote nothing but what the verbs it called returned (template
    whitespace aside): then the element is known valid, as what the builder writes is.
    """
    rules = element.rules
    if caller is None or isinstance(caller, jinja2.Undefined):
        # No call block (Jinja's ``caller is defined``): an element that needs a child
        # is left to the schema, which refuses it.
        return "", rules.required_child is None
    children: list[str | None] = []
    token = OPEN.set((*OPEN.get(), (element, children)))
    try:
        content = _between(str(caller()))
    finally:
        OPEN.reset(token)
    if rules.required_child is not None and not children and "<" not in content:
        rules.refuse_empty()
    return content, None not in children and content == "".join(filter(None, children))
