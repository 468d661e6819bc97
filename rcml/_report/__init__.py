"""See the call: the HTML rehearsal report and the call-flow graph."""

from rcml._report._graph import CallGraph, GraphEdge, GraphError, GraphNode, build_graph
from rcml._report._html import render_report, write_report

__all__ = [
    "CallGraph",
    "GraphEdge",
    "GraphError",
    "GraphNode",
    "build_graph",
    "render_report",
    "write_report",
]
