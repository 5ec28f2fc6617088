"""CoNLL BIO tags for spans, in the two-column layout of CoNLL-2003 NER minus its POS and chunk
columns: ``{split}.conll``.

One ``token TAG`` line per token (a single space between; tokens never contain whitespace), a
blank line after each text; tags are ``B-LABEL``, ``I-LABEL`` and ``O`` (IOB2, as ``seqeval``
reads them). ``{split}.ids.txt`` gives the item id of each block, in order. Tokenisation is
``backend.exports.tokenize``: words and single punctuation marks for alphabetic scripts, one
character per token for CJK. BIO cannot hold what spans can, and the manifest's ``notes`` count
it: a span whose edge falls inside a token is widened to whole tokens, a span overlapping an
earlier (longer or earlier-starting) one is dropped, spaces in a label become ``_``.
Takes the consensus only: one tag sequence per text.
"""

from __future__ import annotations

import bisect
from typing import Any, ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools
from backend.exports.records import ExportRecord
from backend.exports.tokenize import tokens


class ConllWriter:
    name: ClassVar[str] = "conll"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.blocks = SplitSpools(ctx, "{split}.conll")
        self.ids = SplitSpools(ctx, "{split}.ids.txt")

    def add(self, record: ExportRecord, split: str) -> None:
        assert record.result is not None
        words = list(tokens(record.item.text or ""))
        if not words:
            self.ctx.notes["conll_texts_without_tokens"] += 1
            return
        tags = bio_tags(words, record.result["spans"], notes=self.ctx.notes)
        out = self.blocks.get(split)
        out.write("".join(f"{word} {tag}\n" for (word, _, _), tag in zip(words, tags, strict=True)))
        out.write("\n")
        self.ids.get(split).write(f"{record.item.id}\n")

    def finish(self) -> None:
        self.blocks.finish()
        self.ids.finish()


def bio_tags(
    words: list[tuple[str, int, int]], spans: list[dict[str, Any]], *, notes: Any
) -> list[str]:
    """IOB2 tags of ``words`` (token, start, end) for ``spans``; see the module docstring."""
    starts = [start for _, start, _ in words]
    ends = [end for _, _, end in words]
    tags = ["O"] * len(words)
    for span in sorted(spans, key=lambda s: (s["start"], s["start"] - s["end"], s["label"])):
        first = bisect.bisect_right(ends, span["start"])  # first token ending after the start
        last = bisect.bisect_left(starts, span["end"]) - 1  # last token starting before the end
        if first > last:
            notes["conll_spans_without_tokens"] += 1
            continue
        if any(tag != "O" for tag in tags[first : last + 1]):
            notes["conll_overlapping_spans_dropped"] += 1
            continue
        if starts[first] != span["start"] or ends[last] != span["end"]:
            notes["conll_spans_widened_to_tokens"] += 1
        label = "_".join(span["label"].split())
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
    return tags
