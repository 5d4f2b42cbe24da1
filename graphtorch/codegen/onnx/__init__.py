"""ONNX backend: export of IR graphs to ONNX (``export_graph``) and import of ONNX models to
IR graphs (``importer.import_model``).  This package is the only place that imports onnx."""
from __future__ import annotations

from .context import ExportError
from .export import check_exportable, export_graph, newest_opset
from .registry import MIN_OPSET, RULES, lookup, min_opset

__all__ = ["export_graph", "newest_opset", "check_exportable", "ExportError", "RULES",
           "lookup", "min_opset", "MIN_OPSET"]
