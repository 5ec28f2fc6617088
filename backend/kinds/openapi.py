"""Results in the API reference: one schema per kind, from the kind registry, instead of ``object``.

A result's shape depends on the project's kind, which the request does not repeat (a submit sends
``{result, duration_ms}`` to an assignment), so the body fields stay ``dict`` for validation — the
kind validates them with the project's labels and the item (``Kind.validate``) — and only their
documented schema changes: a ``KindResult`` field refers to the ``KindResult`` component,
an ``anyOf`` with one alternative per kind (each kind's ``result_model`` with its
``example``), discriminated by the project's ``kind``: ``x-kind`` on each alternative and the
``x-discriminator-kind`` map name which. (``anyOf``, not ``oneOf``: image and text classification
share a shape, so a result matches both; OpenAPI's own ``discriminator`` needs a property inside
the value, and a result does not carry its kind.) ``with_kind_results`` writes them into the
OpenAPI document (``backend.api_docs``); a kind registered later appears once it is built again.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

from backend.kinds.registry import KINDS

COMPONENT = "KindResult"
_REF = f"#/components/schemas/{COMPONENT}"
_DESCRIPTION = (
    "The annotation result; its shape is the project's kind's (`GET /projects/{id}` → `kind`): "
    "one of the alternatives, each marked with its kind in `x-kind`."
)

# Pydantic resolves a ``$ref`` among its own definitions, so a result field carries this marker,
# and ``with_kind_results`` turns every marked schema of the document into the reference.
_MARKER = "x-jinbiao-kind-result"
KindResult = Annotated[
    dict[str, Any],
    WithJsonSchema({"type": "object", "description": _DESCRIPTION, _MARKER: True}),
]
"""A result field: a ``dict`` to validate, the per-kind union in the API reference."""


def component_name(kind_name: str) -> str:
    """``image_boxes`` → ``ImageBoxesResult``."""
    return "".join(part.capitalize() for part in kind_name.split("_")) + "Result"


def components() -> dict[str, dict[str, Any]]:
    """The schemas to add under ``components.schemas``: one per kind, its nested models (prefixed
    with the kind's component name), and the ``KindResult`` union of them."""
    out: dict[str, dict[str, Any]] = {}
    alternatives, mapping = [], {}
    for kind in KINDS.values():
        name = component_name(kind.name)
        if kind.result_model is not None:
            schema = kind.result_model.model_json_schema(
                ref_template=f"#/components/schemas/{name}_{{model}}"
            )
            for nested, nested_schema in schema.pop("$defs", {}).items():
                out[f"{name}_{nested}"] = nested_schema
        else:  # a kind without a model: documented as free JSON, still named and exemplified
            schema = {"type": "object", "additionalProperties": True}
        schema["title"] = name
        schema["x-kind"] = kind.name
        schema["description"] = f"A result of a `{kind.name}` project."
        if kind.example is not None:
            schema["examples"] = [kind.example]
        out[name] = schema
        alternatives.append({"$ref": f"#/components/schemas/{name}"})
        mapping[kind.name] = f"#/components/schemas/{name}"
    out[COMPONENT] = {
        "title": COMPONENT,
        "description": _DESCRIPTION,
        "anyOf": alternatives,
        "x-discriminator-kind": mapping,
        "examples": [kind.example for kind in KINDS.values() if kind.example is not None],
    }
    return out


def with_kind_results(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI ``document`` with every marked result field referring to ``KindResult`` and
    the per-kind components added."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get(_MARKER):
                return {"$ref": _REF}
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    out = walk(document)
    out.setdefault("components", {}).setdefault("schemas", {}).update(components())
    return out
