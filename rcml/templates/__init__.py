"""RCML from Jinja templates, validated: the verb macros and the render functions.

A template imports the macros and writes the document with them (or as raw XML, or both)::

    {% import "rcml/verbs.xml" as v %}
    {% call v.response() %}
      {% call v.gather(action="/ivr/menu", num_digits=1) %}
        {{ v.say("For sales, press 1.", voice="woman") }}
      {% endcall %}
      {{ v.redirect("/ivr/main") }}
    {% endcall %}

Each macro (a Python function, rcml/templates/_verbs.py) checks its arguments as the builder
does (rcml._build) and writes its element exactly as ``rcml.dumps`` does, so a template and
the Python builder give the same bytes for the same content. :func:`render_template` and
:func:`render_string` then validate the result: a document the macros alone wrote is valid
by construction, as the builder's is; anything else is parsed against the schema. Whatever
is wrong raises :class:`rcml.RenderError` with the template's name and line.

Autoescaping is always on and undefined variables are errors (``StrictUndefined``).
"""

from __future__ import annotations

import os
import re
from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from types import FunctionType, SimpleNamespace, TracebackType
from typing import Any

import jinja2
import jinja2.runtime

from rcml._build import method_name
from rcml._exceptions import BuildError, DocumentError, RenderError, SchemaError, Violation
from rcml._parse import parse
from rcml._schema import load_validator
from rcml._source import DEFAULT_MAX_SIZE, decode
from rcml._xml import load as _load
from rcml.templates import _verbs
from rcml.templates._checks import DOCUMENTS, OPEN

__all__ = ["MACROS", "RCMLEnvironment", "environment", "render_string", "render_template"]

#: The name to import the verb macros by.
MACROS = "rcml/verbs.xml"

_HERE = Path(__file__).resolve().parent
_VERBS_FILE = str(_HERE / "verbs.xml")
# What verbs.xml exports, as ``_rcml``.
_RCML = SimpleNamespace(**{name: getattr(_verbs, name) for name in _verbs.__all__})
_VERBS = frozenset(vars(_RCML).values())


class _VerbsTemplate(jinja2.Template):
    """``rcml/verbs.xml``, which every template imports on every render."""

    def _get_default_module(self, ctx: jinja2.runtime.Context | None = None) -> Any:
        # Jinja makes a new module for each import from a template whose context has
        # globals the imported template lacks (Template._get_default_module). verbs.xml
        # reads none of the importer's variables, only the environment's ``_rcml``: the
        # module made once serves every import.
        return super()._get_default_module()


class _VerbsLoader(jinja2.BaseLoader):
    """Loads ``verbs.xml`` (under the ``rcml/`` prefix); a file of the package never changes."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template != "verbs.xml":
            raise jinja2.TemplateNotFound(template)
        source = Path(_VERBS_FILE).read_text(encoding="utf-8")
        return source, _VERBS_FILE, lambda: True  # up to date: no stat() per render

    def list_templates(self) -> list[str]:
        return ["verbs.xml"]

    def load(
        self,
        environment: jinja2.Environment,
        name: str,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        source, filename, uptodate = self.get_source(environment, name)
        code = environment.compile(source, name, filename)
        return _VerbsTemplate.from_code(
            environment, code, environment.make_globals(globals), uptodate
        )


class _Context(jinja2.runtime.Context):
    """A template context whose calls of the verbs skip Jinja's per-call inspection."""

    def call(self, obj: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        # Context.call looks for pass_context & co. on the callee before each call; the
        # verbs are plain functions that take none. Inside loops and blocks Jinja also
        # passes _loop_vars and _block_vars, which only such functions would want.
        if type(obj) is FunctionType and obj in _VERBS:
            if kwargs:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            return obj(*args, **kwargs)
        return super().call(obj, *args, **kwargs)


class RCMLEnvironment(jinja2.Environment):
    """A Jinja environment for RCML: the verb macros importable, output validated.

    Make one with :func:`environment`.
    """

    context_class = _Context

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
        loader=jinja2.ChoiceLoader([jinja2.PrefixLoader({"rcml": _VerbsLoader()}), user]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        # Block tags on lines of their own leave no blank lines or indentation behind.
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    env.globals["_rcml"] = _RCML
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
    documents: list[str] = []
    # A render of its own, even from inside another: no container open, no document yet.
    open_token, documents_token = OPEN.set(()), DOCUMENTS.set(documents)
    try:
        # What Template.render does, minus its traceback rewriting: the frames of the
        # template code are what tell us the line.
        output = "".join(template.root_render_func(_new_context(template, context)))
    except Exception as exc:
        # Whatever stopped the template (a value the verbs refused, an undefined name, an
        # exception in code it called) is reported at its line in the template.
        where, line = _template_line(exc.__traceback__, name)
        if isinstance(exc, jinja2.TemplateError):
            message = exc.message or type(exc).__name__
        elif isinstance(exc, BuildError):
            message = str(exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
        raise RenderError(message, template=where, line=line) from exc
    finally:
        DOCUMENTS.reset(documents_token)
        OPEN.reset(open_token)
    # XML allows nothing before its declaration; the template's own first lines may.
    output = output.lstrip(_XML_SPACE)
    if _valid(output, documents):
        return output
    try:
        parse(output)  # for the violations, their lines and what was expected
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
    return output  # pragma: no cover - parse() validates as _valid() does


_XML_SPACE = " \t\r\n"


def _new_context(template: jinja2.Template, context: Mapping[str, Any]) -> jinja2.runtime.Context:
    """``template.new_context(dict(context))``, with the globals flattened in C.

    The template's globals are a ChainMap over the environment's; Jinja copies them into
    each new context through ChainMap's Python methods, a KeyError caught per global.
    """
    layers = template.globals
    flat: dict[str, Any] = {}
    for layer in reversed(layers.maps) if isinstance(layers, ChainMap) else (layers,):
        flat.update(layer)
    environment = template.environment
    return environment.context_class(
        environment, {**flat, **context}, template.name, template.blocks, globals=flat
    )


def _valid(output: str, documents: list[str]) -> bool:
    """Whether ``rcml.parse(output)`` accepts the output, minus the AST it would build.

    Output that is a document response() wrote from the verbs alone is valid as what the
    builder writes is: every value, name and nesting was checked on the way (tests check
    that the schema accepts whatever the verbs accept). Anything else (raw XML, text or
    filters between the verbs) is parsed and validated against the XSD, as parse() does.
    """
    try:
        text, utf8 = decode(output, DEFAULT_MAX_SIZE)
        # XML allows whitespace after the root element.
        if documents and output.rstrip(_XML_SPACE) in documents:
            return True
        root = _load(text, utf8)
    except DocumentError:
        return False
    return load_validator().validate(root)


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
