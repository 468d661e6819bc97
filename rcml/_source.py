"""Turning input into text, and finding where each element starts.

libxml2 reports a line for elements (the line where the start tag *ends*) and no column
at all, so positions are computed here, from the text, with one regular-expression pass.
"""

from __future__ import annotations

import codecs
import re

from rcml._exceptions import DocumentTooLargeError, MalformedDocumentError

__all__ = ["DEFAULT_MAX_SIZE", "LineIndex", "decode", "element_offsets"]

#: Hosted platforms refuse RCML/TwiML bodies over 64 KiB (Twilio 11750).
DEFAULT_MAX_SIZE = 64 * 1024

_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Start tags, skipping anything that may contain a '<' that is not one.
_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<([^\s/>!?][^\s/>]*)", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


def decode(source: str | bytes, max_size: int) -> str:
    """Check the size and return the document as text.

    Bytes are decoded by BOM, then by the XML declaration, then as UTF-8.
    """
    if isinstance(source, str):
        size = len(source.encode("utf-8", "surrogatepass"))
        if size > max_size:
            raise DocumentTooLargeError(size, max_size)
        return source
    if not isinstance(source, bytes | bytearray | memoryview):
        raise TypeError(f"expected str or bytes, not {type(source).__name__}")
    data = bytes(source)
    if len(data) > max_size:
        raise DocumentTooLargeError(len(data), max_size)
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name
            break
    else:
        declared = _DECLARED.match(data)
        if declared:
            encoding = declared.group(1).decode("ascii")
    try:
        return data.decode(encoding)
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


def refuse_doctype(text: str) -> None:
    """DTDs bring entity expansion and external fetches: RCML needs neither."""
    match = _DOCTYPE.search(text)
    if match:
        line, column = LineIndex(text).position(match.start())
        raise MalformedDocumentError(
            "DOCTYPE declarations are not allowed in RCML", line=line, column=column
        )


def element_offsets(text: str) -> list[int]:
    """Offsets of every start tag, in document order (the order lxml iterates)."""
    return [m.start() for m in _MARKUP.finditer(text) if m.group(1)]


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
