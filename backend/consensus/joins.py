"""The consensus of items as a piece of SQL, for readers that stream items in their own query.

An export build reads items in chunks of thousands with the driver's cursor, and wants each
item's consensus in the same statement (one round trip per chunk, no ORM). It asks this module
for the columns and the join instead of writing SQL on the ``consensus`` table itself, so the
table stays the consensus domain's to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.consensus.models import Consensus


@dataclass(frozen=True)
class ConsensusColumns:
    """``columns``: the consensus result as JSON text, then its confidence (both NULL for an
    item without a consensus row); ``join``: the LEFT JOIN that provides them."""

    columns: str
    join: str


def consensus_of_items(*, item_id: str, alias: str = "c") -> ConsensusColumns:
    """The consensus beside each row of a query whose item id is the SQL ``item_id``."""
    table = Consensus.__tablename__
    return ConsensusColumns(
        columns=f"CAST({alias}.result AS TEXT), {alias}.confidence",
        join=f" LEFT JOIN {table} {alias} ON {alias}.item_id = {item_id}",
    )
