"""Jinbiao quality: agreement, truth inference, gold scoring, boxes and spans.

Pure algorithms on arrays and records (NumPy, SciPy, scikit-learn); imports nothing else of the
project. Inside this package the crowdsourcing literature's words apply: task, worker, label.

    from quality import agreement, inference, gold, boxes, spans
"""

from . import agreement, boxes, gold, inference, spans

__all__ = ["agreement", "boxes", "gold", "inference", "spans"]
