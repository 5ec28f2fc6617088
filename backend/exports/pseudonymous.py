"""A client's version names annotators by pseudonym only (``backend/orgs/pseudonyms.py``).

The records of a build carry annotator ids (raw exports write one per answer, the index and the
counts use them); a version made by the client role has each id replaced by its pseudonym before
any format sees the record, so no file of the zip holds a raw id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from backend.exports.records import ExportRecord
from backend.orgs.pseudonyms import pseudonym


def pseudonymous_chunks(
    chunks: Iterator[list[ExportRecord]], *, org_id: int
) -> Iterator[list[ExportRecord]]:
    """``chunks`` with every annotator id replaced by its pseudonym in ``org_id``."""
    try:
        for chunk in chunks:
            for record in chunk:
                record.annotator_ids = [pseudonym(org_id, a) for a in record.annotator_ids]
                record.annotations = [
                    dataclasses.replace(a, annotator_id=pseudonym(org_id, a.annotator_id))
                    for a in record.annotations
                ]
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
