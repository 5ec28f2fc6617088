"""What the label endpoints accept and answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.projects.schemas import ProjectPublic


class RenameBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"from": "leak", "to": "fluid_leak"}]},
    )

    from_: str = Field(alias="from", min_length=1, max_length=64, description="the label's name")
    to: str = Field(min_length=1, max_length=64, description="its new name (not another label's)")

    @field_validator("to")
    @classmethod
    def _clean(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("label name must not be blank")
        return value


class Rewritten(BaseModel):
    """Rows whose stored result changed, per store."""

    annotations: int = 0
    gold: int = 0
    prelabels: int = 0
    consensus: int = 0


class RenameAnswer(BaseModel):
    project: ProjectPublic
    rewritten: Rewritten
