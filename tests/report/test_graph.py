from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

import rcml
from rcml._report._graph import END, START

NEEDS_DOT = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("RCML_BROWSER_TESTS"),
    reason="Graphviz is not installed (CI installs it)",
)


def test_one_rehearsal_gives_the_path_it_took(ivr_calls: dict[str, rcml.Rehearsal]) -> None:
    graph = rcml.build_graph([ivr_calls["sales"]])
    assert graph.edge_keys() == {
        (START, "/ivr/main", "incoming"),
        ("/ivr/main", "/ivr/menu", "1"),
        ("/ivr/menu", "/ivr/sales", "redirect (1)"),
        ("/ivr/sales", "/ivr/sales/choice", "2"),
        ("/ivr/sales/choice", "/ivr/agent", "redirect (2)"),
        ("/ivr/agent", "/ivr/agent/done", "dial completed"),
        ("/ivr/agent/done", "/ivr/goodbye", "redirect (dial completed)"),
        ("/ivr/goodbye", END, "Hangup"),
    }
    assert all(e.count == 1 for e in graph.edges)
    assert [n.kind for n in graph.nodes.values()][0::8] == ["start", "end"]


def test_every_caller_script_adds_its_branch(ivr_calls: dict[str, rcml.Rehearsal]) -> None:
    graph = rcml.build_graph(ivr_calls.values())
    edges = {e.key: e for e in graph.edges}
    assert set(graph.nodes) == {
        START, END, "/ivr/main", "/ivr/menu", "/ivr/sales", "/ivr/sales/choice", "/ivr/support",
        "/ivr/support/choice", "/ivr/agent", "/ivr/agent/done", "/ivr/voicemail",
        "/ivr/voicemail/done", "/ivr/goodbye",
    }  # fmt: skip
    assert edges[(START, "/ivr/main", "incoming")].count == len(ivr_calls)
    assert ("/ivr/main", "/ivr/main", "redirect (no input)") in edges  # the menu repeats
    assert ("/ivr/support", "/ivr/support/choice", '"my internet is down"') in edges
    assert ("/ivr/agent", "/ivr/agent/done", "dial canceled") in edges
    assert ("/ivr/voicemail", "/ivr/voicemail/done", "recorded #") in edges
    assert ("/ivr/main", END, "caller hangs up") in edges
    assert graph.nodes["/ivr/main"].visits > len(ivr_calls)


@pytest.fixture
def static_app(tmp_path: Path) -> Path:
    (tmp_path / "menu.xml").write_text(
        '<Response><Gather action="choice.xml" numDigits="1">'
        "<Say>For sales, press 1. For support, press 2.</Say></Gather>"
        "<Redirect>menu.xml</Redirect></Response>"
    )
    (tmp_path / "choice.xml").write_text(
        '<Response><Dial action="after.xml"><Number>+15550100001</Number></Dial></Response>'
    )
    (tmp_path / "after.xml").write_text(
        '<Response><Say>Bye</Say><Record action="/rec"/></Response>'
    )
    return tmp_path / "menu.xml"


def test_static_documents_are_followed_through_sibling_files(static_app: Path) -> None:
    graph = rcml.build_graph(documents=[static_app])
    folder = str(static_app.parent)
    assert graph.edge_keys() == {
        (START, f"{folder}/menu.xml", "incoming"),
        (f"{folder}/menu.xml", f"{folder}/choice.xml", "1 / 2"),
        (f"{folder}/menu.xml", f"{folder}/menu.xml", "no input"),
        (f"{folder}/choice.xml", f"{folder}/after.xml", "dial ends"),
        (f"{folder}/after.xml", "/rec", "recorded"),
    }
    assert {n.label for n in graph.nodes.values()} >= {"menu.xml", "choice.xml", "/rec"}
    assert all(e.count == 0 for e in graph.edges)  # read, never rehearsed


def test_a_rehearsal_of_a_static_file_replaces_the_generic_edges(static_app: Path) -> None:
    script = {"gather": [{"digits": "2"}], "record": [{"seconds": 2}]}
    call = rcml.rehearse(str(static_app), script, seed=1)
    graph = rcml.build_graph([call], [static_app])
    by_pair = {(e.source, e.target): e for e in graph.edges}
    menu, choice = f"{static_app.parent}/menu.xml", f"{static_app.parent}/choice.xml"
    assert by_pair[(menu, choice)].label == "2" and by_pair[(menu, choice)].count == 1
    assert by_pair[(menu, menu)].count == 0  # the no-input branch was not rehearsed
    assert len([e for e in graph.edges if (e.source, e.target) == (menu, choice)]) == 1


def test_an_unreadable_document_is_our_error(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<Response><Say>")
    with pytest.raises(rcml.GraphError, match=r"bad\.xml"):
        rcml.build_graph(documents=[tmp_path / "bad.xml"])


def _mermaid(text: str) -> tuple[dict[str, str], set[tuple[str, str, str, str]]]:
    nodes = dict(re.findall(r'^\s+(n\d+)[(\[]+"(.*?)"[)\]]+$', text, re.MULTILINE))
    edges = set(re.findall(r'^\s+(n\d+) (-->|-\.->)\|"(.*?)"\| (n\d+)$', text, re.MULTILINE))
    return nodes, {(nodes[a], nodes[b], label, arrow) for a, arrow, label, b in edges}


def test_mermaid_escapes_quotes_and_dashes_unrehearsed_edges(
    ivr_calls: dict[str, rcml.Rehearsal], static_app: Path
) -> None:
    text = rcml.build_graph([ivr_calls["support-speech"]]).to_mermaid()
    assert text.startswith("flowchart TD\n")
    nodes, edges = _mermaid(text)
    assert set(nodes.values()) >= {"call", "call ends", "/ivr/support/choice"}
    speech = "#quot;my internet is down#quot;"
    assert ("/ivr/support", "/ivr/support/choice", speech, "-->") in edges
    _, static = _mermaid(rcml.build_graph(documents=[static_app]).to_mermaid())
    assert {arrow for *_, arrow in static} == {"-.->"}


def test_dot_lists_every_node_and_edge(ivr_calls: dict[str, rcml.Rehearsal]) -> None:
    graph = rcml.build_graph(ivr_calls.values())
    text = graph.to_dot()
    assert text.startswith("digraph call_flow {") and text.rstrip().endswith("}")
    assert len(re.findall(r"^\s+n\d+ \[label=", text, re.MULTILINE)) == len(graph.nodes)
    assert len(re.findall(r"^\s+n\d+ -> n\d+ ", text, re.MULTILINE)) == len(graph.edges)
    assert r'label="\"my internet is down\""' in text


@NEEDS_DOT
def test_graphviz_renders_svg_and_png(ivr_calls: dict[str, rcml.Rehearsal]) -> None:
    graph = rcml.build_graph(ivr_calls.values())
    svg = etree.fromstring(graph.render("svg"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    titles = svg.xpath("//s:g[@class='node']/s:title/text()", namespaces=ns)
    assert len(titles) == len(graph.nodes)
    assert graph.render("png").startswith(b"\x89PNG\r\n\x1a\n")


def test_without_graphviz_render_is_a_clear_error(
    ivr_calls: dict[str, rcml.Rehearsal], monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = rcml.build_graph([ivr_calls["sales"]])
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(rcml.GraphError, match="Graphviz"):
        graph.render("svg")
    with pytest.raises(rcml.GraphError, match="cannot run Graphviz"):
        graph.render("png", dot="/nonexistent/dot")
    with pytest.raises(rcml.GraphError, match="'pdf'"):
        graph.render("pdf")  # type: ignore[arg-type]
