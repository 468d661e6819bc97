"""The call flow as a graph: documents are nodes, the ways from one to the next are edges.

Edges come from rehearsals (what a call really did, labelled with the input that took it)
and from static RCML files (what a document can do: its Gather, Record, Dial and Sms
actions and its Redirect). Two pseudo-nodes frame the flow: ``(start)``, where the call
comes in, and ``(end)``, where it ends.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os.path import relpath
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urljoin, urlsplit

from rcml import _ast as a
from rcml._exceptions import DocumentError, RCMLError
from rcml._rehearse._model import Rehearsal, RehearsalEvent

__all__ = ["CallGraph", "GraphEdge", "GraphError", "GraphNode", "build_graph"]

START, END = "(start)", "(end)"
NodeKind = Literal["start", "document", "end"]
GraphFormat = Literal["svg", "png"]


class GraphError(RCMLError):
    """A call graph could not be built or rendered (an unreadable document, no Graphviz)."""


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One document of the call flow (or the ``(start)``/``(end)`` pseudo-node)."""

    #: The document's URL path (query dropped), or ``(start)`` / ``(end)``.
    id: str
    #: What to print: the path, or a file's name relative to the first document's folder.
    label: str
    kind: NodeKind = "document"
    #: How many times the rehearsals ran it (0: known from the documents only).
    visits: int = 0


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """A way from one document to the next, and what takes it."""

    source: str
    target: str
    #: The input that takes it: ``1`` (digits), ``"yes"`` (speech), ``no input``,
    #: ``dial busy``, ``recorded #``, ``redirect (1)`` (the input the redirecting
    #: document received), ``Hangup``, ...
    label: str
    #: ``initial``, ``fallback``, ``action``, ``redirect`` or ``end``.
    kind: str = "action"
    #: How many times the rehearsals took it (0: read from a document, never rehearsed).
    count: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.label)


@dataclass(slots=True)
class CallGraph:
    """The call flow: nodes in the order first seen, edges in the order first taken."""

    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)

    def edge_keys(self) -> set[tuple[str, str, str]]:
        """``{(source, target, label)}``: what tests and the report compare."""
        return {e.key for e in self.edges}

    def to_mermaid(self) -> str:
        """The graph as a Mermaid ``flowchart``."""
        ids = self._short_ids()
        lines = ["flowchart TD"]
        for node in self.nodes.values():
            text = _mermaid_text(node.label)
            shape = {"start": '(["{}"])', "end": '(("{}"))'}.get(node.kind, '["{}"]')
            lines.append(f"    {ids[node.id]}{shape.format(text)}")
        for e in self.edges:
            arrow = "-.->" if e.count == 0 else "-->"
            label = _mermaid_text(_edge_text(e))
            lines.append(f'    {ids[e.source]} {arrow}|"{label}"| {ids[e.target]}')
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language."""
        ids = self._short_ids()
        lines = [
            "digraph call_flow {",
            '    graph [rankdir=TB, fontname="Helvetica"];',
            '    node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
            '    edge [fontname="Helvetica", fontsize=10];',
        ]
        for node in self.nodes.values():
            shape = {"start": ", shape=oval", "end": ", shape=doublecircle"}.get(node.kind, "")
            lines.append(f"    {ids[node.id]} [label={_dot_quote(node.label)}{shape}];")
        for e in self.edges:
            style = ", style=dashed" if e.count == 0 else ""
            label = _dot_quote(_edge_text(e))
            lines.append(f"    {ids[e.source]} -> {ids[e.target]} [label={label}{style}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, format: GraphFormat = "svg", *, dot: str | None = None) -> bytes:
        """Lay the graph out with Graphviz's ``dot`` and return the SVG or PNG bytes.

        :param dot: the ``dot`` program (default: found on ``PATH``).
        :raises GraphError: Graphviz is not installed, or ``dot`` failed.
        """
        if format not in ("svg", "png"):
            raise GraphError(f"cannot render the graph as {format!r}: use 'svg' or 'png'")
        program = dot or shutil.which("dot")
        if program is None:
            raise GraphError(
                "rendering SVG or PNG needs Graphviz's dot program, which is not installed"
                " (apt-get install graphviz); Mermaid and DOT text need nothing"
            )
        try:
            done = subprocess.run(
                [program, f"-T{format}"],
                input=self.to_dot().encode(),
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GraphError(f"cannot run Graphviz ({program}): {exc}") from exc
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()
            raise GraphError(f"Graphviz failed: {reason[-1] if reason else done.returncode}")
        return done.stdout

    def _short_ids(self) -> dict[str, str]:
        # Paths make poor identifiers in both languages; n0, n1, ... need no quoting.
        return {node_id: f"n{i}" for i, node_id in enumerate(self.nodes)}


def _edge_text(edge: GraphEdge) -> str:
    times = "\u00d7"  # the multiplication sign, as in "1 (taken) x3"
    return f"{edge.label} {times}{edge.count}" if edge.count > 1 else edge.label


def _mermaid_text(text: str) -> str:
    # Mermaid has entity codes, not backslash escapes, inside quoted labels.
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self) -> None:
        self.visits: dict[str, int] = {}
        self.urls: dict[str, str] = {}  # node id -> a URL it was reached at
        self.edges: dict[tuple[str, str, str], GraphEdge] = {}

    def node(self, node_id: str, url: str, *, visit: bool) -> None:
        self.urls.setdefault(node_id, url)
        self.visits[node_id] = self.visits.get(node_id, 0) + (1 if visit else 0)

    def edge(self, source: str, target: str, label: str, kind: str, *, taken: bool) -> None:
        key = (source, target, label)
        old = self.edges.get(key)
        count = (old.count if old else 0) + (1 if taken else 0)
        self.edges[key] = GraphEdge(source, target, label, kind, count)

    def graph(self) -> CallGraph:
        used = {START} | {n for e in self.edges.values() for n in (e.source, e.target)}
        ids = [START, *(n for n in self.urls if n in used or self.visits[n])]
        if any(e.target == END for e in self.edges.values()):
            ids.append(END)
        labels = _labels({n: self.urls[n] for n in ids if n in self.urls})
        nodes = {}
        for node_id in ids:
            kind: NodeKind = "start" if node_id == START else "document"
            kind = "end" if node_id == END else kind
            label = {"start": "call", "end": "call ends"}.get(kind) or labels[node_id]
            nodes[node_id] = GraphNode(node_id, label, kind, self.visits.get(node_id, 0))
        return CallGraph(nodes, list(self.edges.values()))


def _labels(urls: Mapping[str, str]) -> dict[str, str]:
    """Node labels: URL paths as they are; local files relative to the first file's folder."""
    files = [Path(unquote(urlsplit(u).path)) for u in urls.values() if u.startswith("file:")]
    base = files[0].parent if files else None
    out = {}
    for node_id, url in urls.items():
        path = Path(unquote(urlsplit(url).path))
        inside = base is not None and url.startswith("file:") and path.is_relative_to(base)
        out[node_id] = relpath(path, base) if inside and base is not None else node_id
    return out


def node_id(url: str) -> str:
    """The node a document URL belongs to: its path, without the query string."""
    return unquote(urlsplit(url).path) or "/"


def build_graph(
    rehearsals: Iterable[Rehearsal] = (),
    documents: Iterable[str | Path] = (),
) -> CallGraph:
    """Build the call flow from rehearsals and from static RCML files.

    Each rehearsal adds the path its call took, each edge labelled with what took it.
    ``documents`` are entry files: each is read with the sibling files its actions and
    redirects lead to, and adds the ways they can go; a way a rehearsal already took
    between the same two documents is not added again.

    :raises GraphError: a document cannot be read or parsed.
    """
    builder = _Builder()
    for rehearsal in rehearsals:
        _add_rehearsal(builder, rehearsal)
    rehearsed = {(e.source, e.target) for e in builder.edges.values()}
    for path in documents:
        _add_documents(builder, Path(path), rehearsed)
    return builder.graph()


# ---- from a rehearsal


_END_REASONS = {
    "hangup-verb": "Hangup",
    "end-of-document": "end of document",
    "fetch-failed": "fetch failed",
    "no-content-type": "no Content-Type",
    "unparsable-rcml": "unparsable RCML",
    "media-failed": "media failed",
}


def _input_label(event: RehearsalEvent) -> str | None:
    d = event.details
    if event.type == "gather-end":
        if d.get("digits"):
            return str(d["digits"])
        if d.get("speech"):
            return f'"{d["speech"]}"'
        return "no input"
    if event.type == "record-end":
        digits = d.get("digits")
        return "recorded, hung up" if digits == "hangup" else f"recorded {digits or ''}".strip()
    if event.type == "dial-end":
        return f"dial {d.get('status')}"
    if event.type == "sms":
        return "sms sent"
    return None


def _end_label(event: RehearsalEvent) -> str | None:
    d = event.details
    match event.type:
        case "hangup":
            reason = str(d.get("reason", ""))
            return _END_REASONS.get(reason, reason or "hangup")
        case "caller-hangup":
            return "caller hangs up"
        case "reject":
            return "Reject"
        case "sip-response":
            return f"SIP {d.get('code')}"
        case "stall":
            return "stalls"
        case "document-cap":
            return "too many documents"
    return None


def _add_rehearsal(builder: _Builder, rehearsal: Rehearsal) -> None:
    fallback = any(
        r.purpose == "fallback" and r.call_sid == rehearsal.call.sid for r in rehearsal.requests
    )
    current = START
    carried: str | None = None  # the input the running document received or collected
    pending: tuple[str, str] | None = None  # (kind, label) of the fetch to come
    for event in rehearsal.events:
        if event.call_sid != rehearsal.call.sid:
            continue  # a dialled leg's screening documents are not the caller's flow
        if event.type == "document":
            target = str(event.details.get("path") or node_id(event.url or ""))
            builder.node(target, event.url or target, visit=True)
            if current == START:
                kind, label = ("fallback", "fallback") if fallback else ("initial", "incoming")
            else:
                kind, label = pending or ("redirect", "redirect")
            builder.edge(current, target, label, kind, taken=True)
            current, pending = target, None
            continue
        given = _input_label(event)
        if given is not None:
            carried, pending = given, ("action", given)
        elif event.type == "redirect":
            pending = ("redirect", f"redirect ({carried})" if carried else "redirect")
        elif (ended := _end_label(event)) is not None:
            builder.edge(current, END, ended, "end", taken=True)
            return


# ---- from the documents themselves


_PRESS = re.compile(r"\bpress(?:ing)?\s+(\d|star|pound|\*|#)", re.IGNORECASE)


def _gather_label(gather: a.Gather) -> str:
    """What a Gather's action receives: the keys its prompts mention, or the input kind."""
    keys: list[str] = []
    for prompt in gather.prompts:
        if isinstance(prompt, a.Say):
            for key in _PRESS.findall(prompt.text):
                key = {"star": "*", "pound": "#"}.get(key.lower(), key)
                if key not in keys:
                    keys.append(key)
    if keys:
        return " / ".join(keys)
    kind = gather.input or a.GatherInput.DTMF
    return {"dtmf": "digits", "speech": "speech"}.get(str(kind), "digits or speech")


def _document_flow(document: a.Document) -> list[tuple[str, str, str]]:
    """``(url, label, kind)`` for each way out of a document, in document order; an
    empty url is the end of the call."""
    out: list[tuple[str, str, str]] = []
    after_gather = False  # the verbs after a Gather run only when the caller gave nothing
    for verb in document.verbs:
        if isinstance(verb, a.Gather):
            if verb.action:
                out.append((verb.action, _gather_label(verb), "action"))
            after_gather = True
        elif isinstance(verb, a.Record) and verb.action:
            out.append((verb.action, "recorded", "action"))
            return out  # RestComm calls the action however the recording ends
        elif isinstance(verb, a.Dial) and verb.action:
            out.append((verb.action, "dial ends", "action"))
            return out
        elif isinstance(verb, a.Sms) and verb.action:
            out.append((verb.action, "sms sent", "action"))
            return out
        elif isinstance(verb, a.Redirect):
            out.append((verb.url, "no input" if after_gather else "redirect", "redirect"))
            return out
        elif isinstance(verb, a.Hangup | a.Reject):
            out.append(("", verb.TAG, "end"))
            return out
    out.append(("", "end of document", "end"))
    return out


def _add_documents(builder: _Builder, entry: Path, rehearsed: set[tuple[str, str]]) -> None:
    from rcml._parse import parse

    first = entry.resolve().as_uri()
    queue = [first]
    seen: set[str] = set()
    builder.node(node_id(first), first, visit=False)
    if (START, node_id(first)) not in rehearsed:
        builder.edge(START, node_id(first), "incoming", "initial", taken=False)
    while queue:
        url = queue.pop(0)
        here = node_id(url)
        if here in seen:
            continue
        seen.add(here)
        try:
            document = parse(Path(here).read_bytes(), url=url, strict=False)
        except OSError as exc:
            raise GraphError(f"{here}: cannot read: {exc.strerror or exc}") from exc
        except DocumentError as exc:
            raise GraphError(f"{here}: {exc}") from exc
        for target_url, label, kind in _document_flow(document):
            target = END if not target_url else node_id(urljoin(url, target_url))
            if target != END:
                resolved = urljoin(url, target_url)
                builder.node(target, resolved, visit=False)
                # Only sibling files are followed: other URLs belong to some app server.
                if resolved.startswith("file:") and Path(target).is_file():
                    queue.append(resolved)
            if (here, target) not in rehearsed:
                builder.edge(here, target, label, kind, taken=False)


def path_of(graph: CallGraph, rehearsal: Rehearsal) -> set[tuple[str, str, str]]:
    """The edges of ``graph`` the rehearsal took."""
    return build_graph([rehearsal]).edge_keys() & graph.edge_keys()


def first_visits(rehearsal: Rehearsal) -> dict[str, float]:
    """When the call first ran each document (for the report's clickable graph)."""
    out: dict[str, float] = {}
    for e in rehearsal.events:
        if e.type == "document" and e.call_sid == rehearsal.call.sid:
            out.setdefault(str(e.details.get("path") or node_id(e.url or "")), e.t)
    return out
