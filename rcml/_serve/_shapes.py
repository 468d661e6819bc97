"""How calls, lists and errors look on the wire: RestComm's and Twilio's shapes, JSON and XML.

RestComm (``/restcomm/2012-04-24/...``, seeds 000/001): ``date_*`` in RFC 2822, start and
end times in ISO 8601, an integer duration, XML under ``<RestcommResponse>`` unless the
path ends in ``.json``, and list envelopes with ``num_pages``/``previous_page_uri`` set to
the string ``"null"`` as the seeds show. Twilio and SignalWire LaML (``/2010-04-01``,
``/api/laml/2010-04-01``, seeds 003/004): every time in RFC 2822, a string duration,
``null`` for absent page links, and the ``*_formatted`` numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from lxml import etree

from rcml._rehearse._model import iso, rfc2822
from rcml._serve._store import RecordingRow, StoredCall

__all__ = [
    "Flavour",
    "call_dict",
    "error_dict",
    "list_dict",
    "parse_stamp",
    "recording_dict",
    "render",
]

RESTCOMM_VERSION = "2012-04-24"
TWILIO_VERSION = "2010-04-01"


@dataclass(frozen=True, slots=True)
class Flavour:
    """Which API a request came in through, and so which shapes it gets back."""

    #: ``restcomm`` or ``twilio`` (SignalWire LaML has Twilio's shapes).
    name: str
    #: The path prefix up to the API version, as requested (``/restcomm/2012-04-24``).
    prefix: str
    #: What the resource ``uri`` fields start with (RestComm's are relative to /restcomm).
    uri_base: str
    json: bool

    @property
    def twilio(self) -> bool:
        return self.name == "twilio"

    @property
    def root(self) -> str:
        return "TwilioResponse" if self.twilio else "RestcommResponse"

    @property
    def suffix(self) -> str:
        return ".json" if self.json else ""


def parse_stamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)


def _rfc(text: str | None) -> str | None:
    moment = parse_stamp(text)
    return rfc2822(moment) if moment is not None else None


def _iso(text: str | None) -> str | None:
    moment = parse_stamp(text)
    return iso(moment) if moment is not None else None


_NANP = re.compile(r"\+1(\d{3})(\d{3})(\d{4})")


def formatted(number: str) -> str:
    """``(555) 867-5310`` for a North American E.164 number, as Twilio formats it."""
    m = _NANP.fullmatch(number)
    return f"({m[1]}) {m[2]}-{m[3]}" if m else number


def call_dict(call: StoredCall, flavour: Flavour) -> dict[str, Any]:
    """The Calls resource representation of ``call``."""
    uri = f"{flavour.uri_base}/Accounts/{call.account_sid}/Calls/{call.sid}"
    sub = {
        "notifications": f"{uri}/Notifications{flavour.suffix}",
        "recordings": f"{uri}/Recordings{flavour.suffix}",
    }
    if flavour.twilio:
        return {
            "sid": call.sid,
            "date_created": _rfc(call.date_created),
            "date_updated": _rfc(call.date_updated),
            "parent_call_sid": call.parent_call_sid,
            "account_sid": call.account_sid,
            "to": call.to_uri,
            "to_formatted": formatted(call.to_uri),
            "from": call.from_,
            "from_formatted": formatted(call.from_),
            "phone_number_sid": call.phone_number_sid,
            "status": call.status,
            "start_time": _rfc(call.start_time),
            "end_time": _rfc(call.end_time),
            "duration": str(call.duration) if call.end_time is not None else None,
            "price": None,
            "price_unit": "USD",
            "direction": call.direction,
            "answered_by": call.answered_by,
            "annotation": None,
            "api_version": TWILIO_VERSION,
            "forwarded_from": call.forwarded_from,
            "group_sid": None,
            "caller_name": call.caller_name,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": uri + ".json",
            "subresource_uris": sub,
        }
    return {
        "sid": call.sid,
        "date_created": _rfc(call.date_created),
        "date_updated": _rfc(call.date_updated),
        "parent_call_sid": call.parent_call_sid,
        "account_sid": call.account_sid,
        "to": call.to,
        "from": call.from_,
        "phone_number_sid": call.phone_number_sid,
        "status": call.status,
        "start_time": _iso(call.start_time),
        "end_time": _iso(call.end_time),
        "duration": call.duration,
        "price": "0.00",
        "direction": call.direction,
        "answered_by": call.answered_by,
        "api_version": RESTCOMM_VERSION,
        "forwarded_from": call.forwarded_from,
        "caller_name": call.caller_name,
        "uri": uri + flavour.suffix,
        "subresource_uris": sub,
    }


@dataclass(frozen=True, slots=True)
class Page:
    """Where one list page sits: what the paging fields are computed from."""

    path: str
    query: Sequence[tuple[str, str]]
    page: int
    page_size: int
    total: int
    count: int
    last_sid: str | None


def _page_uri(page: Page, number: int, *, after: str | None = None) -> str:
    params = [("Page", str(number)), ("PageSize", str(page.page_size))]
    if after is not None:
        params.append(("AfterSid", after))
    params += page.query
    return page.path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params)


def list_dict(
    key: str, items: list[dict[str, Any]], page: Page, flavour: Flavour
) -> dict[str, Any]:
    """A list envelope: RestComm's paging fields (seeds 000/001) or Twilio's."""
    start = page.page * page.page_size
    has_next = start + page.count < page.total
    next_uri = _page_uri(page, page.page + 1, after=page.last_sid) if has_next else None
    prev_uri = _page_uri(page, page.page - 1) if page.page > 0 else None
    if flavour.twilio:
        return {
            key: items,
            "end": start + max(page.count, 1) - 1,
            "first_page_uri": _page_uri(page, 0),
            "next_page_uri": next_uri,
            "page": page.page,
            "page_size": page.page_size,
            "previous_page_uri": prev_uri,
            "start": start,
            "uri": _page_uri(page, page.page),
        }
    # RestComm's own arithmetic, as its responses show it: num_pages is total // size,
    # the last page is numbered num_pages, and end is start + size - 1 capped at total.
    num_pages = page.total // page.page_size
    return {
        "page": page.page,
        "num_pages": num_pages,
        "page_size": page.page_size,
        "total": page.total,
        "start": str(start),
        "end": str(min(start + page.page_size - 1, page.total)),
        "uri": page.path,
        "first_page_uri": _page_uri(page, 0),
        "previous_page_uri": prev_uri or "null",
        "next_page_uri": next_uri or "null",
        "last_page_uri": _page_uri(page, num_pages),
        key: items,
    }


def recording_dict(rec: RecordingRow, flavour: Flavour) -> dict[str, Any]:
    uri = f"{flavour.uri_base}/Accounts/{rec.account_sid}/Recordings/{rec.sid}"
    created = _rfc(rec.date_created)
    return {
        "sid": rec.sid,
        "account_sid": rec.account_sid,
        "call_sid": rec.call_sid,
        "date_created": created,
        "date_updated": created,
        "duration": str(round(rec.duration)) if flavour.twilio else rec.duration,
        "status": "completed",
        "channels": 1,
        "source": "RecordVerb",
        "api_version": TWILIO_VERSION if flavour.twilio else RESTCOMM_VERSION,
        "media_url": f"{flavour.prefix}/Accounts/{rec.account_sid}/Recordings/{rec.sid}.wav",
        "uri": uri + flavour.suffix,
    }


def error_dict(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's error body, which its SDK turns into ``TwilioRestException``; RestComm's
    XML ``RestException`` carries the same fields."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


# ---------------------------------------------------------------------------- XML


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: etree._Element, name: str, value: Any) -> None:
    child = etree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _element(child, _camel(k), v)
    else:
        child.text = _text(value)


#: The list fields RestComm puts in attributes of the list element (``<Calls page="0">``).
_LIST_ATTRIBUTES = (
    "page",
    "num_pages",
    "page_size",
    "total",
    "start",
    "end",
    "uri",
    "first_page_uri",
    "previous_page_uri",
    "next_page_uri",
    "last_page_uri",
)


def render(body: Mapping[str, Any], *, root: str, item: str | None = None) -> bytes:
    """XML for a resource (``item``: its element name) or a list envelope.

    A list becomes ``<Calls page="0" numpages="0" ...><Call>...</Call></Calls>``: the
    paging fields are attributes, lower-cased without underscores, as the seeds show.
    """
    top = etree.Element(root)
    if item is None:
        _element(top, "RestException", body)
    elif any(isinstance(v, list) for v in body.values()):
        key = next(k for k, v in body.items() if isinstance(v, list))
        holder = etree.SubElement(top, _camel(key))
        for name in _LIST_ATTRIBUTES:
            if name in body:
                holder.set(name.replace("_", ""), _text(body[name]) or "null")
        for entry in body[key]:
            _element(holder, item, entry)
    else:
        _element(top, item, body)
    return bytes(etree.tostring(top, xml_declaration=True, encoding="UTF-8"))
