"""Starlette and FastAPI: return RCML from an endpoint, read RestComm's parameters.

::

    from starlette.applications import Starlette
    from starlette.routing import Route
    from rcml import Response
    from rcml.integrations.starlette import RCMLResponse, call_request

    async def main(request):
        call = await call_request(request)
        return RCMLResponse(Response().say(f"Hello {call.from_}"))

    app = Starlette(routes=[Route("/ivr/main", main, methods=["GET", "POST"])])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from rcml._request import CallRequest
from rcml.integrations import CONTENT_TYPE, RCMLContent, to_body

__all__ = ["RCMLResponse", "call_request"]


class RCMLResponse(Response):
    """A response carrying RCML as ``application/xml; charset=utf-8``."""

    # Starlette adds a charset only to text/* types: say it here.
    media_type = CONTENT_TYPE

    def __init__(
        self,
        content: RCMLContent,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(to_body(content), status_code, headers, CONTENT_TYPE, background)


async def call_request(request: Request) -> CallRequest:
    """The parameters of ``request`` (query string and form body), typed.

    RestComm posts ``application/x-www-form-urlencoded``; the body is decoded here, so
    python-multipart is not needed.
    """
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
            body = (await request.body()).decode("utf-8", errors="replace")
            params.update(parse_qsl(body, keep_blank_values=True))
        elif content_type.startswith("multipart/form-data"):
            params.update((await request.form()).items())
    return CallRequest.from_form(params)
