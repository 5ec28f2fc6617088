"""What the recompute needs from each project kind: consensus, agreement and a match score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from backend.consensus.answers import Answer


@dataclass(frozen=True)
class ItemConsensus:
    result: dict[str, Any]
    confidence: float
    n_annotations: int


class ConsensusKind(Protocol):
    method: str
    needs_text: bool

    def infer(
        self,
        answers: Sequence[Answer],
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> dict[int, ItemConsensus]:
        """Consensus per item from the counted answers (gold items keep their known answer)."""
        ...

    def agreement(self, answers: Sequence[Answer], *, labels: Sequence[str]) -> dict[str, Any]:
        """Inter-annotator agreement figures for the project (and per label)."""
        ...

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        """How far one result agrees with a reference, from 0 to 1."""
        ...

    def confusion(
        self,
        own: Sequence[Answer],
        consensus: Mapping[int, ItemConsensus],
        labels: Sequence[str],
    ) -> dict[str, Any] | None:
        """One annotator's confusion against the consensus, where the kind has one."""
        ...
