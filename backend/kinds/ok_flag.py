"""The OK/NG flag (合格/不合格) that every image result may carry, shared by the image kinds.

In inspection most images are good, so the common answer is one key: ``{"ok": true}`` ("no
defect") is a valid answer of a boxes or polygons project and is stored with its empty mark list
(``{"boxes": [], "ok": true}``), so consensus, gold scoring and exports read the marks as
always. ``"ok": false`` says "defective" with or without marks; ``"ok": true`` together with
marks contradicts itself and is refused. A kind opts in by wrapping its validation with
``accepts_ok`` — one line in the kind's module, nothing elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.kinds.kind import Validate
from backend.kinds.results import ItemShape, ResultInvalid

OK = "ok"


def split_ok(result: Any, field: str) -> tuple[Any, bool | None]:
    """The result without its flag (``{field: []}`` when the flag was all it held), and the
    flag (None: not given)."""
    if not isinstance(result, dict) or OK not in result:
        return result, None
    flag = result[OK]
    if not isinstance(flag, bool):
        raise ResultInvalid((OK,), "ok must be true (no defect) or false (defective)")
    rest = {key: value for key, value in result.items() if key != OK}
    return (rest or {field: []}), flag


def accepts_ok(validate: Validate, field: str) -> Validate:
    """``validate`` of a kind whose marks are ``result[field]``, accepting the OK/NG flag."""

    def validate_with_ok(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
        rest, flag = split_ok(result, field)
        normalised = validate(rest, labels=labels, item=item)
        if flag is None:
            return normalised
        if flag and normalised.get(field):
            raise ResultInvalid(
                (OK,),
                f"ok is true (no defect) but the answer marks {len(normalised[field])} {field}",
            )
        return {**normalised, OK: flag}

    validate_with_ok.__doc__ = validate.__doc__
    return validate_with_ok
