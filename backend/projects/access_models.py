"""A listed project's access lists: the people and the teams it names."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ProjectAccessUser(SQLModel, table=True):
    __tablename__ = "project_access_users"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")


class ProjectAccessTeam(SQLModel, table=True):
    __tablename__ = "project_access_teams"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="teams.id", primary_key=True, index=True, ondelete="CASCADE")
