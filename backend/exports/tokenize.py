"""The tokeniser behind the CoNLL export: whitespace and punctuation for alphabetic scripts, one
token per character for CJK.

Chinese and Japanese are written without spaces and word segmentation is model-dependent, so
character-level BIO tags are the usual convention for Chinese NER corpora (MSRA, Weibo NER,
Resume NER). For English and other alphabetic scripts a token is a run of letters and digits, or
one punctuation character; whitespace separates and is dropped. Every token keeps its code-point
offsets, so spans map onto tokens exactly when their edges fall on token edges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+|[^\w\s]")


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(token, start, end) in order; offsets are code points, end exclusive."""
    for match in _TOKEN.finditer(text):
        yield match.group(), match.start(), match.end()
