"""Text spans: pairwise span F1 (exact and overlap) and consensus spans by weighted vote.

Platform format: ``{"label": str, "start": int, "end": int}`` in Unicode code points, end
exclusive — Python string indices, so Chinese text needs no tokeniser.
"""

from .consensus import consensus_spans, tokenize
from .f1 import pairwise_span_f1, span_f1

__all__ = ["consensus_spans", "pairwise_span_f1", "span_f1", "tokenize"]
