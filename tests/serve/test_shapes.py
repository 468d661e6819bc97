"""The wire shapes: RestComm's paging arithmetic as its responses show it, and XML."""

from __future__ import annotations

import pytest
from lxml import etree

from rcml._serve._shapes import Flavour, Page, list_dict, render

RESTCOMM = Flavour("restcomm", "/restcomm/2012-04-24", "/2012-04-24", json=True)
TWILIO = Flavour("twilio", "/2010-04-01", "/2010-04-01", json=True)


def _page(total: int, size: int, count: int, page: int = 0) -> Page:
    return Page("/Calls", [], page, size, total, count, "CA1" if count else None)


@pytest.mark.parametrize(
    ("total", "size", "count", "num_pages", "end", "last"),
    [
        (0, 50, 0, 0, "0", 0),  # seeds 001: an empty list
        (7, 1, 1, 7, "0", 7),  # seeds 001: PageSize=1 of 7
        (3, 50, 3, 0, "3", 0),  # seeds 000: From=Jane
        (75, 50, 50, 1, "49", 1),  # seeds 000: SortBy
        (442, 10, 10, 44, "9", 44),  # seeds 000: Limit
    ],
)
def test_restcomm_paging_matches_the_seeds_examples(
    total: int, size: int, count: int, num_pages: int, end: str, last: int
) -> None:
    body = list_dict("calls", [], _page(total, size, count), RESTCOMM)
    assert body["num_pages"] == num_pages
    assert body["end"] == end
    assert body["last_page_uri"] == f"/Calls?Page={last}&PageSize={size}"
    assert body["start"] == "0"


def test_twilio_paging_uses_null_links() -> None:
    body = list_dict("calls", [], _page(1, 50, 1), TWILIO)
    assert body["next_page_uri"] is None and body["previous_page_uri"] is None
    assert (body["start"], body["end"]) == (0, 0)


def test_list_xml_puts_paging_in_attributes() -> None:
    body = list_dict("calls", [{"sid": "CA1", "parent_call_sid": None}], _page(1, 50, 1), RESTCOMM)
    root = etree.fromstring(render(body, root="RestcommResponse", item="Call"))
    calls = root.find("Calls")
    assert calls is not None
    assert calls.get("numpages") == "0" and calls.get("nextpageuri") == "null"
    assert [(c.tag, c.findtext("Sid")) for c in calls] == [("Call", "CA1")]
    assert calls.find("Call/ParentCallSid") is not None


def test_error_xml() -> None:
    root = etree.fromstring(render({"code": 1, "message": "m"}, root="RestcommResponse"))
    assert root.findtext("RestException/Code") == "1"
    assert root.findtext("RestException/Message") == "m"
