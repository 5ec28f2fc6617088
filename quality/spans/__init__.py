"""Text spans: pairwise span F1 (exact and overlap), consensus spans by weighted vote, and the
plain majority of exact spans.

Platform format: ``{"label": str, "start": int, "end": int}`` in Unicode code points, end
exclusive — Python string indices, so Chinese text needs no tokeniser.
"""

from .consensus import consensus_spans, tokenize
from .f1 import pairwise_span_f1, span_f1
from .majority import majority_spans

__all__ = ["consensus_spans", "majority_spans", "pairwise_span_f1", "span_f1", "tokenize"]
