"""Jinbiao quality: agreement, truth inference, gold scoring, boxes, spans, polygons, acceptance
sampling.

Pure algorithms on arrays and records (NumPy, SciPy, scikit-learn); imports nothing else of the
project. Inside this package the crowdsourcing literature's words apply: task, worker, label.

    from quality import acceptance, agreement, inference, gold, boxes, spans, polygons
"""

from . import acceptance, agreement, boxes, confidence, gold, inference, polygons, spans

__all__ = [
    "acceptance",
    "agreement",
    "boxes",
    "confidence",
    "gold",
    "inference",
    "polygons",
    "spans",
]
