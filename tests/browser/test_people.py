"""People in the browser: invite → sign up → join → label; homes that fit each role; a temporary
password changed at the next sign-in; the sign-up page."""

from __future__ import annotations

import os
import re
import uuid

import httpx
import pytest
from browser_ui import shot, sign_in, submit_and_capture, wait_item

TEXTS = [
    {"text": "主轴电机过热，跳闸两次 spindle motor overheated", "external_id": "wo-1"},
    {"text": "液压管接头渗油 hydraulic fitting weeps oil", "external_id": "wo-2"},
    {"text": "传送带异响 conveyor belt squeals", "external_id": "wo-3"},
]


def fresh_page(browser, base_url: str, lang: str):
    """A page in a browser context of its own (nobody signed in), in ``lang``."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860},
        base_url=base_url,
        locale="zh-CN" if lang == "zh" else "en-US",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    page.evaluate("lang => localStorage.setItem('jinbiao.lang', lang)", lang)
    return page, errors


def new_account(seed, name: str, role: str | None = None):
    """A signed-up account (the seed's ``Account`` type), a member with ``role`` if given."""
    account = type(seed.annotator)(email=f"p-{uuid.uuid4().hex[:8]}@example.com", name=name)
    with httpx.Client(base_url=f"{seed.base_url}/api/v1", timeout=30) as c:
        body = {"email": account.email, "password": account.password, "name": name}
        assert c.post("/auth/signup", json=body).status_code == 201
        r = c.post("/auth/token", data={"username": account.email, "password": account.password})
        account.token = r.json()["access_token"]
    if role:
        seed.add_member(account, role)
    return account


def test_invite_sign_up_join_and_label(browser, page, seed, artifacts):
    project = seed.project("text_classification", TEXTS, overlap=1)
    with seed.client(seed.manager) as c:  # a listed project: the invitation must grant it
        assert (
            c.put(f"/projects/{project['id']}/access", json={"mode": "listed"}).status_code == 200
        )
    with seed.client(seed.annotator) as c:
        assert project["id"] not in {p["id"] for p in c.get(f"/orgs/{seed.org_id}/projects").json()}

    sign_in(page, seed.manager)
    page.get_by_role("link", name="Members").first.click()
    page.wait_for_selector(".members-table tbody tr")
    page.locator("select[name=invite-role]").select_option("annotator")
    page.get_by_role("checkbox", name=project["name"]).check()
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Invitation link").input_value()
    assert re.fullmatch(rf"{re.escape(seed.base_url)}/#/invite/[A-Za-z0-9_-]{{40,}}", link), link
    page.wait_for_selector(".pending-invites [data-invite-id]")
    shot(page, artifacts, "people-invite-created")

    newcomer, errors = fresh_page(browser, seed.base_url, "zh")
    newcomer.goto(link)
    newcomer.reload()
    what = newcomer.locator(".invite-what")
    what.wait_for()
    assert what.inner_text() == f"邀请你以「标注员」身份加入 {seed.org_name}。"
    create = newcomer.locator("form.invite-create")
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    create.get_by_label("姓名").fill("王新人")
    create.get_by_label("邮箱").fill(email)
    create.get_by_label("密码").fill(seed.annotator.password)
    shot(newcomer, artifacts, "people-invite-open")
    create.get_by_role("button", name="创建账号并加入").click()

    row = newcomer.locator(f".project-row[data-project-id='{project['id']}']")
    row.wait_for()
    assert newcomer.locator(".org .badge").first.inner_text() == "标注员"
    shot(newcomer, artifacts, "people-joined-home")
    row.get_by_role("link", name=re.compile("^开始")).click()
    newcomer.get_by_role("button", name="开始").click()
    wait_item(newcomer)
    newcomer.keyboard.press("e")
    stored = submit_and_capture(newcomer)
    assert stored["result"] == {"label": "electrical_fault"}

    newcomer.goto(link)  # the link worked once
    newcomer.wait_for_selector(".card.error[data-code='invite_used']")
    assert newcomer.inner_text(".card.error p") == "此邀请已被使用。"
    assert errors == []
    with seed.client(seed.manager) as c:
        members = {m["email"]: m for m in c.get(f"/orgs/{seed.org_id}/members").json()}
        access = c.get(f"/projects/{project['id']}/access").json()
        progress = c.get(f"/projects/{project['id']}/progress").json()
    assert members[email]["role"] == "annotator" and members[email]["name"] == "王新人"
    assert access["user_ids"] == [members[email]["user_id"]]
    assert progress["annotations"] == 1
    newcomer.context.close()


def test_each_role_lands_on_a_home_that_fits(browser, seed, artifacts):
    project = seed.project("text_classification", TEXTS[:1])
    reviewer = new_account(seed, "审核员 Reviewer", "reviewer")
    client = new_account(seed, "验收方 Client", "client")
    expected = {
        seed.annotator.email: ["Start"],
        reviewer.email: ["Review", "Data", "Progress", "Quality", "Models", "Lots"],
        client.email: ["Progress", "Lots", "Exports"],
        seed.manager.email: [
            "Start",
            "Review",
            "Edit",
            "Import",
            "Data",
            "Progress",
            "Quality",
            "Models",
            "Lots",
            "Exports",
            "Access",
        ],
    }
    for account in (seed.annotator, reviewer, client, seed.manager):
        page, errors = fresh_page(browser, seed.base_url, "en")
        sign_in(page, account)
        row = page.locator(f".project-row[data-project-id='{project['id']}']")
        row.wait_for()
        buttons = [b.strip() for b in row.locator(".actions a").all_inner_texts()]
        assert buttons == expected[account.email], account.name
        section = page.locator(".org").filter(has=row)
        assert (section.get_by_role("link", name="Members").count() == 1) == (
            account is seed.manager
        )
        if account is client:
            assert section.locator(".role-note").inner_text() == (
                "You follow the progress of the projects made for you."
            )
            shot(page, artifacts, "people-home-client")
            row.get_by_role("link", name=re.compile("^Progress")).click()
            page.wait_for_selector("[data-figure='items']")
            assert page.locator(".tabs a").all_inner_texts() == ["Progress", "Lots", "Exports"]
        if account is reviewer:
            shot(page, artifacts, "people-home-reviewer")
        assert errors == []
        page.context.close()


def test_a_temporary_password_is_changed_at_the_next_sign_in(browser, page, seed, artifacts):
    worker = new_account(seed, "临时工 Temp", "annotator")
    sign_in(page, seed.manager)
    page.goto(f"/#/orgs/{seed.org_id}/members")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Temporary password: {worker.name}").click()
    notice = page.locator(".temp-password")
    notice.wait_for()
    temporary = re.search(r": (\S+) —", notice.inner_text()).group(1)
    shot(page, artifacts, "people-temporary-password")

    other, errors = fresh_page(browser, seed.base_url, "en")
    other.goto("/#/login")
    other.reload()
    other.get_by_label("Email").fill(worker.email)
    other.get_by_label("Password").fill(temporary)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_url("**/#/password")
    other.get_by_role("heading", name="Choose your own password").wait_for()
    other.goto("/#/projects")  # anywhere else: back to the password page first
    other.wait_for_url("**/#/password")
    other.get_by_label("Current password").fill(temporary)
    other.locator("input[name=new-password]").fill("my own secret 密码")
    other.get_by_label("New password again").fill("my own secret 密码")
    other.get_by_role("button", name="Change password").click()
    other.wait_for_url("**/#/projects")
    other.wait_for_selector(".project-row")
    assert errors == []
    other.context.close()
    with httpx.Client(base_url=f"{seed.base_url}/api/v1") as c:
        assert c.get("/me", headers={"Authorization": f"Bearer {worker.token}"}).status_code == 401
        r = c.post("/auth/token", data={"username": worker.email, "password": "my own secret 密码"})
        assert r.status_code == 200 and r.json()["must_change_password"] is False


def test_sign_up_from_the_sign_in_page(page, seed):
    with page.expect_response("**/api/v1/config"):
        page.goto("/#/login")
    page.get_by_role("link", name="No account yet? Create one").click()
    page.wait_for_url("**/#/signup")
    email = f"self-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Your name").fill("Self Starter")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(seed.annotator.password)
    page.get_by_role("button", name="Create an account").click()
    page.wait_for_selector("text=You are not a member of any organization yet")
    assert page.inner_text("#user-name") == "Self Starter"


@pytest.mark.skipif(
    bool(os.environ.get("JINBIAO_BROWSER_BASE_URL")),
    reason="the server runs elsewhere: its settings cannot be changed from here",
)
def test_the_sign_up_link_is_hidden_where_sign_up_is_off(page, monkeypatch):
    from backend.settings import get_settings

    monkeypatch.setattr(get_settings(), "allow_signup", False)
    with page.expect_response("**/api/v1/config") as answer:
        page.goto("/#/login")
    assert answer.value.json() == {"allow_signup": False}
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.locator("#signup-link").count() == 1
    assert not page.locator("#signup-link").is_visible()
    page.goto("/#/signup")
    page.wait_for_selector("text=Self sign-up is switched off on this server")
