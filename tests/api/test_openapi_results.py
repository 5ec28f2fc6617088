"""Every request and answer body that carries a result documents it per kind (issue 18, part 8):
the ``KindResult`` union generated from the kind registry, each alternative the kind's own model
with an example that the kind's own validator accepts; no bare ``object`` is left for them."""

from __future__ import annotations

import pytest

from backend.kinds import BUILT_IN_KINDS, KINDS, ItemShape
from backend.kinds.openapi import component_name

RESULT = {"$ref": "#/components/schemas/KindResult"}
# (component, property): the result fields of submit, next, gold, item listings, consensus and
# corrections.
RESULT_FIELDS = [
    ("SubmitBody", "result"),
    ("AnnotationPublic", "result"),
    ("SubmitAndNextAnswer", "result"),
    ("GoldFeedbackPublic", "expected"),
    ("NextAnswer", "prelabel"),
    ("GoldIn", "answer"),
    ("GoldPublic", "answer"),
    ("ItemRow", "prelabel"),
    ("ItemDetail", "prelabel"),
    ("AnnotationView", "result"),
    ("ConsensusView", "result"),
    ("GoldView", "answer"),
    ("ConsensusRow", "result"),
    ("CorrectionBody", "result"),
    ("MyAnnotation", "result"),
    ("HistoryEntry", "result"),
    ("AnnotationHistoryAnswer", "current"),
    ("SuggestionPublic", "result"),
]


@pytest.fixture(scope="module")
def document(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def _schemas(document):
    return document["components"]["schemas"]


def _named(schemas, name):
    """A component by name; FastAPI splits models used both ways into ``-Input``/``-Output``."""
    found = [schemas[k] for k in (name, f"{name}-Input", f"{name}-Output") if k in schemas]
    assert found, f"{name} is not in the OpenAPI components"
    return found


@pytest.mark.parametrize("component,prop", RESULT_FIELDS)
def test_result_fields_refer_to_the_kind_union(document, component, prop):
    for schema in _named(_schemas(document), component):
        field = dict(schema["properties"][prop])
        field.pop("description", None)
        field.pop("title", None)
        choices = field.get("anyOf", [field])
        assert RESULT in choices, (component, prop, field)
        assert all(c in (RESULT, {"type": "null"}) for c in choices), (component, prop, field)


def test_the_union_has_every_kind_with_its_model_and_example(document):
    schemas = _schemas(document)
    union = schemas["KindResult"]
    refs = [alternative["$ref"].rsplit("/", 1)[1] for alternative in union["anyOf"]]
    # Built when first asked for: kinds a test registered later may follow the built-in ones.
    assert refs[: len(BUILT_IN_KINDS)] == [component_name(name) for name in BUILT_IN_KINDS]
    assert set(BUILT_IN_KINDS) <= set(union["x-discriminator-kind"])
    for name in BUILT_IN_KINDS:
        schema = schemas[component_name(name)]
        assert schema["x-kind"] == name
        assert schema.get("type") == "object" and schema.get("properties"), name
        assert schema.get("additionalProperties") is False, name  # a real model, not `object`
        assert schema["examples"] == [KINDS[name].example]


def test_no_result_field_is_left_a_bare_object(document):
    """Any property called like a result anywhere in the document is the union, not ``object``."""
    names = {"result", "prelabel", "answer", "expected", "current"}
    bare = []
    for component, schema in _schemas(document).items():
        for prop, field in schema.get("properties", {}).items():
            if prop not in names:
                continue
            choices = field.get("anyOf", [field])
            if any(c.get("type") == "object" and "properties" not in c for c in choices):
                bare.append(f"{component}.{prop}")
    assert bare == []


def test_every_reference_resolves(document):
    schemas = _schemas(document)
    missing = []

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.rsplit("/", 1)[1] not in schemas:
                missing.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert missing == []


@pytest.mark.parametrize("name", BUILT_IN_KINDS)
def test_each_kinds_example_passes_its_own_validator(name):
    kind = KINDS[name]
    assert kind.result_model is not None and kind.example is not None
    labels = kind.labels_of(kind.example)
    assert labels, "an example shows at least one label"
    validated = kind.validate(kind.example, labels=labels, item=ItemShape())
    assert validated == kind.example
    assert kind.result_model.model_validate(kind.example).model_dump() == kind.example
