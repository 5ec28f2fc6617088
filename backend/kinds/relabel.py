"""Renaming or dropping a label inside a stored result, for any kind whose marks carry ``label``.

A result is JSON the kind validated: classification ``{"label": …}``, marks
``{"boxes" | "spans" | "polygons": [{"label": …, …}]}``. Renaming replaces the label wherever a
``"label"`` key holds it; dropping (``new`` is None) removes the marks that carry it, and answers
None when the result itself is that label (a classification answer cannot exist without its
label: the caller refuses such a drop). Marks that became identical after a merge (two labels
mapped onto one) are kept once, so a spans answer stays valid (spans refuse duplicates).

A kind whose results hold no project label (a rating) passes ``keep_labels`` instead.
"""

from __future__ import annotations

from typing import Any

_DROP = object()


def relabel_result(result: dict[str, Any], old: str, new: str | None) -> dict[str, Any] | None:
    """``result`` with ``old`` renamed to ``new`` (or dropped when ``new`` is None); the same
    object when ``old`` does not occur, so callers can tell an unchanged result by identity."""
    changed = _walk(result, old, new)
    if changed is _DROP:
        return None
    return changed


def keep_labels(result: dict[str, Any], old: str, new: str | None) -> dict[str, Any] | None:
    """For kinds whose results carry no project label: nothing to rewrite."""
    return result


def _walk(value: Any, old: str, new: str | None) -> Any:
    if isinstance(value, dict):
        if value.get("label") == old and new is None:
            return _DROP
        out, changed = {}, False
        for key, inner in value.items():
            if key == "label" and inner == old:
                out[key], changed = new, True
                continue
            walked = _walk(inner, old, new)
            changed = changed or walked is not inner
            out[key] = walked
        return out if changed else value
    if isinstance(value, list):
        walked = [_walk(inner, old, new) for inner in value]
        if all(w is v for w, v in zip(walked, value, strict=True)):
            return value
        unchanged = [w for w, v in zip(walked, value, strict=True) if w is v]
        kept: list[Any] = []
        for inner, before in zip(walked, value, strict=True):
            if inner is _DROP or (inner is not before and (inner in unchanged or inner in kept)):
                continue  # dropped, or merged into a mark that is there already
            kept.append(inner)
        return kept
    return value
