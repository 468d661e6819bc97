"""Exceptions raised by rcml.

The hierarchy::

    RCMLError                    every error this package raises
    ├── DocumentError            the document cannot be turned into an AST
    │   ├── MalformedDocumentError   not well-formed XML, bad encoding, DTD, empty
    │   ├── DocumentTooLargeError    over the size limit
    │   └── SchemaError              well-formed but invalid; carries .violations
    ├── SerializeError (ValueError)  an AST that XML cannot carry (NUL, ...)
    ├── BuildError (ValueError, TypeError)  the builder refused a value, a name or a nesting
    ├── RenderError (ValueError)     a template rendered something that is not valid RCML
    └── DialectError (LookupError)   no such dialect

Errors carry the line and column (1-based) where they are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BuildError",
    "DialectError",
    "DocumentError",
    "DocumentTooLargeError",
    "MalformedDocumentError",
    "RCMLError",
    "RenderError",
    "SchemaError",
    "SerializeError",
    "Violation",
]


class RCMLError(Exception):
    """Root of every exception raised by rcml."""


class DocumentError(RCMLError):
    """A document could not be parsed into an AST.

    ``line`` and ``column`` are 1-based; 0 means unknown.
    """

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(f"{where}{message}")


class MalformedDocumentError(DocumentError):
    """The input is not a well-formed XML document (or is refused, like a DTD)."""


class DocumentTooLargeError(DocumentError):
    """The input is larger than the configured limit (hosted platforms use 64 KiB)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"document is {size} bytes, over the limit of {limit} bytes")


@dataclass(frozen=True, slots=True)
class Violation:
    """One way in which a document breaks the schema."""

    #: 1-based line; 0 if unknown.
    line: int
    #: 1-based column of the element or attribute; 0 if unknown.
    column: int
    #: Path of the element, such as ``/Response/Gather[2]/Say``.
    path: str
    #: A readable sentence.
    message: str
    #: What would have been valid here: element or attribute names, enumeration values,
    #: or a description of the type. Empty when nothing more specific can be said.
    expected: tuple[str, ...] = ()
    #: The element the violation is about.
    element: str = ""
    #: The attribute the violation is about, if any.
    attribute: str = ""
    #: The offending value, if any.
    value: str | None = None
    #: What kind of violation: ``unknown-element``, ``unknown-attribute``,
    #: ``missing-attribute``, ``invalid-value``, ``missing-element``, ``text-not-allowed``,
    #: ``wrong-root`` or ``other``.
    kind: str = "other"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class SchemaError(DocumentError):
    """The document is well-formed XML but breaks the schema.

    ``violations`` lists every problem found, in document order.
    """

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        first = self.violations[0]
        more = len(self.violations) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(first.message + suffix, line=first.line, column=first.column)


class SerializeError(RCMLError, ValueError):
    """An AST holds something XML cannot carry."""


class BuildError(RCMLError, ValueError, TypeError):
    """The builder (or a template macro) refused something the schema does not allow.

    A ``ValueError`` for a value out of range or not in an enumeration, and a ``TypeError``
    for a wrong type, an unknown attribute or a child the element cannot hold: callers
    catch whichever they think of.
    """

    def __init__(
        self,
        message: str,
        *,
        element: str = "",
        attribute: str = "",
        value: object = None,
        allowed: str = "",
    ) -> None:
        #: The element being built, such as ``Gather``.
        self.element = element
        #: The attribute, as its Python keyword (``num_digits``), or ``""``.
        self.attribute = attribute
        #: The refused value.
        self.value = value
        #: What would have been accepted, in words.
        self.allowed = allowed
        super().__init__(message)


class RenderError(RCMLError, ValueError):
    """A template rendered something that is not valid RCML, or could not render.

    ``template`` and ``line`` say where in the template (``line`` is 0 when unknown);
    ``violations`` lists the schema violations of the rendered output, if that is what failed.
    """

    def __init__(
        self,
        message: str,
        *,
        template: str,
        line: int = 0,
        violations: Sequence[Violation] = (),
        output: str | None = None,
    ) -> None:
        self.message = message
        self.template = template
        self.line = line
        self.violations = tuple(violations)
        #: The rendered text, when rendering got that far.
        self.output = output
        where = f"{template}:{line}" if line else template
        super().__init__(f"{where}: {message}")


class DialectError(RCMLError, LookupError):
    """No dialect of that name."""
