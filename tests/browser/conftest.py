"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

The server is the ``live_server`` fixture (the real app on uvicorn with a fresh database), or an
already running one named by ``JINBIAO_BROWSER_BASE_URL``. ``seed`` creates everything through the
public HTTP API only: users, an organization, projects and items.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # browser_ui, browser_pngs

CHROMIUM = os.environ.get("JINBIAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "correct horse battery staple"

LABELS = {
    "image_classification": [
        {"name": "scratch", "hotkey": "1"},
        {"name": "dent", "hotkey": "2"},
        {"name": "ok", "hotkey": "3"},
    ],
    "image_boxes": [
        {"name": "scratch", "hotkey": "1"},
        {"name": "dent", "hotkey": "2"},
        {"name": "crack", "hotkey": "3"},
    ],
    "image_polygons": [
        {"name": "scratch", "hotkey": "1"},
        {"name": "dent", "hotkey": "2"},
        {"name": "crack", "hotkey": "3"},
    ],
    "text_classification": [
        {"name": "electrical_fault", "hotkey": "e"},
        {"name": "mechanical_fault", "hotkey": "m"},
        {"name": "other", "hotkey": "o"},
    ],
    "text_spans": [
        {"name": "PART", "hotkey": "p"},
        {"name": "DEFECT", "hotkey": "d"},
        {"name": "ACTION", "hotkey": "a"},
    ],
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = getattr(config, "_jinbiao_measurements", [])
    if lines:
        terminalreporter.section("labeling UI measurements")
        for line in lines:
            terminalreporter.write_line(line)


@dataclass
class Account:
    email: str
    name: str
    token: str = ""
    password: str = PASSWORD


@dataclass
class Seed:
    """Users, one organization and a factory of projects, made through the API."""

    base_url: str
    manager: Account
    annotator: Account
    org_id: int
    org_name: str
    projects: list[dict] = field(default_factory=list)

    def client(self, account: Account) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            timeout=30,
            headers={"Authorization": f"Bearer {account.token}"},
        )

    def project(self, kind: str, items: list[dict], **settings) -> dict:
        body = {
            "name": f"{kind} {uuid.uuid4().hex[:6]}",
            "kind": kind,
            "labels": LABELS[kind],
            "overlap": 1,
            "gold_rate": 0,
            "lease_seconds": 600,
            "reward_per_item": 0.05,
            "instructions": "Mark every visible defect. 标出所有可见缺陷。",
            **settings,
        }
        with self.client(self.manager) as c:
            r = c.post(f"/orgs/{self.org_id}/projects", json=body)
            assert r.status_code == 201, r.text
            project = r.json()
            if items:
                r = c.post(f"/projects/{project['id']}/items", json={"items": items})
                assert r.status_code == 201, r.text
                assert r.json()["created"] == len(items), r.text
        self.projects.append(project)
        return project

    def add_member(self, account: Account, role: str) -> None:
        """The manager invites ``account`` by e-mail and ``account`` accepts (as joining takes)."""
        with self.client(self.manager) as c:
            r = c.post(f"/orgs/{self.org_id}/members", json={"email": account.email, "role": role})
            assert r.status_code == 201, r.text
            token = r.json()["token"]
        with self.client(account) as c:
            r = c.post(f"/invites/{token}/accept", json={})
            assert r.status_code == 201, r.text


def _signup(c: httpx.Client, slug: str, name: str) -> Account:
    account = Account(email=f"{slug}-{uuid.uuid4().hex[:8]}@example.com", name=name)
    r = c.post("/auth/signup", json={"email": account.email, "password": PASSWORD, "name": name})
    assert r.status_code == 201, r.text
    r = c.post("/auth/token", data={"username": account.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    account.token = r.json()["access_token"]
    return account


@pytest.fixture(scope="session")
def ui_base_url(request: pytest.FixtureRequest) -> str:
    return os.environ.get("JINBIAO_BROWSER_BASE_URL") or request.getfixturevalue("live_server")


@pytest.fixture(scope="session")
def seed(ui_base_url: str) -> Seed:
    with httpx.Client(base_url=f"{ui_base_url}/api/v1", timeout=30) as c:
        manager = _signup(c, "manager", "王经理")
        annotator = _signup(c, "annotator", "李标注")
        org_name = f"津标测试厂 {uuid.uuid4().hex[:4]}"
        r = c.post(
            "/orgs", json={"name": org_name}, headers={"Authorization": f"Bearer {manager.token}"}
        )
        assert r.status_code == 201, r.text
        org_id = r.json()["id"]
    seed = Seed(
        base_url=ui_base_url, manager=manager, annotator=annotator, org_id=org_id, org_name=org_name
    )
    seed.add_member(annotator, "annotator")
    return seed


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(
    browser, ui_base_url: str, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, base_url=ui_base_url, locale="en-US"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # keep what the page showed when a test failed
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"))
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    for stale in ARTIFACTS.glob("failed-*.png"):  # from an earlier run
        stale.unlink()
    return ARTIFACTS
