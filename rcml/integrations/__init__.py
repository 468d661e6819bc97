"""Web framework helpers: answer with RCML, read RestComm's request parameters.

``rcml.integrations.flask`` and ``rcml.integrations.starlette`` (which FastAPI uses) import
their framework; this package and ``import rcml`` do not.
"""

from __future__ import annotations

from rcml._ast import Document
from rcml._builder import Response
from rcml._serialize import dumps

__all__ = ["CONTENT_TYPE", "RCMLContent", "to_body"]

#: RestComm parses a response as RCML when its Content-Type is XML (reference §3.5).
CONTENT_TYPE = "application/xml; charset=utf-8"

#: What the helpers accept: a builder, an AST, or text already rendered and validated
#: (``rcml.templates.render_template``).
RCMLContent = Response | Document | str


def to_body(content: RCMLContent) -> bytes:
    """The UTF-8 bytes of ``content``."""
    if isinstance(content, Response):
        content = content.to_xml()
    elif isinstance(content, Document):
        content = dumps(content)
    return content.encode("utf-8")
