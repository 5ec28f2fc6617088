"""Demo data: an organization, its people (one of each role), a team, one project of each kind
with sample items, and an open invitation link.

Idempotent: running ``jinbiao demo`` again reuses what exists. Passwords are fixed and printed,
which is acceptable only because the demo refuses to run outside local mode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import User
from backend.accounts.service import create_user, get_user_by_email
from backend.invites.models import Invite
from backend.invites.service import create_invite, invite_url
from backend.items.inspection_samples import import_inspection_samples
from backend.items.inspection_samples import labels as inspection_labels
from backend.items.samples import import_samples
from backend.orgs.models import Membership, Organization, Role, Team
from backend.orgs.service import get_membership
from backend.orgs.teams import create_team
from backend.projects.models import Project
from backend.projects.schemas import ProjectCreate
from backend.projects.service import create_project
from backend.settings import get_settings

DEMO_ORG = "Demo Factory 演示工厂"
DEMO_PASSWORD = "jinbiao-demo"  # noqa: S105 - local-only demo, printed on purpose
PEOPLE = [
    (Role.owner, "owner@demo.jinbiao.dev", "Owner 王芳"),
    (Role.manager, "manager@demo.jinbiao.dev", "Manager 李强"),
    (Role.reviewer, "reviewer@demo.jinbiao.dev", "Reviewer 陈静"),
    (Role.client, "client@demo.jinbiao.dev", "Client 周总 (验收方)"),
    (Role.annotator, "annotator1@demo.jinbiao.dev", "Annotator 张伟"),
    (Role.annotator, "annotator2@demo.jinbiao.dev", "Annotator Emma"),
    (Role.annotator, "annotator3@demo.jinbiao.dev", "Annotator 刘洋"),
]
LABELS_FILE = Path(__file__).resolve().parent.parent / "datasets" / "labels.json"
FALLBACK_LABELS: dict[str, list[dict[str, Any]]] = {
    "image_classification": [
        {"name": n, "hotkey": str(i + 1)}
        for i, n in enumerate(["ok", "scratch", "dent", "stain", "crack"])
    ],
    "image_boxes": [
        {"name": n, "hotkey": str(i + 1)}
        for i, n in enumerate(["scratch", "dent", "stain", "crack", "missing_component"])
    ],
    "text_classification": [
        {"name": n, "hotkey": str(i + 1)}
        for i, n in enumerate(
            [
                "electrical_fault",
                "mechanical_wear",
                "surface_defect",
                "leak",
                "calibration",
                "other",
            ]
        )
    ],
    "text_spans": [
        {"name": n, "hotkey": str(i + 1)}
        for i, n in enumerate(["PART", "DEFECT", "LOCATION", "MACHINE", "QUANTITY"])
    ],
}
DEMO_TEAM = "Shift A 早班"
TEAM_MEMBERS = ("annotator1@demo.jinbiao.dev", "annotator2@demo.jinbiao.dev")
INVITE_HOURS = 7 * 24


@dataclass(frozen=True)
class DemoSeed:
    credentials: list[tuple[str, str, str]]  # (role, email, password)
    team: str
    invite_token: str  # an open annotator invitation, made afresh on each run

    def invite_link(self, base_url: str) -> str:
        return invite_url(self.invite_token, request_base=base_url)


PROJECT_NAMES = {
    "image_classification": "Surface inspection · 表面质检 (classes)",
    "image_boxes": "Defect boxes · 缺陷框选",
    "text_classification": "Work-order triage · 工单分类",
    "text_spans": "Defect-report entities · 缺陷报告实体",
    "image_polygons": "Defect outlines & PCB templates · 缺陷轮廓与模板比对",
}
POLYGONS = "image_polygons"
# hotkeys of the polygon project: O answers "OK" and T shows the template, so neither is a label's
POLYGON_HOTKEYS = "123456789asdf"

# What an annotator of each project reads beside the tool: fitted to what the kind asks of them.
INSTRUCTIONS = {
    "image_classification": (
        "Pick the one class that fits the whole part; use the hotkeys, Enter submits.\n"
        "为整张零件图选择一个最合适的类别；用快捷键选择，回车提交。"
    ),
    "image_boxes": (
        "Draw a tight box around every visible defect and give each its label; "
        "a part without defects is submitted with no boxes.\n"
        "为每个可见缺陷画一个贴合的框并选择标签；没有缺陷的零件不画框直接提交。"
    ),
    "text_classification": (
        "Read the work order and pick the category of its fault; Enter submits.\n"
        "阅读工单，选择故障类别；回车提交。"
    ),
    "text_spans": (
        "Select each part, defect and location named in the report and give it its label.\n"
        "在报告中选中每个零件、缺陷和位置，并设置相应标签。"
    ),
    "image_polygons": (
        "Outline every defect by clicking its corners and close the outline; press O for a part "
        "without defects. T compares the part with its template.\n"
        "点击缺陷的各个拐点勾勒并闭合轮廓；无缺陷的零件按 O。按 T 与模板对比。"
    ),
}


def _labels_for(kind: str) -> list[dict[str, Any]]:
    if kind == POLYGONS:
        names = inspection_labels() or ["scratch", "dent", "stain", "crack", "hole"]
        return [{"name": n, "hotkey": POLYGON_HOTKEYS[i]} for i, n in enumerate(names)]
    if LABELS_FILE.is_file():
        data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
        labels = data.get(kind)
        if isinstance(labels, list) and labels:
            return [
                {k: v for k, v in label.items() if k in ("name", "color", "hotkey")}
                for label in labels
            ]
    return FALLBACK_LABELS[kind]


def seed_demo(*, session: Session) -> DemoSeed:
    """Create (or find) the demo organization; returns its sign-ins, team and invitation."""
    if get_settings().env != "local":
        raise RuntimeError("the demo uses printed passwords and runs only in local mode")
    users: dict[str, User] = {}
    for _role, email, name in PEOPLE:
        user = get_user_by_email(session=session, email=email)
        users[email] = user or create_user(
            session=session, email=email, password=DEMO_PASSWORD, name=name
        )
    session.commit()
    org = session.exec(select(Organization).where(Organization.name == DEMO_ORG)).first()
    if org is None:
        org = Organization(name=DEMO_ORG)
        session.add(org)
        session.flush()
    for role, email, _name in PEOPLE:
        if get_membership(session=session, org_id=org.id, user_id=users[email].id) is None:
            session.add(Membership(org_id=org.id, user_id=users[email].id, role=role))
    session.commit()
    owner = get_membership(session=session, org_id=org.id, user_id=users[PEOPLE[0][1]].id)
    existing = {p.kind for p in session.exec(select(Project).where(Project.org_id == org.id))}
    for kind, name in PROJECT_NAMES.items():
        if kind in existing:
            continue
        body = ProjectCreate(
            name=name,
            kind=kind,
            labels=_labels_for(kind),
            overlap=3,
            max_overlap=5,
            gold_rate=0.1,
            gold_min_count=5,
            min_gold_accuracy=0.6,
            reward_per_item=0.05,
            instructions=INSTRUCTIONS[kind],
        )
        create_project(session=session, org_id=org.id, body=body, actor=owner)
    # Sample images and texts with known answers (datasets/generate.py), ~10% of them gold.
    projects = list(session.exec(select(Project).where(Project.org_id == org.id)))
    import_samples(
        session=session,
        projects=[p for p in projects if p.kind != POLYGONS],
        actor_id=owner.user_id,
    )
    for project in (p for p in projects if p.kind == POLYGONS):
        import_inspection_samples(session=session, project=project, actor_id=owner.user_id)
    _seed_team(session=session, org_id=org.id, users=users, owner=owner)
    token = _fresh_invite(session=session, org_id=org.id, owner=owner)
    credentials = [(role.value, email, DEMO_PASSWORD) for role, email, _ in PEOPLE]
    return DemoSeed(credentials=credentials, team=DEMO_TEAM, invite_token=token)


def _seed_team(*, session: Session, org_id: int, users: dict[str, User], owner: Membership) -> None:
    exists = session.exec(select(Team).where(Team.org_id == org_id, Team.name == DEMO_TEAM))
    if exists.first() is None:
        members = [users[email].id for email in TEAM_MEMBERS]
        create_team(
            session=session,
            org_id=org_id,
            name=DEMO_TEAM,
            member_ids=members,
            actor_id=owner.user_id,
        )


def _fresh_invite(*, session: Session, org_id: int, owner: Membership) -> str:
    """An annotator invitation for anyone with the link. Its token is stored hashed, so the one
    printed by an earlier run cannot be shown again: that one is withdrawn, a new one made."""
    earlier = session.exec(
        select(Invite).where(
            Invite.org_id == org_id,
            Invite.created_by == owner.user_id,
            Invite.email.is_(None),
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
        )
    )
    for invite in earlier:
        invite.revoked_at = clock.now()
        session.add(invite)
    session.commit()
    _invite, token = create_invite(
        session=session,
        org_id=org_id,
        actor=owner,
        role=Role.annotator,
        email=None,
        expires_hours=INVITE_HOURS,
        project_ids=[],
    )
    return token
