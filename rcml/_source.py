"""Turning input into text, and finding where each element starts.

libxml2 reports a line for elements (the line where the start tag *ends*) and no column
at all, so positions are computed here, from the text, with one regular-expression pass.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from rcml._exceptions import DocumentTooLargeError, MalformedDocumentError

if TYPE_CHECKING:
    from rcml._ast import SourcePos

__all__ = [
    "BARE_AMPERSAND",
    "DEFAULT_MAX_SIZE",
    "JAVA_TRIM",
    "XML_SPACE",
    "LineIndex",
    "Locator",
    "decode",
    "element_offsets",
    "positions",
    "refuse_doctype",
    "repaired_ampersands",
]

#: XML's whitespace (not Python's str.isspace(), which also matches U+00A0 and others).
XML_SPACE = " \t\r\n"
#: What Java's String.trim() removes: every character up to U+0020. RestComm trims so.
JAVA_TRIM = "".join(map(chr, range(0x21)))

#: Hosted platforms refuse RCML/TwiML bodies over 64 KiB (Twilio 11750).
DEFAULT_MAX_SIZE = 64 * 1024

# Searched for within the XML declaration, that is up to its first '>'.
_DECLARED = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# The declarations most documents begin with, which need no search.
_UTF8_DECLARATIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="utf-8"?>',
)
_BYTES_LIKE = (bytes, bytearray, memoryview)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Start tags, skipping anything that may contain a '<' that is not one.
_START = re.compile(r"<[^/?]")
_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<([^\s/>!?][^\s/>]*)", re.S)


def decode(source: str | bytes, max_size: int) -> tuple[str, bytes | None]:
    """Check the size and return the document as text, plus its UTF-8 bytes when the
    input already was UTF-8 bytes (so lxml can take them without re-encoding).

    Bytes are decoded by BOM, then by the XML declaration, then as UTF-8.
    """
    if isinstance(source, str):
        # Each character takes at least one byte: only long text needs measuring.
        if len(source) * 4 > max_size:
            size = len(source.encode("utf-8", "surrogatepass"))
            if size > max_size:
                raise DocumentTooLargeError(size, max_size)
        return source, None
    if not isinstance(source, _BYTES_LIKE):
        raise TypeError(f"expected str or bytes, not {type(source).__name__}")
    data = bytes(source)
    if len(data) > max_size:
        raise DocumentTooLargeError(len(data), max_size)
    encoding = "utf-8"
    if data[:1] != b"<":  # a BOM, whitespace, or garbage
        for bom, name in _BOMS:
            if data.startswith(bom):
                encoding = name
                break
    elif data.startswith(b"<?xml") and not data.startswith(_UTF8_DECLARATIONS):
        end = data.find(b">")
        declared = _DECLARED.search(data, 5, end if end >= 0 else len(data))
        if declared:
            encoding = declared.group(1).decode("ascii").lower().replace("_", "-")
    try:
        if encoding in ("utf-8", "utf8"):
            return data.decode(), data
        return data.decode(encoding), None
    except LookupError:
        raise MalformedDocumentError(
            f"unknown encoding {encoding!r} in the XML declaration", line=1, column=1
        ) from None
    except UnicodeDecodeError as exc:
        line, column = LineIndex(data[: exc.start].decode(encoding, "replace")).end()
        raise MalformedDocumentError(
            f"the bytes are not valid {encoding} (byte 0x{data[exc.start]:02x})",
            line=line,
            column=column,
        ) from None


# A whole start tag ('>' may appear inside quoted values): name, then its attributes.
START_TAG = re.compile(r"""<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>""")
_ATTRIBUTE = re.compile(r"""\s([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")


def attribute_spans(text: str, tag_offset: int) -> dict[str, tuple[int, int, int]]:
    """Attributes of the start tag at ``tag_offset``: name -> (name start, value start,
    value end), as offsets in ``text``."""
    tag = START_TAG.match(text, tag_offset)
    if tag is None:
        return {}
    return {
        m.group(1): (m.start(1), m.start(2) + 1, m.end(2) - 1)
        for m in _ATTRIBUTE.finditer(text, tag.start(2), tag.end(2))
    }


#: A bare '&' as RestComm repairs it before parsing (Parser.java), applied as is: it
#: fixes only the first bare '&' of a run without ';', exactly as RestComm does.
BARE_AMPERSAND = re.compile(r"&([^;]+(?!(?:\w|;)))")


def repaired_ampersands(text: str) -> list[int]:
    """Offsets in ``text`` of each '&' that RestComm escapes before it parses ``text``
    (which it first trims, as Java's String.trim() does)."""
    stripped = text.strip(JAVA_TRIM)
    lead = len(text) - len(text.lstrip(JAVA_TRIM))
    return [m.start() + lead for m in BARE_AMPERSAND.finditer(stripped)]


def refuse_doctype(text: str) -> None:
    """DTDs bring entity expansion and external fetches: RCML needs neither."""
    at = text.find("<!DOCTYPE")
    if at >= 0:
        line, column = LineIndex(text).position(at)
        raise MalformedDocumentError(
            "DOCTYPE declarations are not allowed in RCML", line=line, column=column
        )


def element_offsets(text: str) -> list[int]:
    """Offsets of every start tag, in document order (the order lxml iterates)."""
    return [m.start() for m in _MARKUP.finditer(text) if m.group(1)]


def positions(text: str) -> list[SourcePos]:
    """(line, column) of every start tag, in document order: one pass, one list."""
    # Imported here: the linter reads and checks valid documents without the AST classes.
    from rcml._ast import SourcePos

    # Without comments, CDATA or processing instructions (past the declaration) every
    # '<' not followed by '/' starts an element: a simpler pattern, no group to test.
    plain = "<!" not in text and text.find("<?", 1) < 0
    out: list[SourcePos] = []
    append, count, rfind, new = out.append, text.count, text.rfind, tuple.__new__
    line, line_start, previous = 1, 0, 0
    for match in (_START if plain else _MARKUP).finditer(text):
        if plain or match.group(1):
            offset = match.start()
            newlines = count("\n", previous, offset)
            if newlines:
                line += newlines
                line_start = rfind("\n", previous, offset) + 1
            previous = offset
            append(new(SourcePos, (line, offset - line_start + 1)))
    return out


class Locator:
    """Positions of a document's elements, computed on the first request."""

    __slots__ = ("_found", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: list[SourcePos] | None = None

    def position(self, index: int) -> SourcePos:
        """The position of the ``index``-th element in document order."""
        if self._found is None:
            self._found = positions(self._text)
            self._text = ""  # the positions are all that is needed from now on
        try:
            return self._found[index]
        except IndexError:  # pragma: no cover - the scanner and lxml agree on XML
            from rcml._ast import SourcePos

            return SourcePos(0, 0)


class LineIndex:
    """Maps character offsets to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1

    def position(self, offset: int) -> tuple[int, int]:
        # Offsets mostly arrive in increasing order: count only the newlines in between.
        text = self.text
        if offset >= self._offset:
            self._line += text.count("\n", self._offset, offset)
        else:
            self._line = text.count("\n", 0, offset) + 1
        self._offset = offset
        return self._line, offset - text.rfind("\n", 0, offset)

    def end(self) -> tuple[int, int]:
        return self.position(len(self.text))
