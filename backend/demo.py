"""Demo data: an organization, its people, one project of each kind and sample items in each.

Idempotent: running ``jinbiao demo`` again reuses what exists. Passwords are fixed and printed,
which is acceptable only because the demo refuses to run outside local mode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.accounts.service import create_user, get_user_by_email
from backend.items.samples import import_samples
from backend.orgs.models import Membership, Organization, Role
from backend.orgs.service import get_membership
from backend.projects.models import Project
from backend.projects.schemas import ProjectCreate
from backend.projects.service import create_project
from backend.settings import get_settings

DEMO_ORG = "Demo Factory 演示工厂"
DEMO_PASSWORD = "jinbiao-demo"  # noqa: S105 - local-only demo, printed on purpose
PEOPLE = [
    (Role.owner, "owner@demo.jinbiao.dev", "Owner 王芳"),
    (Role.manager, "manager@demo.jinbiao.dev", "Manager 李强"),
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
PROJECT_NAMES = {
    "image_classification": "Surface inspection · 表面质检 (classes)",
    "image_boxes": "Defect boxes · 缺陷框选",
    "text_classification": "Work-order triage · 工单分类",
    "text_spans": "Defect-report entities · 缺陷报告实体",
}


def _labels_for(kind: str) -> list[dict[str, Any]]:
    if LABELS_FILE.is_file():
        data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
        labels = data.get(kind)
        if isinstance(labels, list) and labels:
            return [
                {k: v for k, v in label.items() if k in ("name", "color", "hotkey")}
                for label in labels
            ]
    return FALLBACK_LABELS[kind]


def seed_demo(*, session: Session) -> list[tuple[str, str, str]]:
    """Create (or find) the demo organization; returns (role, email, password) rows."""
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
            instructions="Label every visible defect. 请标注所有可见缺陷。",
        )
        create_project(session=session, org_id=org.id, body=body, actor=owner)
    # Sample images and texts with known answers (datasets/generate.py), ~10% of them gold.
    projects = list(session.exec(select(Project).where(Project.org_id == org.id)))
    import_samples(session=session, projects=projects, actor_id=owner.user_id)
    return [(role.value, email, DEMO_PASSWORD) for role, email, _ in PEOPLE]
