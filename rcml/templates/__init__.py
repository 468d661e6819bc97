"""RCML from Jinja templates, validated: the verb macros and the render functions.

A template imports the macros and writes the document with them (or as raw XML, or both)::

    {% import "rcml/verbs.xml" as v %}
    {% call v.response() %}
      {% call v.gather(action="/ivr/menu", num_digits=1) %}
        {{ v.say("For sales, press 1.", voice="woman") }}
      {% endcall %}
      {{ v.redirect("/ivr/main") }}
    {% endcall %}

Each macro checks its arguments as the builder does (rcml._build) and writes its element
exactly as ``rcml.dumps`` does, so a template and the Python builder give the same bytes for
the same content. :func:`render_template` and :func:`render_string` then parse the result
against the schema; whatever is wrong raises :class:`rcml.RenderError` with the template's
name and line.

Autoescaping is always on and undefined variables are errors (``StrictUndefined``).
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from markupsafe import Markup

from rcml._build import RULES, method_name
from rcml._exceptions import BuildError, DocumentError, RenderError, SchemaError, Violation
from rcml._parse import parse
from rcml._serialize import _TEXT_ESCAPES

__all__ = ["MACROS", "RCMLEnvironment", "environment", "render_string", "render_template"]

#: The name to import the verb macros by.
MACROS = "rcml/verbs.xml"

_HERE = Path(__file__).resolve().parent
_VERBS_FILE = str(_HERE / "verbs.xml")

# The containers being rendered, innermost last: (tag, tags of the children seen so far).
_open: contextvars.ContextVar[tuple[tuple[str, list[str]], ...]] = contextvars.ContextVar(
    "rcml_open_elements", default=()
)

# Whitespace between two tags of a container's body (or before the first, after the last):
# template indentation, which the canonical form does not have. Whitespace-only text reads
# back as "" anyway, so dropping it changes no document; a macro never writes any.
_BETWEEN = re.compile(r"(?:\A|(?<=>))[ \t\r\n]+(?=<|\Z)")


def _defined(value: Any) -> None:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()


class _Helpers:
    """What the macros call (as ``_rcml``): checks, escaping, and the nesting of containers."""

    def start(
        self, tag: str, kwargs: Mapping[str, Any], varargs: Sequence[Any], args: tuple[Any, ...]
    ) -> Markup:
        """The attributes of a start tag, checked; the element checked against its parent.

        One call per element, not one per attribute: a call from a template into Python
        goes through Jinja's Context.call, which costs more than the check itself.
        """
        rules = RULES[tag]
        if kwargs:
            rules.unknown(kwargs)
        if varargs:
            raise BuildError(
                f"{tag} {varargs[0]!r}: too many positional arguments; "
                f"attributes are keyword arguments",
                element=tag,
                value=varargs[0],
            )
        stack = _open.get()
        if stack:
            parent_tag, seen = stack[-1]
            parent = RULES[parent_tag]
            if parent.slot is None or tag not in parent.slot.tags:
                parent.refuse_child(tag)
            if seen and not parent.slot.many:
                raise BuildError(
                    f"{parent_tag} can hold only one {tag}", element=parent_tag, value=tag
                )
            seen.append(tag)
        try:
            return Markup(rules.attributes_xml(args))
        except BuildError:
            for value in args:  # an undefined variable is the real mistake
                _defined(value)
            raise

    def text(self, tag: str, value: Any) -> Markup:
        _defined(value)
        return Markup(RULES[tag].text_check(value).translate(_TEXT_ESCAPES))

    def body(self, tag: str, caller: Callable[[], str]) -> Markup:
        seen: list[str] = []
        token = _open.set((*_open.get(), (tag, seen)))
        try:
            content = str(caller())
        finally:
            _open.reset(token)
        content = _BETWEEN.sub("", content)
        if RULES[tag].required_child is not None and not seen and "<" not in content:
            RULES[tag].refuse_empty()
        return Markup(content)


class RCMLEnvironment(jinja2.Environment):
    """A Jinja environment for RCML: the verb macros importable, output validated.

    Make one with :func:`environment`.
    """

    def render_template(self, name: str | jinja2.Template, /, **context: Any) -> str:
        """Render the template ``name`` and return it once it is valid RCML.

        Raises :class:`rcml.RenderError` (with the template name and line) otherwise.
        """
        try:
            template = self.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"template not found: {exc.name}", template=str(name)) from exc
        return _render(template, context, None)

    def render_string(self, source: str, /, **context: Any) -> str:
        """Render a template given as text; as :meth:`render_template`."""
        try:
            template = self.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc
        return _render(template, context, source)


def environment(
    searchpath: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = "templates",
    *,
    loader: jinja2.BaseLoader | None = None,
    **options: Any,
) -> RCMLEnvironment:
    """A Jinja environment that finds your templates and ``rcml/verbs.xml``.

    Templates are looked up in ``searchpath`` (``templates/`` by default, as Flask does), or
    with ``loader``. ``options`` go to :class:`jinja2.Environment`, except ``autoescape``
    and ``undefined``, which are always on and strict.
    """
    fixed = {"autoescape", "undefined", "trim_blocks", "lstrip_blocks"} & options.keys()
    if fixed:
        raise TypeError(f"environment() sets {', '.join(sorted(fixed))} itself")
    user = loader if loader is not None else jinja2.FileSystemLoader(searchpath)
    env = RCMLEnvironment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PrefixLoader({"rcml": jinja2.FileSystemLoader(_HERE)}), user]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        # Block tags on lines of their own leave no blank lines or indentation behind.
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    env.globals["_rcml"] = _Helpers()
    return env


_default: RCMLEnvironment | None = None


def _default_environment() -> RCMLEnvironment:
    global _default
    if _default is None:
        _default = environment()
    return _default


def render_template(name: str, /, **context: Any) -> str:
    """Render ``templates/<name>`` (relative to the working directory) and validate it.

    For other directories, make an environment: ``environment("path").render_template(...)``.
    """
    return _default_environment().render_template(name, **context)


def render_string(source: str, /, **context: Any) -> str:
    """Render a template given as text and validate it."""
    return _default_environment().render_string(source, **context)


# ---------------------------------------------------------------------------- rendering


def _render(template: jinja2.Template, context: Mapping[str, Any], source: str | None) -> str:
    name = template.name or "<string>"
    try:
        # What Template.render does, minus its traceback rewriting: the frames of the
        # template code are what tell us the line.
        output = "".join(template.root_render_func(template.new_context(dict(context))))
    except Exception as exc:
        # Whatever stopped the template (a value the macros refused, an undefined name, an
        # exception in code it called) is reported at its line in the template.
        where, line = _template_line(exc.__traceback__, name)
        if isinstance(exc, jinja2.TemplateError):
            message = exc.message or type(exc).__name__
        elif isinstance(exc, BuildError):
            message = str(exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
        raise RenderError(message, template=where, line=line) from exc
    # XML allows nothing before its declaration; the template's own first lines may.
    output = output.lstrip(" \t\r\n")
    try:
        parse(output)
    except SchemaError as exc:
        first = exc.violations[0]
        raise RenderError(
            _located(first.message, first.line, first.column, len(exc.violations)),
            template=name,
            line=_source_line(source or _source_of(template), output, first),
            violations=exc.violations,
            output=output,
        ) from exc
    except DocumentError as exc:
        raise RenderError(
            _located(exc.message, exc.line, exc.column, 1), template=name, output=output
        ) from exc
    return output


def _located(message: str, line: int, column: int, count: int) -> str:
    more = f"; and {count - 1} more" if count > 1 else ""
    return f"{message} (rendered line {line}, column {column}{more})"


def _template_line(tb: TracebackType | None, fallback: str) -> tuple[str, int]:
    """The innermost frame of the user's templates (not of the macros): name and line."""
    found = (fallback, 0)
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if isinstance(template, jinja2.Template) and template.filename != _VERBS_FILE:
            line = template.get_corresponding_lineno(tb.tb_lineno)
            found = (template.name or fallback, line)
        tb = tb.tb_next
    return found


def _source_line(source: str | None, output: str, violation: Violation) -> int:
    """Best guess at the template line that wrote the element a violation is about.

    Values and nesting that go through the macros are checked while rendering, with exact
    lines; what reaches here was mostly written as raw XML. The guess: the n-th line of the
    template source that writes this element (raw ``<Tag`` or a macro call ``.tag(``), where
    n counts the element's occurrences in the output up to the violation.
    """
    tag = violation.element
    if source is None or not tag:
        return 0
    writes = re.compile(rf"<{re.escape(tag)}\b|\.{re.escape(method_name(tag))}\(")
    lines = [i for i, text in enumerate(source.splitlines(), 1) if writes.search(text)]
    if not lines:
        return 0
    offset = sum(len(t) + 1 for t in output.split("\n")[: violation.line - 1])
    offset += violation.column
    nth = len(re.findall(rf"<{re.escape(tag)}\b", output[:offset])) or 1
    return lines[min(nth, len(lines)) - 1]


def _source_of(template: jinja2.Template) -> str | None:
    loader = template.environment.loader
    if template.name is None or loader is None:
        return None
    try:
        return loader.get_source(template.environment, template.name)[0]
    except jinja2.TemplateNotFound:  # pragma: no cover - it was just loaded
        return None


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> RenderError:
    return RenderError(
        exc.message or "syntax error", template=exc.name or "<string>", line=exc.lineno
    )
