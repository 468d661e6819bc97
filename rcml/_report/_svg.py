"""A small layered layout of a call graph as inline SVG, for the HTML report.

The report must open anywhere without Graphviz, so it draws the graph itself: documents in
rows by their distance from the start of the call, forward edges as curves downwards, and
loops and edges back up routed around the right-hand side. Call flows are small (tens of
documents), so a one-pass ordering of each row is enough to keep them readable.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from html import escape

from rcml._report._graph import END, START, CallGraph, GraphEdge, _edge_text

__all__ = ["graph_svg"]

CHAR, PAD, HEIGHT, ROW, GAP, MARGIN = 7.0, 24.0, 30.0, 96.0, 48.0, 20.0


def _layers(graph: CallGraph) -> dict[str, int]:
    layer = {START: 0}
    frontier = [START]
    while frontier:
        following = []
        for node in frontier:
            for e in graph.edges:
                if e.source == node and e.target not in layer and e.target != END:
                    layer[e.target] = layer[node] + 1
                    following.append(e.target)
        frontier = following
    deepest = max(layer.values())
    for node in graph.nodes:  # unreachable from the start: put them last
        if node not in layer and node != END:
            deepest += 1
            layer[node] = deepest
    if END in graph.nodes:
        layer[END] = deepest + 1
    return layer


def _order(graph: CallGraph, layer: Mapping[str, int]) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for node in graph.nodes:
        rows[layer[node]].append(node)
    position: dict[str, float] = {}
    for row in rows:
        # Barycentre of the nodes above that lead here: fewer crossings, one pass.
        weight = {}
        for i, node in enumerate(row):
            above = [
                position[e.source]
                for e in graph.edges
                if e.target == node and e.source in position and layer[e.source] < layer[node]
            ]
            weight[node] = sum(above) / len(above) if above else float(i)
        row.sort(key=weight.__getitem__)
        position.update({node: float(i) for i, node in enumerate(row)})
    return rows


def graph_svg(
    graph: CallGraph,
    *,
    taken: Collection[tuple[str, str, str]] = (),
    times: Mapping[str, float] | None = None,
) -> str:
    """The graph as an ``<svg>`` element; ``taken`` edges are highlighted and nodes in
    ``times`` carry ``data-t`` (when the call first ran them) so that a click can seek."""
    times = times or {}
    layer = _layers(graph)
    rows = _order(graph, layer)
    width = {n: max(70.0, CHAR * len(graph.nodes[n].label) + PAD) for n in graph.nodes}
    row_width = [sum(width[n] for n in row) + GAP * (len(row) - 1) for row in rows]
    inner = max(row_width)
    box: dict[str, tuple[float, float, float]] = {}  # centre x, top y, width
    for i, row in enumerate(rows):
        x = MARGIN + (inner - row_width[i]) / 2
        for name in row:
            box[name] = (x + width[name] / 2, MARGIN + i * ROW, width[name])
            x += width[name] + GAP
    right = MARGIN + inner
    parts: list[str] = []
    # One curve per pair of documents, its labels side by side: an IVR menu reaches the
    # same document with many keys, and parallel curves would only tangle.
    pairs: dict[tuple[str, str], list[GraphEdge]] = {}
    for e in graph.edges:
        pairs.setdefault((e.source, e.target), []).append(e)
    back = 0
    for (source, target), group in pairs.items():
        path, label_at, anchor, back = _route(source, target, box, layer, right, back)
        on_path = [e for e in group if e.key in taken]
        static = not any(e.count for e in group)
        classes = ["edge", "taken" if on_path else "", "static" if static else ""]
        texts = [
            f'<tspan class="on">{escape(_edge_text(e))}</tspan>'
            if e in on_path
            else escape(_edge_text(e))
            for e in group
        ]
        title = escape("; ".join(_edge_text(e) for e in group))
        parts.append(
            f'<g class="{" ".join(c for c in classes if c)}"><title>{title}</title>'
            f'<path d="{path}" marker-end="url(#arrow)"/>'
            f'<text x="{label_at[0]:.1f}" y="{label_at[1]:.1f}" text-anchor="{anchor}">'
            f"{', '.join(texts)}</text></g>"
        )
    for node_id, node in graph.nodes.items():
        cx, top, w = box[node_id]
        classes = ["node", node.kind, "visited" if node.visits or node_id in times else ""]
        attrs = ""
        if node_id in times:
            attrs = f' data-t="{times[node_id]:.3f}" tabindex="0" role="button"'
        radius = HEIGHT / 2 if node.kind != "document" else 6
        parts.append(
            f'<g class="{" ".join(c for c in classes if c)}" data-node="{escape(node_id)}"{attrs}>'
            f"<title>{escape(node_id)}</title>"
            f'<rect x="{cx - w / 2:.1f}" y="{top:.1f}" width="{w:.1f}" height="{HEIGHT:.0f}"'
            f' rx="{radius:.0f}"/>'
            f'<text x="{cx:.1f}" y="{top + HEIGHT / 2 + 4:.1f}">{escape(node.label)}</text></g>'
        )
    total_w = right + MARGIN + 60 + 26 * back
    total_h = MARGIN * 2 + (len(rows) - 1) * ROW + HEIGHT
    return (
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f}'
        f' {total_h:.0f}" width="{total_w:.0f}" height="{total_h:.0f}" role="img"'
        ' aria-label="call flow graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9"'
        ' markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0L10,5L0,10z"/></marker></defs>' + "".join(parts) + "</svg>"
    )


def _route(
    source: str,
    target: str,
    box: Mapping[str, tuple[float, float, float]],
    layer: Mapping[str, int],
    right: float,
    back: int,
) -> tuple[str, tuple[float, float], str, int]:
    sx, sy, sw = box[source]
    tx, ty, tw = box[target]
    if source == target:
        x, y = sx + sw / 2, sy + HEIGHT / 2
        return (
            f"M{x:.1f},{y - 8:.1f} C{x + 56:.1f},{y - 34:.1f} {x + 56:.1f},{y + 34:.1f}"
            f" {x + 2:.1f},{y + 8:.1f}",
            (x + 46, y + 4),
            "start",
            back,
        )
    if layer[target] > layer[source]:
        x0, y0, x1, y1 = sx, sy + HEIGHT, tx, ty
        bend = (y1 - y0) / 2
        # The label sits past the middle, where curves fanning out of a node have parted.
        at = 0.62 if layer[target] == layer[source] + 1 else 0.5
        return (
            f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + bend:.1f} {x1:.1f},{y1 - bend:.1f}"
            f" {x1:.1f},{y1 - 2:.1f}",
            (_cubic(x0, x0, x1, x1, at), _cubic(y0, y0 + bend, y1 - bend, y1, at) + 4),
            "middle",
            back,
        )
    # Up or sideways: around the right of everything, one lane per such edge.
    lane = right + 30 + 26 * back
    y0, y1 = sy + HEIGHT / 2, ty + HEIGHT / 2
    return (
        f"M{sx + sw / 2:.1f},{y0:.1f} C{lane:.1f},{y0:.1f} {lane:.1f},{y1:.1f}"
        f" {tx + tw / 2 + 2:.1f},{y1:.1f}",
        (_cubic(sx + sw / 2, lane, lane, tx + tw / 2, 0.5) + 4, (y0 + y1) / 2 + 4),
        "start",
        back + 1,
    )


def _cubic(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    u = 1 - t
    return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3
