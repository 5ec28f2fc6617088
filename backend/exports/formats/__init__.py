"""The export formats: one module each, registered here by name.

Which formats hold a project is its kind's to say (``Kind.formats``): a writer knows the result
shape it writes, a kind knows which writers fit its results.
"""

from __future__ import annotations

from backend.exports.formats.base import BuildContext, FormatWriter
from backend.exports.formats.coco import CocoWriter
from backend.exports.formats.conll import ConllWriter
from backend.exports.formats.csv_table import CsvWriter
from backend.exports.formats.deeppcb import DeepPcbWriter
from backend.exports.formats.folders import FoldersWriter
from backend.exports.formats.jsonl import JsonlWriter
from backend.exports.formats.masks_png import MasksPngWriter
from backend.exports.formats.mvtec import MvtecWriter
from backend.exports.formats.raw_jsonl import RawJsonlWriter
from backend.exports.formats.spacy import SpacyWriter
from backend.exports.formats.voc import VocWriter
from backend.exports.formats.yolo import YoloWriter
from backend.exports.formats.yolo_seg import YoloSegWriter
from backend.kinds import get_kind

FORMATS: dict[str, type] = {
    writer.name: writer
    for writer in (
        CocoWriter,
        YoloWriter,
        VocWriter,
        FoldersWriter,
        CsvWriter,
        JsonlWriter,
        ConllWriter,
        SpacyWriter,
        RawJsonlWriter,
        YoloSegWriter,
        MasksPngWriter,
        MvtecWriter,
        DeepPcbWriter,
    )
}
FORMAT_NAMES = tuple(FORMATS)


def formats_for(kind: str) -> list[str]:
    """The formats a project of ``kind`` exports as, preferred first."""
    return list(get_kind(kind).formats)


__all__ = ["FORMATS", "FORMAT_NAMES", "BuildContext", "FormatWriter", "formats_for"]
