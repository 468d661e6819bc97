"""Text -> hardened lxml tree, with libxml2's errors said in users' words.

Apart from rcml._parse so that what only needs the tree (``rcml lint`` on a valid
document) does not import the AST classes.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from rcml._exceptions import MalformedDocumentError
from rcml._source import LineIndex, refuse_doctype

__all__ = ["load", "xml_parser"]

_LXML_WHERE = re.compile(r",? line \d+, column \d+$")

# libxml2's words for the mistakes people make most, said in theirs.
_FRIENDLIER = {
    "EntityRef: expecting ';'": "a bare '&' must be written '&amp;' (RestComm tolerates "
    "it, Twilio does not; parse with strict=False to accept it)",
    "xmlParseEntityRef: no name": "a bare '&' must be written '&amp;'",
    "StartTag: invalid element name": "a bare '<' must be written '&lt;'",
    "Extra content at the end of the document": "content after the root element ends",
}

_local = threading.local()


def xml_parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        # No DTD, no entities, no network, libxml2's depth and size limits kept on.
        parser = _local.parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            collect_ids=False,
        )
    return parser


def load(text: str, utf8: bytes | None = None, *, doctype: bool = True) -> etree._Element:
    """The root element of ``text`` (``utf8``: the same text as UTF-8, when at hand).

    ``doctype=False``: the caller knows ``text`` holds no "<!", so no DOCTYPE to look for.

    :raises MalformedDocumentError: not well-formed, empty, a DTD, a lone surrogate.
    """
    if doctype:
        refuse_doctype(text)
    if not text or text.isspace():
        raise MalformedDocumentError("the document is empty", line=1, column=1)
    if utf8 is None:
        try:
            utf8 = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            line, column = LineIndex(text).position(exc.start)
            raise MalformedDocumentError(
                "the text holds a lone surrogate, which XML cannot carry",
                line=line,
                column=column,
            ) from None
    try:
        return etree.fromstring(utf8, xml_parser())
    except etree.XMLSyntaxError as exc:
        line, byte_column = exc.position
        message = _LXML_WHERE.sub("", exc.msg or "not well-formed XML")
        column = _char_column(text, line, byte_column)
        if message in _FRIENDLIER:
            message = _FRIENDLIER[message]
            if "'&'" in message:  # libxml2 points past the entity name; point at the '&'
                column = _column_of_last(text, line, column, "&")
        raise MalformedDocumentError(message, line=line, column=column) from None


def _char_column(text: str, line: int, byte_column: int) -> int:
    # libxml2 counts bytes; users count characters.
    lines = text.split("\n", line)
    if byte_column <= 1 or line < 1 or line > len(lines):
        return max(byte_column, 0)
    prefix = lines[line - 1].encode("utf-8")[: byte_column - 1]
    return len(prefix.decode("utf-8", "ignore")) + 1


def _column_of_last(text: str, line: int, column: int, char: str) -> int:
    lines = text.split("\n", line)
    if not 1 <= line <= len(lines):
        return column
    found = lines[line - 1].rfind(char, 0, column)
    return found + 1 if found >= 0 else column
